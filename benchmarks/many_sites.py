"""Many radar sites at once: twelve sites spread over Turkey on one 250 m grid of the embedded terrain.

    uv run python benchmarks/many_sites.py [--cell-m 250] [--repeat 3] [--radar 96l6e] [--no-gdal]

Measures, with the load average before and after each run:

* **in-process union:** :func:`iadsim.coverage.sites.sites_coverage`, an F-16C (nose-on, its S-band RCS)
  at 1,000 m above the ground, single-look Pd >= 0.5 over farmland (the command line's default), twelve
  96L6E sites: the terrain grid, each site's floor and detection, the overlap table;
* **the whole process:** ``iadsim coverage sites`` with the same sites, writing the count GeoTIFF;
* **GDAL 3.10 multi-observer viewshed** (the libgdal of rasterio's wheel, through ctypes: the loader of
  ``benchmarks/floor_vs_gdal.py``): ``GDALViewshedGenerate`` has no cumulative mode in its C API, so the
  common grid is written as a GeoTIFF in its own CRS, each site's viewshed (mode NORMAL, visible 1,
  target height 1,000 m, antenna at the radar's height) is computed to the MEM driver and the twelve are
  summed; against :func:`iadsim.coverage.sites.visibility_count` on the same grid. Both on the same
  effective earth: GDAL's curvature coefficient 0.75 with the file's WGS84 semi-major axis is
  k R = 4/3 * 6,378,137 m, so iadsim runs with k = 4/3 * 6378137 / 6371000. Agreement is the fraction of
  cells (within range of any site) where the counts are equal; GDAL's viewshed is the less exact of the
  two (``benchmarks/RESULTS.md``, radar floor), so it is reported, not asserted.

Goal: twelve sites at 250 m in under 10 s on two cores. The positions are rounded city positions (two
of them the air bases named in press reports on the S-400's delivery and the Kürecik radar), nothing
more: no deployment is claimed.
"""

from __future__ import annotations

import argparse
import ctypes
import json
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floor_vs_gdal import K_GDAL, Gdal310  # noqa: E402

from iadsim.catalog import default_catalog  # noqa: E402
from iadsim.coverage.sites import (  # noqa: E402
    RadarSite,
    common_grid,
    sites_coverage,
    visibility_count,
)
from iadsim.sensors import Environment, RadarModel, SurfaceModel  # noqa: E402
from iadsim.terrain import open_terrain  # noqa: E402
from iadsim.terrain.grid import WGS84  # noqa: E402

#: name -> (lat, lon): rounded city positions.
SITES: dict[str, tuple[float, float]] = {
    "ankara-murted": (40.076, 32.566),
    "istanbul": (41.01, 28.98),
    "izmir": (38.42, 27.14),
    "antalya": (36.90, 30.70),
    "adana-incirlik": (37.00, 35.43),
    "diyarbakir": (37.91, 40.22),
    "erzurum": (39.90, 41.27),
    "malatya-kurecik": (38.35, 37.79),
    "trabzon": (41.00, 39.72),
    "konya": (37.87, 32.48),
    "sinop": (42.03, 35.15),
    "van": (38.50, 43.38),
}
ALTITUDE_M = 1000.0
TARGET = "f-16c"

# GDALViewshedGenerate's enumerations (gdal_alg.h): GVM_Edge, GVOT_NORMAL; GDT_Byte; GF_Read.
GVM_EDGE = 2
GVOT_NORMAL = 1
GDT_BYTE = 1
GF_READ = 0


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def in_process(radar: str, cell_m: float) -> dict[str, Any]:
    cat = default_catalog()
    tgt = cat.target(TARGET)
    env = Environment(surface=SurfaceModel.from_catalog(cat.surface("farmland")))
    sites = [RadarSite(lat, lon, radar, name=n) for n, (lat, lon) in SITES.items()]

    def rcs(m: RadarModel) -> float:
        return float(tgt.rcs(m.band, "nose")[1].value)

    t = time.perf_counter()
    r = sites_coverage(sites, rcs, int(tgt.swerling.value), ALTITUDE_M, "agl", cell_m=cell_m, env=env)
    wall = time.perf_counter() - t
    return {
        "seconds": wall,
        "grid_seconds": r.grid_seconds,
        "shape": list(r.count.shape),
        "per_site_s": {s.name: round(s.seconds, 3) for s in r.sites},
        "per_site_km2": {s.name: round(s.area_km2) for s in r.sites},
        "overlap_km2": {f">={k}": round(a) for k, a in enumerate(r.overlap_km2, 1) if a > 0},
    }


