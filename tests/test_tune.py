"""Hyperparameter search: search space, pruning, SQLite studies shared by worker processes,
resuming, the best run directory and the ``nndl tune`` verb's errors."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

optuna = pytest.importorskip("optuna", reason="Optuna (the optional tune extra) is not installed")

import nndl  # noqa: E402
from nndl.cli import main  # noqa: E402
from nndl.tune import SearchSpace, import_optuna, make_sampler, open_storage, tune  # noqa: E402

FINISHED = {"COMPLETE", "PRUNED"}


def blobs(m_train: int = 150, m_dev: int = 60, seed: int = 0) -> SimpleNamespace:
    """Three Gaussian blobs in 4-D, in the course's shapes: X (4, m) float32, Y (1, m) int64."""
    rng = np.random.default_rng(seed)
    centers = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float64)

    def split(m):
        y = rng.integers(0, 3, m)
        X = centers[y] + rng.normal(0, 1.0, (m, 4))
        return X.T.astype(np.float32), y.reshape(1, -1).astype(np.int64)

    (X_train, Y_train), (X_dev, Y_dev), (X_test, Y_test) = split(m_train), split(m_dev), split(m_dev)
    return SimpleNamespace(name="blobs", X_train=X_train, Y_train=Y_train, X_dev=X_dev, Y_dev=Y_dev,
                           X_test=X_test, Y_test=Y_test, n_x=4, n_classes=3, classes=["a", "b", "c"])


SMALL = SearchSpace(units=(4, 16), max_layers=2, batch_sizes=(16, 64))


def load(url: str, name: str):
    return optuna.load_study(study_name=name, storage=open_storage(url))


def check_recorded_once(study, n: int) -> None:
    """Every trial recorded exactly once: numbers 0..n-1, all finished, no repeated configuration."""
    trials = study.get_trials()
    assert sorted(t.number for t in trials) == list(range(n))
    assert {t.state.name for t in trials} <= FINISHED
    configs = {json.dumps(t.user_attrs["config"], sort_keys=True) for t in trials}
    assert len(configs) == n


# ---------------------------------------------------------------------- a study end to end
def test_small_study_writes_the_best_run(tmp_path):
    data = blobs()
    result = tune(data, n_trials=5, storage=None, epochs=4, out=tmp_path / "best",
                  search_space=SMALL, prune=False, verbose=0)
    assert result.n_complete == 5 and result.n_pruned == result.n_failed == 0
    assert math.isfinite(result.best_value)
    values = [t.value for t in result.study.trials]
    assert result.best_value == min(values)
    best = result.study.best_trial
    assert result.best_trial == best.number and result.best_config == best.user_attrs["config"]

    # Retraining the best configuration with its seed gives the trial's model again.
    summary = json.loads((tmp_path / "best" / "summary.json").read_text())
    assert summary["best_value"] == result.best_value
    assert summary["dev_cost"] == pytest.approx(result.best_value, rel=1e-6)
    assert summary["dev_accuracy"] == pytest.approx(best.user_attrs["dev_accuracy"], abs=1e-12)
    assert summary["layers"] == [4, *result.best_config["hidden"], 3]
    model = nndl.load(tmp_path / "best" / "model.safetensors")
    assert model.evaluate(data.X_dev, data.Y_dev)["cost"] == pytest.approx(summary["dev_cost"], rel=1e-6)
    history = (tmp_path / "best" / "history.csv").read_text().splitlines()
    assert history[0].split(",")[:2] == ["epoch", "cost"] and len(history) == 1 + 4
    trials_csv = (tmp_path / "best" / "trials.csv").read_text().splitlines()
    assert len(trials_csv) == 1 + 5 and all(",COMPLETE," in row for row in trials_csv[1:])


def test_trials_respect_the_search_space(tmp_path):
    space = SearchSpace(learning_rate=(1e-3, 3e-2), beta=(0.9, 0.99), min_layers=1, max_layers=2,
                        units=(4, 12), keep_prob=(0.7, 1.0), lambd=(1e-4, 1e-2), batch_sizes=(16, 64))
    result = tune(blobs(), n_trials=6, storage=None, epochs=2, out=None, search_space=space,
                  prune=False, verbose=0)
    for t in result.study.trials:
        c = t.user_attrs["config"]
        assert 1e-3 <= c["learning_rate"] <= 3e-2 and 0.9 <= c["beta"] <= 0.99
        assert 1 <= len(c["hidden"]) <= 2 and all(4 <= n <= 12 for n in c["hidden"])
        assert c["batch_size"] in (16, 32, 64) and 0.7 <= c["keep_prob"] <= 1.0
        assert c["lambd"] == 0 or 1e-4 <= c["lambd"] <= 1e-2
        assert c["optimizer"] in ("adam", "momentum")


