"""Learning-rate schedules: formulas, torch.optim.lr_scheduler, spec parsing."""

from __future__ import annotations

import math

import pytest

from nndl.schedules import (
    SCHEDULES, CosineDecay, ExponentialDecay, InverseTimeDecay, Schedule, StepDecay, get_schedule,
)

EPOCHS = range(12)


def test_inverse_time_decay_is_the_courses_update_lr():
    # update_lr(α₀ = 0.5, epoch_num = 2, decay_rate = 1) = 0.16666…
    assert InverseTimeDecay(decay_rate=1)(2, 0.5) == pytest.approx(0.5 / 3, rel=1e-15)
    s = InverseTimeDecay(decay_rate=0.3, time_interval=4)
    assert [s(e, 0.1) for e in EPOCHS] == [0.1 / (1 + 0.3 * (e // 4)) for e in EPOCHS]
    # schedule_lr_decay(α₀ = 0.5, epoch_num = 100, decay_rate = 1, time_interval = 100) = 0.25
    assert InverseTimeDecay(1, 100)(100, 0.5) == 0.25 and InverseTimeDecay(1, 100)(99, 0.5) == 0.5


def test_formulas():
    assert [ExponentialDecay(0.95)(e, 0.2) for e in EPOCHS] == [0.2 * 0.95 ** e for e in EPOCHS]
    assert [StepDecay(0.5, every=3)(e, 1.0) for e in EPOCHS] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25,
                                                                  0.25, 0.125, 0.125, 0.125]
    c = CosineDecay(total_epochs=10, min_lr=0.01)
    assert c(0, 0.1) == pytest.approx(0.1, rel=1e-15)
    assert c(5, 0.1) == pytest.approx(0.01 + 0.5 * 0.09, rel=1e-15)
    assert c(10, 0.1) == pytest.approx(0.01, rel=1e-15)
    assert c(25, 0.1) == c(10, 0.1)  # stays at the minimum after total_epochs
    for e in EPOCHS:
        expected = 0.01 + 0.5 * 0.09 * (1 + math.cos(math.pi * min(e, 10) / 10))
        assert c(e, 0.1) == pytest.approx(expected, rel=1e-14)
    assert [Schedule()(e, 0.3) for e in EPOCHS] == [0.3] * len(EPOCHS)


def _torch_lrs(torch, make, lr0, epochs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


@pytest.mark.parametrize("ours, theirs", [
    (ExponentialDecay(0.9), lambda t, o: t.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    (StepDecay(0.3, every=4), lambda t, o: t.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.3)),
    (CosineDecay(total_epochs=10, min_lr=0.001),
     lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
])
def test_matches_torch_lr_scheduler(ours, theirs, torch):
    lr0, epochs = 0.1, 11  # cosine: torch restarts after T_max, ours holds the minimum
    expected = _torch_lrs(torch, lambda o: theirs(torch, o), lr0, epochs)
    for e in range(epochs):
        assert ours(e, lr0) == pytest.approx(expected[e], rel=1e-12, abs=1e-15)


def test_get_schedule_parses_specs():
    s = get_schedule("inverse_time:decay_rate=1,time_interval=1000")
    assert isinstance(s, InverseTimeDecay) and s.decay_rate == 1.0 and s.time_interval == 1000
    s = get_schedule("cosine: total_epochs=20 , min_lr=1e-4")
    assert isinstance(s, CosineDecay) and s.total_epochs == 20 and s.min_lr == 1e-4
    assert get_schedule("cosine", epochs=7).total_epochs == 7                # over the run's epochs
    assert get_schedule("cosine:total_epochs=3", epochs=7).total_epochs == 3  # unless it says
    assert get_schedule("step:every=2", epochs=7).every == 2
    assert isinstance(get_schedule("exponential"), ExponentialDecay) and get_schedule("exponential").decay_rate == 0.95
    assert type(get_schedule("constant")) is Schedule
    assert isinstance(get_schedule("step:every=5"), StepDecay)
    obj = StepDecay()
    assert get_schedule(obj) is obj and get_schedule(None) is None
    assert set(SCHEDULES) == {"constant", "inverse_time", "exponential", "step", "cosine"}
    assert get_schedule("step:drop=0.25,every=2").get_config() == {"drop": 0.25, "every": 2}


@pytest.mark.parametrize("spec, match", [
    ("linear", "unknown schedule 'linear'; expected one of: constant, cosine"),
    ("step:every", "'every' should look like key=value"),
    ("step:period=3", "bad arguments for schedule 'step'"),
    ("step:every=soon", "schedule argument 'every=soon' needs a number"),
    ("exponential:decay_rate=1.5", r"decay_rate must be in \(0, 1\]"),
    ("inverse_time:decay_rate=-1", "decay_rate >= 0"),
    ("cosine:total_epochs=0", "total_epochs >= 1"),
    ("cosine:total_epochs=nan", "'total_epochs=nan' needs a finite number"),
    ("exponential:decay_rate=inf", "'decay_rate=inf' needs a finite number"),
    ("step:drop=0", "0 < drop <= 1"),
])
def test_get_schedule_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        get_schedule(spec)
