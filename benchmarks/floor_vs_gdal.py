"""Radar floor: iadsim against GDAL's viewshed, side by side, at several sites on the embedded terrain.

    uv run python benchmarks/floor_vs_gdal.py [--sites ankara erzurum izmir] [--resolutions 100]
                                              [--range-km 300] [--repeat 5] [--json out.json]

Peers, on the same DEM and the same effective earth, taking turns run by run:

* **GDAL 3.10 in-process** (the libgdal that rasterio's wheel bundles, through ctypes:
  ``GDALViewshedGenerate`` to its MEM driver, minimum target height above the ground, as
  ``gdal_viewshed -om GROUND``), against iadsim's :func:`iadsim.coverage.radar_floor` (compute only, no
  write). Goal: iadsim at least twice as fast.
* **Whole processes:** Debian's ``gdal_viewshed`` (3.6 from gdal-bin; its default output, an uncompressed
  Float64 GeoTIFF) against ``iadsim coverage floor`` with its default output (a Zstandard GeoTIFF) and
  with ``--compress none``, each in two set-ups: a Python that writes bytecode (its own
  ``pycache_prefix``, filled by a first run, as a second run after install finds it) and one told to write
  none (``PYTHONDONTWRITEBYTECODE=1``, where the ``iadsim`` command keeps its own bytecode cache, filled
  by a first run; that first run is timed too). Goal: iadsim's default no slower than gdal_viewshed.

Each site's GLOBE 30" terrain is written as a geographic GeoTIFF and warped (gdalwarp, bilinear) to its
UTM zone, a square of ``range + 5 km`` around the site. Both tools use the same effective earth: GDAL's
curvature coefficient 0.75 with the file's WGS84 semi-major axis is k R = 4/3 * 6,378,137 m, so iadsim
runs with k = 4/3 * 6378137 / 6371000. Errors are measured against the brute-force R3 line-of-sight floor
(:func:`iadsim.coverage.reference_floor`) on the same randomly sampled cells; goal: iadsim's 95th
percentile under a fifth of GDAL's. Times are medians; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from pyproj import Transformer

from iadsim.coverage import radar_floor, reference_floor
from iadsim.terrain import GeoTiffTerrain, GlobeTerrain

#: Sites: name -> (lat, lon, UTM EPSG code, what stands there).
SITES: dict[str, tuple[float, float, int, str]] = {
    "ankara": (40.076, 32.566, 32636, "Murted air base, the S-400's test site (central Anatolian plateau)"),
    "erzurum": (39.93, 41.27, 32637, "a hidden site in eastern Anatolia (high, mountainous)"),
    "izmir": (38.45, 27.20, 32635, "the Aegean coast (sea to the west, ranges inland)"),
}
K_GDAL = 4 / 3 * 6_378_137.0 / 6_371_000.0
MAST_M = 30.0

# GDALViewshedGenerate's enumerations (gdal_alg.h): GVM_Edge (gdal_viewshed's default cell mode) and
# GVOT_MIN_TARGET_HEIGHT_FROM_GROUND (-om GROUND).
GVM_EDGE = 2
GVOT_MIN_TARGET_HEIGHT_FROM_GROUND = 3


class Gdal310:
    """The libgdal of rasterio's wheel, called through ctypes."""

    def __init__(self) -> None:
        libs = Path(rasterio.__file__).parent.parent / "rasterio.libs"
        path = next(iter(sorted(glob.glob(str(libs / "libgdal-*.so*")))), None)
        if path is None:
            raise SystemExit(f"no libgdal in {libs}: rasterio's wheel is needed for the GDAL 3.10 peer")
        g = ctypes.CDLL(path)
        g.GDALAllRegister()
        vp, d, i = ctypes.c_void_p, ctypes.c_double, ctypes.c_int
        g.GDALVersionInfo.restype, g.GDALVersionInfo.argtypes = ctypes.c_char_p, [ctypes.c_char_p]
        g.GDALOpen.restype, g.GDALOpen.argtypes = vp, [ctypes.c_char_p, i]
        g.GDALGetRasterBand.restype, g.GDALGetRasterBand.argtypes = vp, [vp, i]
        g.GDALClose.argtypes = [vp]
        g.GDALViewshedGenerate.restype = vp
        g.GDALViewshedGenerate.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p, vp] + [d] * 9
        g.GDALViewshedGenerate.argtypes += [i, d, vp, vp, i, vp]
        self.lib = g
        self.version = g.GDALVersionInfo(b"RELEASE_NAME").decode()

    def viewshed(self, dem: Path, x: float, y: float, max_range_m: float, out: Path | None = None) -> float:
        """Seconds to compute the floor (to the MEM driver, or to ``out`` as a GeoTIFF)."""
        g = self.lib
        ds = g.GDALOpen(str(dem).encode(), 0)
        if not ds:
            raise SystemExit(f"GDAL {self.version} cannot open {dem}")
        try:
            band = g.GDALGetRasterBand(ds, 1)
            driver, name = (b"MEM", b"") if out is None else (b"GTiff", str(out).encode())
            t = time.perf_counter()
            result = g.GDALViewshedGenerate(
                band, driver, name, None, x, y, MAST_M, 0.0, 255.0, 0.0, 0.0, -1.0, 0.75,
                GVM_EDGE, max_range_m, None, None, GVOT_MIN_TARGET_HEIGHT_FROM_GROUND, None,
            )  # fmt: skip
            elapsed = time.perf_counter() - t
            if not result:
                raise SystemExit(f"GDAL {self.version}'s viewshed failed on {dem}")
            g.GDALClose(result)
            return elapsed
        finally:
            g.GDALClose(ds)