def sample_configs(space: SearchSpace, n: int, seed: int = 0) -> list[dict]:
    study = optuna.create_study(sampler=make_sampler("random", seed))
    configs = []
    for _ in range(n):
        trial = study.ask()
        configs.append(space.sample(trial))
        study.tell(trial, 0.0)
    return configs


def test_sampling_scales_follow_the_course():
    configs = sample_configs(SearchSpace(), 400)
    lr = np.array([c["learning_rate"] for c in configs])
    beta = np.array([c["beta"] for c in configs])
    batch = np.array([c["batch_size"] for c in configs])
    assert lr.min() >= 1e-4 and lr.max() <= 1e-1
    # log scale: half the rates fall below the geometric middle 10^-2.5 (uniform would give 0.3%)
    assert 0.4 < np.mean(lr < 10 ** -2.5) < 0.6
    # 1 − β log-uniform in [0.001, 0.1]: half the β fall below 0.99 (uniform in β would give 91%)
    assert beta.min() >= 0.9 and beta.max() <= 0.999
    assert 0.4 < np.mean(beta < 0.99) < 0.6
    assert set(batch) == {16, 32, 64, 128, 256, 512}
    lambd = np.array([c["lambd"] for c in configs])
    assert 0.3 < np.mean(lambd == 0) < 0.7 and lambd[lambd > 0].min() >= 1e-5 and lambd.max() <= 1e-1
    assert {len(c["hidden"]) for c in configs} == {1, 2, 3}


