"""The defended footprint: ``iadsim coverage footprint`` on a 200 x 200 grid with 50 launch points.

    uv run python benchmarks/footprint.py [--repeat 3] [--cells 200] [--launch-points 50] [--sample 40]

The case: the catalog's S-400 near Ankara (39.9 N, 32.8 E) against the catalog's ``srbm-300`` launched from
a disc of 50 km radius about 300 km to the west (39.9 N, 29.3 E); nothing more is claimed of it. Measures,
with the load average before and after each run:

* **the whole command**, a new process each run (start, catalog, deployment, trajectory table, the kernel on
  two threads, the GeoTIFFs, GeoJSON, PNG map and areas per country). Goal: under 10 s on two cores;
* **in process**, warm: the trajectory table, and the kernel over every pair
  (:func:`iadsim.coverage.footprint.pair_windows`);
* **the reference**, the straightforward per-pair loop the tests hold the kernel to
  (:func:`iadsim.coverage.footprint.reference_pair`: its own trajectory, positions by Kepler's equation,
  the radar by the physics functions): timed on a random sample of the pairs the launch area threatens,
  per pair, and extrapolated to all of them; the ratio of the two per pair. The sample's windows must equal
  the kernel's (the script says how many differ).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from iadsim.catalog import default_catalog
from iadsim.coverage import footprint as fp
from iadsim.workflows.footprint import LaunchArea, plan_footprint

SITE = (39.9, 32.8)
LAUNCH = (39.9, 29.3, 50.0)
SYSTEM = "s-400"
THREAT = "srbm-300"


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--launch-points", type=int, default=50)
    parser.add_argument("--sample", type=int, default=40, help="pairs the reference computes")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {load()}")

    # the whole command
    command = [
        sys.executable, "-m", "iadsim", "coverage", "footprint", "--system", SYSTEM, "--threat", THREAT,
        "--site", f"{SITE[0]},{SITE[1]}", "--launch-area", ",".join(f"{v:g}" for v in LAUNCH),
        "--cells", str(args.cells), "--launch-points", str(args.launch_points), "--json",
    ]  # fmt: skip
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat + 1):  # (the first run may compile the kernel: not counted)
            before = load()
            t0 = time.perf_counter()
            done = subprocess.run(
                [*command, "--out", f"{tmp}/out"], capture_output=True, text=True, check=True
            )
            wall = time.perf_counter() - t0
            summary = json.loads(done.stdout)
            label = "warm-up" if i == 0 else f"run {i}"
            print(
                f"command {label}: {wall:.2f} s (its own count {summary['seconds']:.2f} s after start-up); "
                f"defended {summary['defended_km2']:,.0f} km²; load {before} -> {load()}"
            )
            if i:
                walls.append(wall)
    print(f"command: median {statistics.median(walls):.2f} s, min {min(walls):.2f} s over {len(walls)} runs")

    # in process: the table and the kernel, warm
    cat = default_catalog()
    area = LaunchArea(LAUNCH[0], LAUNCH[1], LAUNCH[2] * 1e3)
    study = plan_footprint(cat, SYSTEM, SITE, THREAT, area, args.launch_points, args.cells)
    battery, threat = study.battery_and_threat()
    g = study.geometry
    impacts, launches = g.impacts_xy, g.launch_xy
    t0 = time.perf_counter()
    table = fp.trajectory_table(threat.burn_time_s, *study.span_m)
    t_table = time.perf_counter() - t0
    fp.pair_windows(impacts[:10], launches, threat, battery, study.pd, table)  # (load the kernel)
    kernel_times = []
    for _ in range(args.repeat):
        before = load()
        t0 = time.perf_counter()
        windows = fp.pair_windows(impacts, launches, threat, battery, study.pd, table)
        kernel_times.append(time.perf_counter() - t0)
        print(f"kernel: {kernel_times[-1]:.3f} s; load {before} -> {load()}")
    pairs = windows.size
    threatened = np.argwhere(~np.isnan(windows))
    kernel = statistics.median(kernel_times)
    print(
        f"table: {t_table:.2f} s for {table.flight_s.size} ranges; kernel: median {kernel:.3f} s for "
        f"{pairs:,} pairs ({threatened.shape[0]:,} threatened, {int(np.sum(windows > 0)):,} defended), "
        f"{1e6 * kernel / pairs:.2f} µs a pair"
    )

    # the reference on a sample of the threatened pairs (those that cost it a trajectory)
    rng = np.random.default_rng(1)
    pick = threatened[
        rng.choice(threatened.shape[0], size=min(args.sample, threatened.shape[0]), replace=False)
    ]
    before = load()
    t0 = time.perf_counter()
    ref = [
        fp.reference_pair(tuple(impacts[i]), tuple(launches[j]), threat, battery, study.pd) for i, j in pick
    ]
    t_ref = time.perf_counter() - t0
    differ = sum(r.window_s != windows[i, j] for r, (i, j) in zip(ref, pick, strict=True))
    per_pair = t_ref / len(pick)
    print(
        f"reference: {1e3 * per_pair:.1f} ms a threatened pair over {len(pick)} pairs ({differ} windows "
        f"differ from the kernel's); load {before} -> {load()}"
    )
    full = per_pair * threatened.shape[0]
    with_table = full / (kernel + t_table)
    print(
        f"reference over the {threatened.shape[0]:,} threatened pairs: about {full / 3600:.1f} h; kernel "
        f"{kernel:.3f} s: {full / kernel:,.0f} times faster (table included: {with_table:,.0f})"
    )


if __name__ == "__main__":
    main()
