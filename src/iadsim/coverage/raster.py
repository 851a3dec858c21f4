"""GeoTIFF rasters: a :class:`~iadsim.terrain.grid.Grid` written and read in its own CRS and transform, so
that GDAL, QGIS and rasterio place it exactly. (Kept apart from the vector exports of
:mod:`iadsim.coverage.export`, which need shapely, so that a command that writes only rasters does not load
it.)
"""

from __future__ import annotations

import errno
import math
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.errors
from pyproj import CRS
from rasterio.crs import CRS as RioCRS

from iadsim._atomic import atomic_path
from iadsim.terrain.geotiff import missing_block
from iadsim.terrain.grid import Grid

#: GeoTIFF codecs :func:`write_geotiff` offers, with their creation options. Zstandard at level 1 with a
#: predictor is the default: on a 6001 x 6001 float32 radar floor it wrote 48 MB in 0.24 s on two threads
#: (0.46 s of CPU), where DEFLATE at GDAL's default level 6 wrote 41 MB in 1.7 s of CPU on one thread
#: (``benchmarks/RESULTS.md``). GDAL has read it since 2.3 (QGIS, rasterio, Debian's gdal-bin); ``deflate``
#: is there for older readers. Both compress their tiles on every core (GDAL's NUM_THREADS).
CODECS: dict[str, dict[str, Any]] = {
    "zstd": {"compress": "zstd", "zstd_level": 1, "num_threads": "ALL_CPUS"},
    "deflate": {"compress": "deflate", "num_threads": "ALL_CPUS"},
}


def write_geotiff(
    grid: Grid,
    path: Path,
    nodata: float | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    compress: str | None = "zstd",
) -> Path:
    """Write ``grid`` as a single-band, tiled, compressed GeoTIFF in the grid's CRS; returns ``path``.

    ``compress`` is a key of :data:`CODECS` (Zstandard by default, or DEFLATE for older readers), or
    ``None`` for an uncompressed, striped file (fastest to write, largest on disk).

    Float grids keep their dtype; NaN cells are written as ``nodata`` (default NaN, which GDAL supports for
    float bands) and use the floating-point predictor (3). Integer grids use the horizontal predictor (2)
    and have no nodata unless one is given; boolean grids are written as uint8 0/1. ``description`` becomes
    the band description (shown by QGIS and ``gdalinfo``); ``tags`` become dataset metadata (e.g. terrain
    source, ``units`` = "m", k-factor); a ``units`` tag also sets the band unit. The grid's ``source`` is
    stored as the ``source`` tag unless ``tags`` gives one. The file is written atomically.
    """
    if compress is not None and compress not in CODECS:
        raise ValueError(f"compress: {compress!r} is not one of {', '.join(CODECS)} or None")
    values = np.asarray(grid.values)
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    is_float = np.issubdtype(values.dtype, np.floating)
    fill: float | None
    if is_float:
        fill = float("nan") if nodata is None else float(nodata)
        if not math.isnan(fill):
            values = np.where(np.isnan(values), np.asarray(fill, dtype=values.dtype), values)
        predictor = 3
    else:
        if nodata is not None and not np.can_cast(np.min_scalar_type(nodata), values.dtype):
            raise ValueError(f"nodata {nodata} does not fit the grid's dtype {values.dtype}")
        fill = None if nodata is None else float(nodata)
        predictor = 2
    rows, cols = grid.shape
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": 1,
        "dtype": values.dtype.name,
        "crs": RioCRS.from_wkt(grid.crs.to_wkt()),
        "transform": grid.transform,
        "nodata": fill,
    }
    if compress is not None:
        profile.update(tiled=True, blockxsize=256, blockysize=256, predictor=predictor, **CODECS[compress])
    else:
        profile.update(blockysize=64)  # strips of 64 rows: far fewer write calls than GDAL's default
    all_tags = {"source": grid.source} if grid.source else {}
    all_tags.update(tags or {})
    with atomic_path(path) as tmp:
        try:
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(values[np.newaxis], [1])  # (a 2-D array with a band index is copied into 3-D)
                if description:
                    dst.set_band_description(1, description)
                if "units" in all_tags:
                    dst.set_band_unit(1, all_tags["units"])
                if all_tags:
                    dst.update_tags(**all_tags)
        except rasterio.errors.RasterioIOError as exc:
            raise _not_written(tmp, path, str(exc.__cause__ or exc)) from exc
        _check_complete(tmp, path, grid.shape)
    return path


def _not_written(tmp: Path, path: Path, why: str) -> OSError:
    free = shutil.disk_usage(tmp.parent).free
    return OSError(
        errno.EIO,
        f"the GeoTIFF was not written completely: {why}; {free:,} bytes free on its disk",
        str(path),
    )


def _check_complete(tmp: Path, path: Path, shape: tuple[int, int]) -> None:
    """GDAL writes most of a GeoTIFF when it closes it and reports a failure then (a full disk) on stderr
    only: re-open the new file and check that it has every block (an OSError naming ``path`` if not)."""
    try:
        with rasterio.open(tmp) as ds:
            missing = (
                f"{ds.height} x {ds.width} cells instead of {shape[0]} x {shape[1]}"
                if (ds.height, ds.width) != shape
                else missing_block(ds, tmp, sparse=False)
            )
    except rasterio.errors.RasterioIOError:
        missing = "it cannot be read back"
    if missing:
        raise _not_written(tmp, path, missing)


def read_geotiff(path: Path) -> Grid:
    """Read band 1 of a GeoTIFF as a :class:`Grid`; nodata cells become NaN in float rasters.

    Integer rasters keep their nodata cells as they are. The grid's ``source`` is the file's ``source`` tag,
    or the file name when it has none.
    """
    with rasterio.open(path) as src:
        values = src.read(1)
        nodata = src.nodata
        crs = CRS.from_wkt(src.crs.to_wkt())
        transform = src.transform
        source = src.tags().get("source", Path(path).name)
    if np.issubdtype(values.dtype, np.floating) and nodata is not None and not math.isnan(nodata):
        values = np.where(values == nodata, np.asarray(np.nan, dtype=values.dtype), values)
    return Grid(values, transform, crs, source)