def whole_process(radar: str, cell_m: float, work: Path) -> float:
    cmd = [sys.executable, "-m", "iadsim", "coverage", "sites", "--radar", radar, "--target", TARGET]
    cmd += ["-a", f"{ALTITUDE_M:g}", "--cell-m", f"{cell_m:g}", "--out", str(work / "union.tif"), "--json"]
    for lat, lon in SITES.values():
        cmd += ["--site", f"{lat},{lon}"]
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"iadsim coverage sites failed:\n{done.stderr}")
    return wall


def gdal_count(
    gdal: Gdal310,
    dem: Path,
    shape: tuple[int, int],
    gt0: tuple[float, float],
    cell_m: float,
    xy: list[tuple[float, float]],
    mast_m: float,
    reach_m: float,
) -> tuple[np.ndarray, float]:
    """Sum of GDAL's per-site viewsheds (1 visible, 0 not) on the grid of ``dem``, and the seconds."""
    g = gdal.lib
    vp, i = ctypes.c_void_p, ctypes.c_int
    g.GDALGetRasterXSize.restype, g.GDALGetRasterXSize.argtypes = i, [vp]
    g.GDALGetRasterYSize.restype, g.GDALGetRasterYSize.argtypes = i, [vp]
    g.GDALGetGeoTransform.argtypes = [vp, ctypes.POINTER(ctypes.c_double)]
    g.GDALRasterIO.argtypes = [vp, i, i, i, i, i, vp, i, i, i, i, i]
    count = np.zeros(shape, np.uint8)
    ds = g.GDALOpen(str(dem).encode(), 0)
    band = g.GDALGetRasterBand(ds, 1)
    t = time.perf_counter()
    for x, y in xy:
        out = g.GDALViewshedGenerate(
            band, b"MEM", b"", None, x, y, mast_m, ALTITUDE_M, 1.0, 0.0, 0.0, -1.0, 0.75,
            GVM_EDGE, reach_m, None, None, GVOT_NORMAL, None,
        )  # fmt: skip
        if not out:
            raise SystemExit("GDAL's viewshed failed")
        nx, ny = g.GDALGetRasterXSize(out), g.GDALGetRasterYSize(out)
        gt = (ctypes.c_double * 6)()
        g.GDALGetGeoTransform(out, gt)
        buf = np.empty((ny, nx), np.uint8)
        g.GDALRasterIO(
            g.GDALGetRasterBand(out, 1), GF_READ, 0, 0, nx, ny, buf.ctypes.data, nx, ny, GDT_BYTE, 0, 0
        )
        g.GDALClose(out)
        c0 = int(round((gt[0] - gt0[0]) / cell_m))
        r0 = int(round((gt0[1] - gt[3]) / cell_m))
        count[r0 : r0 + ny, c0 : c0 + nx] += buf == 1
    elapsed = time.perf_counter() - t
    g.GDALClose(ds)
    return count, elapsed


