"""Radar floor: iadsim against GDAL's gdal_viewshed, side by side, on the embedded terrain around Ankara.

    uv run python benchmarks/floor_vs_gdal.py [--resolutions 250 100] [--repeat 3]

Needs GDAL's command-line tools (Debian: apt-get install gdal-bin). The GLOBE 30" terrain around Mürted is
written as a geographic GeoTIFF and warped (gdalwarp, bilinear) to UTM 36N at each resolution. Both tools
compute the floor (height above ground a target needs to be seen) for a 30 m mast, 400 km range, on the same
file, whole process against whole process (iadsim's numba cache warmed by a first run and its modules'
bytecode compiled, as a second run after install finds them even where PYTHONDONTWRITEBYTECODE is set),
taking turns run by run; both outputs are uncompressed GeoTIFFs. Wall-clock and CPU (user + system) times
are medians. Both use the same effective earth: GDAL's -cc 0.75 with the file's WGS84 semi-major axis is
k R = 4/3 * 6,378,137 m, so iadsim runs with k = 4/3 * 6378137 / 6371000.
Errors are measured against the brute-force R3 line-of-sight floor (iadsim.coverage.reference_floor) on the
same randomly sampled cells.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

import iadsim
from iadsim.coverage import radar_floor, reference_floor
from iadsim.terrain import GeoTiffTerrain, GlobeTerrain

SITE = (40.076, 32.566)  # Mürted air base
EXTENT = (100_000, 4_040_000, 1_380_000, 4_950_000)  # UTM 36N, m
K_GDAL = 4 / 3 * 6_378_137.0 / 6_371_000.0


def timed(cmds: dict[str, list[str]], repeat: int) -> dict[str, dict[str, list[float]]]:
    """Wall-clock and CPU (user + system) seconds of each command, ``repeat`` times, the commands taking
    turns so that a change in the machine's load affects them alike."""
    runs: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            runs[name]["wall"].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs[name]["cpu"].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return runs


def make_dems(work: Path, resolutions: list[int]) -> dict[int, Path]:
    geo = GlobeTerrain().native((26.5, 35.5, 38.5, 44.5))
    geo_path = work / "globe-ankara.tif"
    rows, cols = geo.shape
    with rasterio.open(
        geo_path,
        "w",
        driver="GTiff",
        height=rows,
        width=cols,
        count=1,
        dtype="int16",
        crs="EPSG:4326",
        transform=geo.transform,
    ) as f:
        f.write(np.nan_to_num(geo.values).astype(np.int16), 1)
    out = {}
    for res in resolutions:
        path = work / f"ankara-utm36n-{res}m.tif"
        subprocess.run(
            [
                "gdalwarp",
                "-q",
                "-overwrite",
                "-t_srs",
                "EPSG:32636",
                "-tr",
                str(res),
                str(res),
                "-r",
                "bilinear",
                "-te",
                *map(str, EXTENT),
                "-ot",
                "Int16",
                str(geo_path),
                str(path),
            ],
            check=True,
        )
        out[res] = path
    return out