def timed(
    cmds: dict[str, tuple[list[str], dict[str, str]]], repeat: int
) -> dict[str, dict[str, list[float]]]:
    """Wall-clock and CPU (user + system) seconds of each command (argv, environment), ``repeat`` times,
    the commands taking turns so that a change in the machine's load affects them alike."""
    runs: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in cmds}
    for _ in range(repeat):
        for name, (cmd, env) in cmds.items():
            wall, cpu = run_once(cmd, env)
            runs[name]["wall"].append(wall)
            runs[name]["cpu"].append(cpu)
    return runs


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def make_dem(work: Path, site: str, res: int, range_km: float) -> Path:
    """The site's GLOBE terrain warped to its UTM zone at ``res`` metres, ``range + 5 km`` around it."""
    lat, lon, epsg, _ = SITES[site]
    geo_path = work / f"globe-{site}.tif"
    if not geo_path.exists():
        span_lat, span_lon = range_km / 100 + 0.5, range_km / 80 + 0.5
        geo = GlobeTerrain().native((lon - span_lon, lat - span_lat, lon + span_lon, lat + span_lat))
        rows, cols = geo.shape
        profile = {"driver": "GTiff", "height": rows, "width": cols, "count": 1, "dtype": "int16"}
        with rasterio.open(geo_path, "w", crs="EPSG:4326", transform=geo.transform, **profile) as f:
            f.write(np.nan_to_num(geo.values).astype(np.int16), 1)
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    half = (range_km + 5) * 1e3
    extent = [round((x - half) / res) * res, round((y - half) / res) * res]
    extent += [extent[0] + 2 * half, extent[1] + 2 * half]
    path = work / f"{site}-utm-{res}m.tif"
    subprocess.run(
        [
            "gdalwarp",
            "-q",
            "-overwrite",
            "-t_srs",
            f"EPSG:{epsg}",
            "-tr",
            str(res),
            str(res),
            "-r",
            "bilinear",
        ]
        + ["-te", *map(str, extent), "-ot", "Int16", str(geo_path), str(path)],
        check=True,
    )
    return path


