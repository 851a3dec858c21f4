"""Monte Carlo throughput: replications per second of ankara-s400 with 1 and 2 Dask workers.

    uv run python benchmarks/mc_scaling.py [--runs 100]

Runs the same study (fresh results file each time) serially in this process, on a LocalCluster of 1 worker
and of 2 workers, and prints replications per second of the computation (world built, cluster started and
replications run: the whole study as `iadsim mc` does it) and the speed-up of 2 workers over 1.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from iadsim.catalog import default_catalog
from iadsim.montecarlo import StudySpec
from iadsim.montecarlo.runner import run_study
from iadsim.scenario import resolve_scenario
from iadsim.store import StudyStore


def timed(spec: StudySpec, workers: int, serial: bool, folder: Path) -> tuple[float, float]:
    cat = default_catalog()
    with StudyStore(folder / f"w{workers}-{serial}.duckdb") as store:
        t = time.perf_counter()
        res = run_study(spec, cat, store, workers=1 if serial else workers, scheduler=None,
                        batch_size=max(1, spec.runs // (4 * workers)))
        total = time.perf_counter() - t
    assert res.computed == spec.runs
    return total, res.timing["setup_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    cat = default_catalog()
    spec = StudySpec(resolve_scenario("ankara-s400", cat), runs=args.runs, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t_serial, setup = timed(spec, 1, True, folder)
        print(f"serial (in-process): {args.runs} replications in {t_serial:.1f} s "
              f"(world {setup:.1f} s): {args.runs / t_serial:.2f} replications/s")
        t1, _ = timed(spec, 1, False, folder)
        print(f"Dask, 1 worker:      {args.runs / t1:.2f} replications/s ({t1:.1f} s)")
        t2, _ = timed(spec, 2, False, folder)
        print(f"Dask, 2 workers:     {args.runs / t2:.2f} replications/s ({t2:.1f} s)")
        print(f"speed-up 2 workers / 1 worker: {t1 / t2:.2f}; 2 workers / serial: {t_serial / t2:.2f}")
        print(f"1,000 replications at the 2-worker rate: {1000 * t2 / args.runs:.0f} s")


if __name__ == "__main__":
    main()
