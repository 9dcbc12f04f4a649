"""``nndl tune`` on a real PostgreSQL server: a throwaway server (initdb + pg_ctl as the
unprivileged ``postgres`` user, Unix socket only, in a temporary directory), two worker
processes sharing one study, and a worker killed mid-trial whose trial the heartbeat marks
failed while the study goes on.

Skipped where PostgreSQL or psycopg2 is missing, except under CI (CI=true), where it fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL test cannot run under CI: {reason}")
    pytest.skip(reason)


def pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL server for this module; yields an SQLAlchemy URL on its Unix socket."""
    try:
        import psycopg2  # noqa: F401
        import optuna  # noqa: F401
    except ImportError as e:
        unavailable(f"the postgres extra is not installed ({e}): pip install -e '.[postgres]'")
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        unavailable("PostgreSQL's initdb/pg_ctl are not installed (Debian: apt-get install postgresql)")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="nndl-pg-", dir="/tmp"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres user
        if not shutil.which("runuser"):
            unavailable("running as root without runuser to start PostgreSQL as the postgres user")
        try:
            shutil.chown(base, user="postgres", group="postgres")
        except (LookupError, PermissionError) as e:
            unavailable(f"no postgres user to run the server as ({e})")
        as_user = ["runuser", "-u", "postgres", "--"]
    base.chmod(0o755)
    data, log = base / "data", base / "server.log"

    def run(*cmd):
        return subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)

    started = False
    try:
        r = run(initdb, "-D", str(data), "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync")
        if r.returncode != 0:
            unavailable(f"initdb failed: {r.stderr.strip()[-500:]}")
        options = f"-c listen_addresses='' -k {base} -c fsync=off -c max_connections=50"
        r = run(pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
        if r.returncode != 0:
            unavailable(f"pg_ctl start failed: {r.stderr.strip()[-300:]} {log.read_text()[-500:] if log.exists() else ''}")
        started = True
        yield f"postgresql+psycopg2://postgres@/postgres?host={base}"
    finally:
        if started:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def tune_worker(url: str, study: str, *args: str) -> subprocess.Popen:
    """``nndl tune`` in its own process, on this checkout's sources."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "nndl", "tune", "--storage", url, "--study", study, "--no-retrain", "--quiet",
           "--json", "--units", "8,16", "--max-layers", "1", "--batch-sizes", "64,128", *args]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def load(url: str, study: str):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name=study, storage=url)


def test_two_workers_record_every_trial_exactly_once(postgres_url):
    workers = [tune_worker(postgres_url, "shared", "--n-trials", "3", "--epochs", "2") for _ in range(2)]
    for w in workers:
        out, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    import optuna
    trials = load(postgres_url, "shared").get_trials(deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(6))  # 3 + 3, none twice, none lost
    assert len({t._trial_id for t in trials}) == 6
    assert all(t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED) for t in trials)
    # each trial number drew its own configuration (the sampler is seeded by seed and number)
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 6


def test_a_worker_killed_mid_trial_has_its_trial_failed_and_the_study_goes_on(postgres_url):
    import optuna
    states = optuna.trial.TrialState
    heartbeat = ["--heartbeat", "1", "--grace-period", "2", "--no-prune"]
    doomed = tune_worker(postgres_url, "killed", "--n-trials", "1", "--epochs", "100000", *heartbeat)
    try:
        deadline = time.monotonic() + 60
        running = []
        while not running and time.monotonic() < deadline and doomed.poll() is None:
            time.sleep(0.2)
            try:
                running = [t for t in load(postgres_url, "killed").get_trials(deepcopy=False) if t.state == states.RUNNING]
            except KeyError:  # the study is not created yet
                pass
        assert running, f"no trial started: {doomed.stderr.read() if doomed.poll() is not None else ''}"
        time.sleep(1.5)  # mid-trial: training, heartbeats written
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
        doomed.stdout.close()
        doomed.stderr.close()
    trial = load(postgres_url, "killed").trials[running[0].number]
    assert trial.state == states.RUNNING  # nobody has noticed yet
    time.sleep(3)  # the heartbeat is now older than the grace period
    survivor = tune_worker(postgres_url, "killed", "--n-trials", "2", "--epochs", "2", *heartbeat)
    out, err = survivor.communicate(timeout=180)
    assert survivor.returncode == 0, err
    trials = load(postgres_url, "killed").get_trials(deepcopy=False)
    assert [t.number for t in trials] == [0, 1, 2]
    assert trials[0].state == states.FAIL  # marked failed by the survivor's heartbeat check
    assert [t.state for t in trials[1:]] == [states.COMPLETE, states.COMPLETE]


def test_heartbeat_options_are_checked(tmp_path, capsys):
    pytest.importorskip("optuna")
    from nndl.cli import main
    from nndl.tune import open_storage
    url = f"sqlite:///{tmp_path / 'study.db'}"
    storage = open_storage(url, heartbeat_interval=3)
    assert (storage.heartbeat_interval, storage.grace_period) == (3, 6)  # grace: twice the heartbeat
    with pytest.raises(ValueError, match="needs a heartbeat"):
        open_storage(url, grace_period=5)
    with pytest.raises(ValueError, match="whole seconds"):
        open_storage(url, heartbeat_interval=0)
    assert main(["tune", "--storage", url, "--n-trials", "1", "--grace-period", "5", "--no-retrain"]) == 2
    assert "needs a heartbeat" in capsys.readouterr().err
