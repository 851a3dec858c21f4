"""Monte Carlo throughput: replications per second of ankara-s400 with 1 and 2 Dask workers.

    uv run python benchmarks/mc_scaling.py [--runs 1000]

Runs the same study (fresh results file each time) serially in this process, on a LocalCluster of 1 worker
and of 2 workers, and prints replications per second two ways: for the whole study as `iadsim mc` runs it
(world built, cluster started, replications run and stored), and in steady state (from the first stored batch
to the last, which leaves out the fixed start-up), with the speed-up of 2 workers over 1 for each. Last, the
whole command `iadsim mc ankara-s400 --runs N --workers 2` as a user runs it, timed as a process.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from iadsim.catalog import default_catalog
from iadsim.montecarlo import StudySpec
from iadsim.montecarlo.runner import run_study
from iadsim.scenario import resolve_scenario
from iadsim.store import StudyStore


def timed(spec: StudySpec, workers: int, serial: bool, folder: Path) -> tuple[float, float, float]:
    """Whole-study seconds, world-building seconds, and steady-state replications per second."""
    cat = default_catalog()
    marks: list[tuple[float, int]] = []
    with StudyStore(folder / f"w{workers}-{serial}.duckdb") as store:
        t = time.perf_counter()
        res = run_study(
            spec,
            cat,
            store,
            workers=1 if serial else workers,
            scheduler=None,
            batch_size=None,  # (as `iadsim mc` runs it)
            progress=lambda done, total: marks.append((time.perf_counter(), done)),
        )
        total = time.perf_counter() - t
    assert res.computed == spec.runs
    (t0, n0), (t1, n1) = marks[1], marks[-1]  # marks[0] is the call before any batch
    return total, res.timing["setup_s"], (n1 - n0) / (t1 - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    cat = default_catalog()
    spec = StudySpec(resolve_scenario("ankara-s400", cat), runs=args.runs, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t_serial, setup, r_serial = timed(spec, 1, True, folder)
        print(
            f"serial (in-process): {args.runs} replications in {t_serial:.1f} s (world {setup:.1f} s): "
            f"{args.runs / t_serial:.2f}/s whole study, {r_serial:.2f}/s steady"
        )
        t1, _, r1 = timed(spec, 1, False, folder)
        print(f"Dask, 1 worker:      {t1:.1f} s: {args.runs / t1:.2f}/s whole study, {r1:.2f}/s steady")
        t2, _, r2 = timed(spec, 2, False, folder)
        print(f"Dask, 2 workers:     {t2:.1f} s: {args.runs / t2:.2f}/s whole study, {r2:.2f}/s steady")
        print(f"speed-up 2 workers / 1 worker: {t1 / t2:.2f} whole study, {r2 / r1:.2f} steady")
        with tempfile.TemporaryDirectory() as out:
            cmd = ["iadsim", "mc", "ankara-s400", "--runs", str(args.runs), "--workers", "2", "--seed", "7"]
            cmd += ["--out", str(Path(out) / "mc.duckdb")]
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            t_cli = time.perf_counter() - t
        print(f"`{' '.join(cmd[:-2])}` as a process: {t_cli:.1f} s ({args.runs / t_cli:.1f} replications/s)")


if __name__ == "__main__":
    main()