def test_sampler_is_seeded_per_trial():
    a, b = sample_configs(SMALL, 5, seed=3), sample_configs(SMALL, 5, seed=3)
    assert a == b
    assert a != sample_configs(SMALL, 5, seed=4)
    assert len({json.dumps(c, sort_keys=True) for c in a}) == 5


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_sizes": (16, 500)}, "powers of two"),
    ({"learning_rate": (0.0, 0.1)}, "learning_rate"),
    ({"learning_rate": (0.1, 0.01)}, "lo <= hi"),
    ({"beta": (0.9, 1.0)}, "beta"),
    ({"keep_prob": (0.5, 1.5)}, "keep_prob"),
    ({"lambd": (0.0, 0.1)}, "switch"),
    ({"min_layers": 3, "max_layers": 2}, "min_layers"),
    ({"optimizers": ("adam", "lbfgs")}, "optimizers"),
    ({"units": (16,)}, "pair"),
])
def test_search_space_rejects_bad_ranges(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SearchSpace(**kwargs)


# ---------------------------------------------------------------------- pruning
def test_median_pruner_stops_bad_trials():
    space = SearchSpace(learning_rate=(1e-6, 1e-1), units=(4, 16), max_layers=1, batch_sizes=(16, 64))
    result = tune(blobs(), n_trials=10, storage=None, epochs=4, out=None, search_space=space,
                  prune_startup_trials=2, prune_warmup_epochs=0, verbose=0)
    pruned = [t for t in result.study.trials if t.state.name == "PRUNED"]
    assert pruned and result.n_pruned == len(pruned) and result.n_complete + result.n_pruned == 10
    complete = [t for t in result.study.trials if t.state.name == "COMPLETE"]
    for t in pruned:
        epochs = t.user_attrs["pruned_at_epoch"]
        assert epochs < 4 and len(t.intermediate_values) == epochs
        # pruned because its dev cost was above the median of the trials before it
        earlier = [c.intermediate_values[epochs - 1] for c in complete if c.number < t.number]
        assert t.intermediate_values[epochs - 1] > np.median(earlier)

    unpruned = tune(blobs(), n_trials=4, storage=None, epochs=2, out=None, search_space=space, prune=False, verbose=0)
    assert unpruned.n_complete == 4


# ---------------------------------------------------------------------- shared SQLite studies
def test_two_worker_processes_share_one_sqlite_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    data = blobs()
    result = tune(data, n_trials=6, study_name="par", storage=url, n_jobs=2, epochs=3, out=None,
                  search_space=SMALL, verbose=0)
    assert result.n_complete + result.n_pruned == 6 and math.isfinite(result.best_value)
    check_recorded_once(load(url, "par"), 6)
    # Trial k draws with (seed, k): the parallel study tried the configurations one worker would.
    serial = tune(data, n_trials=6, storage=None, epochs=3, out=None, search_space=SMALL, verbose=0)
    configs = {t.number: t.user_attrs["config"] for t in load(url, "par").trials}
    assert configs == {t.number: t.user_attrs["config"] for t in serial.study.trials}


def test_resuming_a_study_adds_trials(tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = tune(blobs(), n_trials=2, study_name="r", storage=url, epochs=2, out=None, search_space=SMALL, verbose=0)
    second = tune(blobs(), n_trials=3, study_name="r", storage=url, epochs=2, out=None, search_space=SMALL, verbose=0)
    assert first.n_complete + first.n_pruned == 2 and second.n_complete + second.n_pruned == 5
    check_recorded_once(load(url, "r"), 5)
    with pytest.raises(ValueError, match="searches dataset 'blobs'"):
        tune(SimpleNamespace(**{**vars(blobs()), "name": "other"}), n_trials=1, study_name="r", storage=url,
             epochs=1, out=None, verbose=0)


def test_cli_workers_started_together_record_every_trial_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cmd = [sys.executable, "-m", "nndl", "tune", "--dataset", "moons", "--study", "S", "--storage", url,
           "--n-trials", "3", "--epochs", "2", "--units", "4,16", "--max-layers", "2", "--no-retrain", "--quiet"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    check_recorded_once(load(url, "S"), 6)

    # Continuing the study in this process adds trials and writes the best run.
    out = tmp_path / "best"
    assert main(["tune", "--dataset", "moons", "--study", "S", "--storage", url, "--n-trials", "2",
                 "--epochs", "2", "--units", "4,16", "--max-layers", "2", "--out", str(out), "--json"]) == 0
    check_recorded_once(load(url, "S"), 8)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["study"] == "S" and summary["n_complete"] + summary["n_pruned"] == 8
    assert summary["layers"][0] == 2 and summary["layers"][-1] == 1      # moons: 2 features, one sigmoid unit


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("args, message", [
    (["--storage", "nosuchdb://x/y"], "cannot open the storage"),
    (["--storage", "study.db"], "database URL"),
    (["--dataset", "no-such-set"], "unknown dataset"),
    (["--batch-sizes", "16,100"], "powers of two"),
    (["--lr-range", "0.01"], "--lr-range"),
    (["--n-jobs", "0"], "--n-jobs"),
])
def test_cli_user_errors_exit_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["tune", "--n-trials", "1", "--epochs", "1", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_storage_password_is_never_printed():
    with pytest.raises(ValueError) as e:
        open_storage("postgresql://user:secret@localhost:1/db")
    assert "secret" not in str(e.value) and "***" in str(e.value)


def test_api_errors():
    with pytest.raises(ValueError, match="n_jobs > 1 needs a storage"):
        tune(blobs(), n_trials=2, storage=None, n_jobs=2, out=None, verbose=0)
    with pytest.raises(ValueError, match="sampler"):
        tune(blobs(), n_trials=1, storage=None, sampler="grid", out=None, verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        tune(blobs(), n_trials=1, storage=None, epochs=0, out=None, verbose=0)


def test_missing_optuna_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match="pip install optuna"):
        import_optuna()
    assert main(["tune", "--n-trials", "1"]) == 2
    assert "pip install optuna" in capsys.readouterr().err


def test_tpe_sampler_runs(tmp_path):
    result = tune(blobs(), n_trials=3, storage=None, sampler="tpe", epochs=2, out=None, search_space=SMALL,
                  prune=False, verbose=0)
    assert result.n_complete == 3 and math.isfinite(result.best_value)


def test_cli_keeps_the_study_in_the_run_directory_and_says_when_it_continues(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["tune", "--dataset", "moons", "--n-trials", "3", "--epochs", "2", "--units", "4,8", "--max-layers", "1",
            "--no-prune", "--quiet"]
    assert main([*args, "--out", "first"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "first" / "study.db").is_file() and not (tmp_path / "study.db").exists()
    assert "(a new study;" in out
    assert main([*args, "--out", "second"]) == 0                        # a second run: a new study again
    assert "(a new study;" in capsys.readouterr().out
    assert main([*args, "--out", "third", "--storage", f"sqlite:///{tmp_path / 'first' / 'study.db'}"]) == 0
    out = capsys.readouterr().out
    assert "continued an existing study that had 3 trials" in out
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "third" / "optimization_history.png").stat().st_size > 0
        assert "tuning plots:" in out
