"""Serial replications per second of ankara-s400: a 250-replication study in this process, the rate from
the first stored batch to the last (the world built before it is left out).

    uv run python benchmarks/serial_rate.py

To compare with another tree of the source, run it in the same environment with that tree first on the
path: ``PYTHONPATH=<tree>/src uv run --no-sync python benchmarks/serial_rate.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from iadsim.catalog import default_catalog
from iadsim.montecarlo import StudySpec
from iadsim.montecarlo.runner import run_study
from iadsim.scenario import resolve_scenario
from iadsim.store import StudyStore


def main() -> None:
    cat = default_catalog()
    sc = resolve_scenario("ankara-s400", cat)
    marks: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as folder, StudyStore(Path(folder) / "s.duckdb") as store:
        start = time.perf_counter()
        run_study(
            StudySpec(sc, 250, seed=3),
            cat,
            store,
            workers=1,
            scheduler=None,
            batch_size=None,
            progress=lambda done, total: marks.append((time.perf_counter(), done)),
        )
        whole = time.perf_counter() - start
    (t0, n0), (t1, n1) = marks[0], marks[-1]
    print(f"{whole:.1f} s whole, {(n1 - n0) / (t1 - t0):.2f} rep/s steady")


if __name__ == "__main__":
    main()
