"""A study on a real Dask cluster, started as a user would: ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, then ``iadsim mc --scheduler``. One worker (with its nanny: a machine lost) is killed
mid-study; the study finishes on the other, and its stored tables are those of the serial study, row for
row."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import duckdb
import pytest

from tests.helpers import DATA, write_analytic_scenario

#: Replications of the study: a dozen batches of 5 (the runner's guided batch size for two workers), a few
#: seconds of work, so that the kill lands with batches still to do.
RUNS = 60
SEED = 11
#: How long any one wait of the test (a process starting, the study, a worker seen lost) may take, s.
WAIT_S = 120.0


def _iadsim() -> list[str]:
    """The ``iadsim`` command of this environment (its entry point, else ``python -m iadsim``)."""
    script = Path(sys.executable).with_name("iadsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "iadsim"]


class _Processes:
    """Processes started for a test, each in its own process group (a worker's nanny and its worker process
    together), their output in a log file each; :meth:`stop_all` ends every group, even after a failure."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        """Start ``cmd`` as ``name``: stdout to ``name.out``, stderr to ``name.err``."""
        with (self.folder / f"{name}.out").open("wb") as out, (self.folder / f"{name}.err").open("wb") as err:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.started[name] = proc
        return proc

    def log(self, name: str) -> str:
        """The output of ``name`` so far (stderr after stdout), for a failure's message."""
        return "".join((self.folder / f"{name}.{s}").read_text(errors="replace") for s in ("out", "err"))

    def kill(self, name: str) -> None:
        """SIGKILL every process of ``name``'s group (gone already: nothing to do)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.started[name].pid, signal.SIGKILL)
        self.started[name].wait(timeout=WAIT_S)

    def stop_all(self) -> None:
        """End every group: SIGTERM, then SIGKILL for whatever is left after a few seconds."""
        for proc in self.started.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.started.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.started.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # (the group's other processes too, leader gone or not)
            proc.wait(timeout=WAIT_S)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[_Processes]:
    """A :class:`_Processes` whose every process is ended when the test ends, however it ends."""
    procs = _Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


def _wait_for(what: str, ready: Any, procs: _Processes, names: list[str]) -> None:
    """Wait until ``ready()`` is true; fail, with the logs of ``names``, if one of them ends or time runs
    out."""
    deadline = time.monotonic() + WAIT_S
    while not ready():
        for name in names:
            if procs.started[name].poll() is not None:
                pytest.fail(f"{name} ended while waiting for {what}:\n{procs.log(name)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {WAIT_S} s:\n" + "\n".join(procs.log(n) for n in names))
        time.sleep(0.05)


def _batches(keys: Any) -> list[str]:
    """The keys of replication batches (tasks of ``run_point_batch``) among ``keys``."""
    from dask.utils import key_split

    from iadsim.montecarlo.runner import run_point_batch

    return [k for k in keys if key_split(k) == run_point_batch.__name__]


def _table(path: Path, query: str) -> list[tuple[Any, ...]]:
    """Every row of ``query`` on the results file ``path`` (opened read-only)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(query).fetchall()


#: Every stored column but the studies' creation time, in (study, point, replication) order.
STUDIES = "SELECT study_id, spec, manifest FROM studies ORDER BY study_id"
REPLICATIONS = "SELECT * FROM replications ORDER BY study_id, point, replication"