def versus_gdal(radar: str, cell_m: float, work: Path, gdal: Gdal310) -> dict[str, Any]:
    model = RadarModel.from_catalog(default_catalog().radar(radar))
    reach = min(model.instrumented_range_m, 300e3)
    points = list(SITES.values())
    grid = common_grid(open_terrain("globe"), points, [reach] * len(points), cell_m)
    grid = grid.with_values(np.nan_to_num(np.asarray(grid.values), nan=0.0).astype(np.float32))
    dem = work / "common-grid.tif"
    if not dem.exists():
        rows, cols = grid.shape
        profile = {"driver": "GTiff", "height": rows, "width": cols, "count": 1, "dtype": "float32"}
        with rasterio.open(dem, "w", crs=grid.crs.to_wkt(), transform=grid.transform, **profile) as f:
            f.write(np.asarray(grid.values), 1)
    to_grid = Transformer.from_crs(WGS84, grid.crs, always_xy=True)
    xy = []
    for lat, lon in points:  # each site at the centre of its cell, for both tools
        row, col = grid.index_of(*to_grid.transform(lon, lat))
        xy.append(grid.xy(row, col))
    t = time.perf_counter()
    ours = visibility_count(grid, xy, model.mast_height_m, ALTITUDE_M, K_GDAL, reach)
    ours_s = time.perf_counter() - t
    theirs, theirs_s = gdal_count(
        gdal, dem, grid.shape, (grid.transform.c, grid.transform.f), cell_m, xy, model.mast_height_m, reach
    )
    a = np.asarray(ours.values)
    in_range = (a > 0) | (theirs > 0)
    return {
        "gdal": gdal.version,
        "iadsim_s": ours_s,
        "gdal_s": theirs_s,
        "ratio_gdal_over_iadsim": theirs_s / ours_s,
        "agreement_all_cells": float(np.mean(a == theirs)),
        "agreement_cells_seen_by_either": float(np.mean(a[in_range] == theirs[in_range])),
        "cells_seen_iadsim": int((a > 0).sum()),
        "cells_seen_gdal": int((theirs > 0).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell-m", type=float, default=250.0)
    parser.add_argument("--radar", default="96l6e")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-gdal", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    gdal = None if args.no_gdal else Gdal310()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in range(args.repeat):
            run: dict[str, Any] = {"load_before": loadavg()}
            run["in_process"] = in_process(args.radar, args.cell_m)
            run["process_s"] = whole_process(args.radar, args.cell_m, work)
            if gdal is not None:
                run["visibility"] = versus_gdal(args.radar, args.cell_m, work, gdal)
            run["load_after"] = loadavg()
            runs.append(run)
            ip = run["in_process"]
            print(f"run {n + 1}: load {run['load_before']} -> {run['load_after']}")
            print(f"  in-process union: {ip['seconds']:.2f} s (terrain grid {ip['grid_seconds']:.2f} s; "
                  f"{ip['shape'][0]} x {ip['shape'][1]} cells); per site "
                  f"{(ip['seconds'] - ip['grid_seconds']) / len(SITES):.3f} s")  # fmt: skip
            print(f"  whole `iadsim coverage sites` process: {run['process_s']:.2f} s")
            print(f"  overlap km²: {ip['overlap_km2']}")
            if "visibility" in run:
                v = run["visibility"]
                print(f"  visibility count: iadsim {v['iadsim_s']:.2f} s, "
                      f"GDAL {v['gdal']} {v['gdal_s']:.2f} s "
                      f"(GDAL / iadsim {v['ratio_gdal_over_iadsim']:.2f}); equal counts on "
                      f"{100 * v['agreement_cells_seen_by_either']:.2f}% of cells seen by either "
                      f"({100 * v['agreement_all_cells']:.2f}% of all)")  # fmt: skip
    med = statistics.median
    print(f"median in-process {med(r['in_process']['seconds'] for r in runs):.2f} s, "
          f"whole process {med(r['process_s'] for r in runs):.2f} s (goal: under 10 s)")  # fmt: skip
    if gdal is not None:
        print(f"median visibility: iadsim {med(r['visibility']['iadsim_s'] for r in runs):.2f} s, "
              f"GDAL {med(r['visibility']['gdal_s'] for r in runs):.2f} s")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()