def errors(values: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    e = np.abs(values - reference)
    return {q: float(np.percentile(e, int(q[1:]))) for q in ("p50", "p95", "p99")} | {"max": float(e.max())}


def python_setups(work: Path) -> dict[str, dict[str, str]]:
    """The two interpreters of the whole-process runs, as environments."""
    base = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    base.pop("IADSIM_BYTECODE_CACHE", None)
    return {
        "bytecode": base
        | {"PYTHONPYCACHEPREFIX": str(work / "pyc-written"), "IADSIM_CACHE": str(work / "c1")},
        "no-bytecode": base | {"PYTHONDONTWRITEBYTECODE": "1", "IADSIM_CACHE": str(work / "c2")},
    }


def run(
    site: str, res: int, range_km: float, work: Path, repeat: int, samples: int, gdal: Gdal310
) -> dict[str, Any]:
    dem = make_dem(work, site, res, range_km)
    terrain = GeoTiffTerrain(dem)
    full = terrain.read()
    lat, lon, _, _ = SITES[site]
    row, col = full.index_of(*full.from_wgs84(lat, lon))
    x, y = full.xy(row, col)  # the centre of the site's cell, so both tools stand on the same cell
    max_range = range_km * 1e3
    gdal_out = work / f"gdal-{site}-{res}.tif"
    gdal_cmd = ["gdal_viewshed", "-q", "-om", "GROUND", "-oz", str(MAST_M), "-tz", "0", "-cc", "0.75"]
    gdal_cmd += ["-md", str(max_range), "-ox", f"{x}", "-oy", f"{y}", str(dem), str(gdal_out)]

    def ours(out: Path, *extra: str) -> list[str]:
        return [
            sys.executable, "-m", "iadsim", "coverage", "floor", "--dem", str(dem), "--site", f"{x},{y}",
            "--site-crs", "dem", "--mast", str(MAST_M), "--k", f"{K_GDAL:.10f}",
            "--max-range-km", str(range_km), "--out", str(out), *extra,
        ]  # fmt: skip

    setups = python_setups(work)
    cmds: dict[str, tuple[list[str], dict[str, str]]] = {"gdal_viewshed": (gdal_cmd, dict(os.environ))}
    first_runs: dict[str, float] = {}
    for setup, env in setups.items():
        for label, extra in (("default", ()), ("none", ("--compress", "none"))):
            cmd = ours(work / f"iadsim-{site}-{res}-{label}.tif", *extra)
            wall, _ = run_once(cmd, env)  # numba's cache, and the bytecode this set-up keeps
            first_runs.setdefault(setup, wall)
            cmds[f"iadsim {label}, {setup}"] = (cmd, env)
    load_before = os.getloadavg()[0]
    runs = timed(cmds, repeat)

    window, nodata = terrain.read_window(0, 0, *terrain.shape)
    in_process: dict[str, list[float]] = {"iadsim": [], "gdal310": []}
    radar_floor(window, x, y, MAST_M, K_GDAL, max_range, nodata=nodata)  # kernels loaded
    for _ in range(repeat):
        t = time.perf_counter()
        floor = radar_floor(window, x, y, MAST_M, K_GDAL, max_range, nodata=nodata)
        in_process["iadsim"].append(time.perf_counter() - t)
        in_process["gdal310"].append(gdal.viewshed(dem, x, y, max_range))
    load_after = os.getloadavg()[0]

    g310_out = work / f"gdal310-{site}-{res}.tif"
    gdal.viewshed(dem, x, y, max_range, out=g310_out)
    valid = np.argwhere(np.isfinite(floor.agl.values))
    cells = valid[np.random.default_rng(2026).choice(len(valid), samples, replace=False)]
    ref = reference_floor(floor.terrain, floor.row, floor.col, floor.antenna_amsl_m, cells, k=K_GDAL)

    def offset(t: rasterio.Affine) -> np.ndarray:
        """Row and column of a window's first cell in the DEM."""
        return np.array(
            [
                round((t.f - full.transform.f) / full.transform.e),
                round((t.c - full.transform.c) / full.transform.a),
            ]
        )

    def sampled(path: Path) -> np.ndarray:
        """The file's values at the sampled cells (every output is a window of the DEM)."""
        with rasterio.open(path) as f:
            v = f.read(1).astype(np.float64)
            at = cells + offset(floor.agl.transform) - offset(f.transform)
        return v[at[:, 0], at[:, 1]]

    values = {
        "iadsim": sampled(work / f"iadsim-{site}-{res}-none.tif"),
        "gdal_viewshed 3.6": sampled(gdal_out),
        f"GDAL {gdal.version}": sampled(g310_out),
    }
    ok = np.logical_and.reduce([np.isfinite(v) for v in values.values()])
    med = {name: statistics.median(r["wall"]) for name, r in runs.items()}
    return {
        "site": site,
        "resolution_m": res,
        "range_km": range_km,
        "dem_cells": list(full.shape),
        "floor_cells": list(floor.agl.shape),
        "gdal_library_version": gdal.version,
        "load_average_1min": [load_before, load_after],
        "process_median_s": med,
        "process_cpu_median_s": {name: statistics.median(r["cpu"]) for name, r in runs.items()},
        "first_run_s": first_runs,
        "in_process_median_s": {name: statistics.median(v) for name, v in in_process.items()},
        "all_runs_s": {name: r["wall"] for name, r in runs.items()}
        | {f"in-process {k}": v for k, v in in_process.items()},
        "sampled_cells": int(ok.sum()),
        "error_vs_r3_m": {name: errors(v[ok], ref[ok]) for name, v in values.items()},
    }


def report(r: dict[str, Any]) -> None:
    lat, lon, epsg, what = SITES[r["site"]]
    print(
        f"\n{r['site']} ({lat} N {lon} E, EPSG:{epsg}; {what}), {r['resolution_m']} m, {r['range_km']:g} km:"
    )
    print(
        f"  DEM {r['dem_cells'][1]} x {r['dem_cells'][0]}, "
        f"floor window {r['floor_cells'][1]} x {r['floor_cells'][0]}"
    )
    ip = r["in_process_median_s"]
    print(
        f"  in-process: iadsim {ip['iadsim']:.3f} s, GDAL {r['gdal_library_version']} {ip['gdal310']:.3f} s: "
        f"GDAL / iadsim = {ip['gdal310'] / ip['iadsim']:.2f} (goal >= 2)"
    )
    med, cpu = r["process_median_s"], r["process_cpu_median_s"]
    g = med["gdal_viewshed"]
    print(f"  whole process: gdal_viewshed 3.6 {g:.2f} s (CPU {cpu['gdal_viewshed']:.2f} s)")
    for name, t in med.items():
        if name != "gdal_viewshed":
            print(f"    {name:30s} {t:.2f} s (CPU {cpu[name]:.2f} s): gdal / iadsim = {g / t:.2f}")
    print("  first run of each set-up (numba cache empty for the first; bytecode compiled and kept): "
          + ", ".join(f"{k} {v:.2f} s" for k, v in r["first_run_s"].items()))  # fmt: skip
    e = r["error_vs_r3_m"]
    for tool, s in e.items():
        print(
            f"  {tool:18s} error vs R3 on {r['sampled_cells']} cells: p50 {s['p50']:.3f} m, "
            f"p95 {s['p95']:.3f} m, p99 {s['p99']:.3f} m, max {s['max']:.1f} m"
        )
    p95 = min(s["p95"] for name, s in e.items() if name != "iadsim")
    print(f"  p95: iadsim / best GDAL = {e['iadsim']['p95'] / p95:.4f} (goal < 0.2)")
    print(f"  load average {r['load_average_1min'][0]:.2f} before, {r['load_average_1min'][1]:.2f} after, "
          f"on {os.cpu_count()} cores")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", nargs="+", choices=sorted(SITES), default=list(SITES))
    parser.add_argument("--resolutions", type=int, nargs="+", default=[100])
    parser.add_argument("--range-km", type=float, default=300.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    gdal = Gdal310()
    results = []
    with tempfile.TemporaryDirectory(prefix="iadsim-floor-bench-") as tmp:
        for site in args.sites:
            for res in args.resolutions:
                r = run(site, res, args.range_km, Path(tmp), args.repeat, args.samples, gdal)
                report(r)
                results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