def errors(values: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    e = np.abs(values - reference)
    return {
        "p50": float(np.percentile(e, 50)),
        "p95": float(np.percentile(e, 95)),
        "p99": float(np.percentile(e, 99)),
        "max": float(e.max()),
        "mean": float(e.mean()),
    }


def run(res: int, dem: Path, work: Path, repeat: int, samples: int) -> dict[str, object]:
    terrain = GeoTiffTerrain(dem)
    full = terrain.read()
    x0, y0 = full.from_wgs84(*SITE)
    row, col = full.index_of(x0, y0)
    x, y = full.xy(row, col)  # the centre of the site's cell, so both tools stand on the same cell
    gdal_out, ours_out = work / f"gdal-{res}.tif", work / f"iadsim-{res}.tif"
    gdal_cmd = [
        "gdal_viewshed",
        "-q",
        "-om",
        "GROUND",
        "-oz",
        "30",
        "-tz",
        "0",
        "-cc",
        "0.75",
        "-md",
        "400000",
        "-ox",
        f"{x}",
        "-oy",
        f"{y}",
        str(dem),
        str(gdal_out),
    ]
    ours_cmd = [
        sys.executable,
        "-m",
        "iadsim",
        "coverage",
        "floor",
        "--dem",
        str(dem),
        "--site",
        f"{x},{y}",
        "--site-crs",
        "dem",
        "--mast",
        "30",
        "--k",
        f"{K_GDAL:.10f}",
        "--max-range-km",
        "400",
        "--compress",
        "none",
        "--out",
        str(ours_out),
    ]
    subprocess.run(ours_cmd, check=True, capture_output=True)  # numba cache
    # bytecode: what a first run writes too, unless PYTHONDONTWRITEBYTECODE is set (as on this machine)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(iadsim.__file__).parent)], check=True)
    load_before = os.getloadavg()[0]
    runs = timed({"gdal": gdal_cmd, "iadsim": ours_cmd}, repeat)
    load_after = os.getloadavg()[0]
    t_gdal, t_ours = (statistics.median(runs[name]["wall"]) for name in ("gdal", "iadsim"))
    cpu_gdal, cpu_ours = (statistics.median(runs[name]["cpu"]) for name in ("gdal", "iadsim"))
    window, nodata = terrain.read_window(0, 0, *terrain.shape)
    in_process = []
    for _ in range(repeat):
        t = time.perf_counter()
        floor = radar_floor(window, x, y, 30.0, K_GDAL, 400e3, nodata=nodata)
        in_process.append(time.perf_counter() - t)
    with rasterio.open(gdal_out) as f:
        g = f.read(1).astype(np.float64)
        g_transform = f.transform
    with rasterio.open(ours_out) as f:
        o = f.read(1).astype(np.float64)
        o_transform = f.transform

    # both outputs are windows of the DEM: index cells by DEM row and column
    def dem_rc(transform: rasterio.Affine) -> tuple[int, int]:
        c, r = ~full.transform @ (transform.c + transform.a / 2, transform.f + transform.e / 2)
        return int(np.floor(r)), int(np.floor(c))

    gr0, gc0 = dem_rc(g_transform)
    or0, oc0 = dem_rc(o_transform)
    fr0, fc0 = dem_rc(floor.agl.transform)
    valid = np.argwhere(np.isfinite(floor.agl.values))
    rng = np.random.default_rng(2026)
    cells = valid[rng.choice(len(valid), samples, replace=False)]
    ref = reference_floor(floor.terrain, floor.row, floor.col, floor.antenna_amsl_m, cells, k=K_GDAL)
    dem_r, dem_c = cells[:, 0] + fr0, cells[:, 1] + fc0
    ours_v = o[dem_r - or0, dem_c - oc0]
    gdal_v = g[dem_r - gr0, dem_c - gc0]
    ok = np.isfinite(ours_v) & np.isfinite(gdal_v)
    return {
        "resolution_m": res,
        "dem_cells": list(full.shape),
        "floor_cells": list(floor.agl.shape),
        "gdal_process_s": t_gdal,
        "iadsim_process_s": t_ours,
        "gdal_process_cpu_s": cpu_gdal,
        "iadsim_process_cpu_s": cpu_ours,
        "iadsim_in_process_s": statistics.median(in_process),
        "process_ratio_gdal_over_iadsim": t_gdal / t_ours,
        "load_average_1min": [load_before, load_after],
        "all_runs_s": {
            "gdal": runs["gdal"]["wall"],
            "iadsim": runs["iadsim"]["wall"],
            "gdal_cpu": runs["gdal"]["cpu"],
            "iadsim_cpu": runs["iadsim"]["cpu"],
            "iadsim_in_process": in_process,
        },
        "sampled_cells": int(ok.sum()),
        "error_vs_r3_m": {"iadsim": errors(ours_v[ok], ref[ok]), "gdal": errors(gdal_v[ok], ref[ok])},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", type=int, nargs="+", default=[250, 100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="iadsim-floor-bench-") as tmp:
        work = Path(tmp)
        dems = make_dems(work, args.resolutions)
        for res in args.resolutions:
            r = run(res, dems[res], work, args.repeat, args.samples)
            results.append(r)
            e = r["error_vs_r3_m"]
            print(
                f"{res} m: DEM {r['dem_cells'][1]} x {r['dem_cells'][0]} cells, floor window "
                f"{r['floor_cells'][1]} x {r['floor_cells'][0]}"
            )
            print(
                f"  whole process: gdal_viewshed {r['gdal_process_s']:.2f} s, "
                f"iadsim {r['iadsim_process_s']:.2f} s "
                f"(gdal/iadsim = {r['process_ratio_gdal_over_iadsim']:.2f}); "
                f"iadsim in-process {r['iadsim_in_process_s']:.2f} s"
            )
            print(
                f"  CPU time (user + system): gdal_viewshed {r['gdal_process_cpu_s']:.2f} s, "
                f"iadsim {r['iadsim_process_cpu_s']:.2f} s (load average {r['load_average_1min'][0]:.1f} "
                f"before, {r['load_average_1min'][1]:.1f} after, on {os.cpu_count()} cores)"
            )
            for tool in ("iadsim", "gdal"):
                s = e[tool]  # type: ignore[index]
                print(
                    f"  {tool:6s} error vs R3 on {r['sampled_cells']} cells: p50 {s['p50']:.3f} m, "
                    f"p95 {s['p95']:.3f} m, p99 {s['p99']:.3f} m, max {s['max']:.1f} m"
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