@pytest.mark.slow  # (a scheduler, two workers and two studies as processes: 15-30 s on two cores)
def test_a_study_on_a_real_cluster_survives_a_lost_worker(processes: _Processes, tmp_path: Path) -> None:
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    serial_db, cluster_db = tmp_path / "serial.duckdb", tmp_path / "cluster.duckdb"
    study = ["mc", "ankara-s400", "--runs", str(RUNS), "--seed", str(SEED)]
    dask_cli = [sys.executable, "-m", "dask"]
    # the serial study runs while the cluster starts
    serial = processes.start("serial", [*_iadsim(), *study, "--workers", "1", "--out", str(serial_db)])
    processes.start(
        "scheduler",
        [*dask_cli, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        + ["--scheduler-file", str(scheduler_file)],
    )
    _wait_for(
        "scheduler file",
        lambda: scheduler_file.exists() and scheduler_file.stat().st_size > 0,
        processes,
        ["scheduler"],
    )
    address = json.loads(scheduler_file.read_text())["address"]
    assert address.startswith("tcp://127.0.0.1:")
    workers = ["worker-a", "worker-b"]
    for name in workers:
        processes.start(
            name,
            [*dask_cli, "worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1"]
            + ["--no-dashboard", "--name", name],
        )
    with Client(address, timeout="60s") as client:  # type: ignore[no-untyped-call]
        _wait_for(
            "two workers",
            lambda: len(client.scheduler_info()["workers"]) == 2,
            processes,
            ["scheduler", *workers],
        )
        by_name = {w["name"]: addr for addr, w in client.scheduler_info()["workers"].items()}
        assert sorted(by_name) == workers

        mc = processes.start("mc", [*_iadsim(), *study, "--scheduler", address, "--out", str(cluster_db)])
        # Kill a worker, with its nanny, once a batch is finished (its result held by a worker) and that
        # worker has batches of its own still to do.
        seen: dict[str, Any] = {}

        def mid_study() -> bool:
            if mc.poll() is not None:
                pytest.fail(f"the study ended before a worker was killed:\n{processes.log('mc')}")
            finished = _batches(k for keys in client.has_what().values() for k in keys)
            processing = client.processing()
            for name in workers:
                mine = _batches(processing.get(by_name[name], ()))
                if finished and mine:
                    seen.update(victim=name, finished=len(finished), lost=mine)
                    return True
            return False

        _wait_for("a batch finished", mid_study, processes, ["mc", "scheduler", *workers])
        processes.kill(seen["victim"])
        assert mc.poll() is None, "the study had ended when the worker was killed"
        survivor = next(n for n in workers if n != seen["victim"])
        _wait_for(
            "the killed worker seen lost",
            lambda: list(client.scheduler_info()["workers"]) == [by_name[survivor]],
            processes,
            ["scheduler", survivor],
        )
        assert mc.wait(timeout=WAIT_S) == 0, processes.log("mc")
        # the study finished on the one worker left (the killed one did not come back), which computed
        # batches that had been given to the killed one
        assert list(client.scheduler_info()["workers"]) == [by_name[survivor]]
        story = client.story(*seen["lost"], on_error="ignore")
        redone = {s[1] for s in story if s[0] == by_name[survivor] and s[2:4] == ("executing", "memory")}
        assert redone & set(seen["lost"]), story
    assert serial.wait(timeout=WAIT_S) == 0, processes.log("serial")

    output = processes.log("mc")
    assert "Traceback" not in output, output
    assert f"{RUNS} computed, 0 already stored" in " ".join(output.split()), output
    serial_rows, cluster_rows = _table(serial_db, REPLICATIONS), _table(cluster_db, REPLICATIONS)
    assert len(cluster_rows) == RUNS  # every replication, each stored once (the lost batches again)
    assert [r[3] for r in cluster_rows] == list(range(RUNS))
    assert cluster_rows == serial_rows
    assert _table(cluster_db, STUDIES) == _table(serial_db, STUDIES)


def test_mc_on_a_scheduler_that_does_not_answer_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as s:  # a port that nothing listens on (bound, never listening)
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        args = ["--catalog", str(DATA / "test-catalog.yaml"), "mc", str(write_analytic_scenario(tmp_path))]
        with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
            r = cli(*args, "--runs", "2", "--out", str(tmp_path / "r.duckdb"), "--scheduler", address)
    assert r.code == 2, r.err
    assert f"error: --scheduler: cannot connect to '{address}'" in r.err, r.err
    assert "Traceback" not in r.err
    assert not (tmp_path / "r.duckdb").exists()  # a study that stored nothing leaves no file
