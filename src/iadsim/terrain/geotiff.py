"""Any GeoTIFF DEM (band 1, metres above sea level), geographic or projected, read through rasterio."""

from __future__ import annotations

import math
import warnings
from os import PathLike
from pathlib import Path

import numpy as np
import rasterio
import rasterio.errors
import rasterio.windows
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.warp import transform_bounds

from iadsim.terrain.base import (
    M_PER_DEG,
    Bounds,
    OutsideCoverageError,
    Terrain,
    TerrainError,
    check_bounds,
    format_position,
)
from iadsim.terrain.grid import WGS84, Grid


def _open(path: Path) -> rasterio.DatasetReader:
    """Open a raster, turning every failure into a :class:`TerrainError` naming the file."""
    if not path.exists():
        raise TerrainError(f"DEM file not found: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            return rasterio.open(path)
    except (rasterio.errors.RasterioError, OSError) as exc:
        raise TerrainError(f"cannot read the DEM {path}: not a raster file GDAL can open ({exc})") from exc


def _read(ds: rasterio.DatasetReader, window: rasterio.windows.Window | None = None) -> np.ndarray:
    """Band 1 as float32, nodata and masked cells as NaN."""
    band = ds.read(1, window=window, masked=True)
    return np.ma.filled(band.astype(np.float32), np.nan)


class GeoTiffTerrain(Terrain):
    """Heights from a GeoTIFF file in any CRS (band 1, metres; nodata becomes NaN).

    The file must carry a CRS and a north-up transform without rotation.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = Path(path)
        with _open(self.path) as ds:
            if ds.crs is None:
                raise TerrainError(f"DEM without CRS: {self.path} has no coordinate reference system")
            t = ds.transform
            if t.b != 0 or t.d != 0:
                raise TerrainError(f"DEM {self.path} has a rotated or skewed transform ({tuple(t)[:6]})")
            if t.a <= 0 or t.e >= 0:
                raise TerrainError(f"DEM {self.path} is not north-up (transform {tuple(t)[:6]})")
            if ds.count < 1:
                raise TerrainError(f"DEM {self.path} has no raster band")
            self.crs: CRS = CRS.from_wkt(ds.crs.to_wkt())
            self.transform: Affine = t
            self.shape: tuple[int, int] = (ds.height, ds.width)
            self._rio_crs = ds.crs
        dy = -t.e
        if self.crs.is_geographic:
            self.resolution_m = dy * M_PER_DEG
        else:
            self.resolution_m = dy * float(self.crs.axis_info[0].unit_conversion_factor)
        code = self.crs.to_epsg()
        crs_text = f"EPSG:{code}" if code else (self.crs.name or "custom CRS")
        if self.crs.is_geographic:
            size = f"{dy * 3600:.3g} arc-second cells, about {self.resolution_m:.0f} m"
        else:
            size = f"{self.resolution_m:.4g} m cells"
        self.identity = f"GeoTIFF {self.path.name} ({size}, {crs_text})"
        self._to_file = Transformer.from_crs(WGS84, self.crs, always_xy=True)

    def read(self) -> Grid:
        """The whole file on its own grid (float32 metres, nodata as NaN)."""
        with _open(self.path) as ds:
            values = _read(ds)
        return Grid(values, self.transform, self.crs, self.identity)

    def read_window(self, row0: int, col0: int, rows: int, cols: int) -> tuple[Grid, float | None]:
        """Cells [row0, row0 + rows) x [col0, col0 + cols) (clipped to the file) in the file's own data type,
        with the file's nodata value (None if it has none): no conversion, for the fast paths."""
        r0, c0 = max(row0, 0), max(col0, 0)
        r1, c1 = min(row0 + rows, self.shape[0]), min(col0 + cols, self.shape[1])
        if r0 >= r1 or c0 >= c1:
            raise OutsideCoverageError(f"the window starting at cell ({row0}, {col0}) is outside {self.path}")
        # GDAL's direct I/O for uncompressed files reads straight into the array instead of through its
        # block cache (whole strips of the file): 0.08 s instead of 0.18 s for the 100 m floor's 122 MB
        with rasterio.Env(GTIFF_DIRECT_IO=True), _open(self.path) as ds:
            values = ds.read(1, window=rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0))
            nodata = ds.nodata
        transform = self.transform @ Affine.translation(c0, r0)
        return Grid(values, transform, self.crs, self.identity), None if nodata is None else float(nodata)

    def covers(self, lat: float, lon: float) -> bool:
        x, y = self._to_file.transform(lon, lat)
        col, row = ~self.transform @ (x, y)
        return bool(0.0 <= row <= self.shape[0] and 0.0 <= col <= self.shape[1])

    def native(self, bounds_wgs84: Bounds) -> Grid:
        west, south, east, north = check_bounds(bounds_wgs84)
        try:
            left, bottom, right, top = transform_bounds(
                "EPSG:4326", self._rio_crs, west, south, east, north, densify_pts=21
            )
        except Exception as exc:  # the bounds do not exist in the file's projection
            raise TerrainError(
                f"the area {bounds_wgs84} cannot be expressed in the CRS of {self.path}: {exc}"
            ) from exc
        win = rasterio.windows.from_bounds(left, bottom, right, top, self.transform)
        rows, cols = self.shape
        row0 = max(math.floor(win.row_off) - 1, 0)
        col0 = max(math.floor(win.col_off) - 1, 0)
        row1 = min(math.ceil(win.row_off + win.height) + 1, rows)
        col1 = min(math.ceil(win.col_off + win.width) + 1, cols)
        if row0 >= row1 or col0 >= col1:
            raise OutsideCoverageError(
                f"the area {format_position(south, west)} to {format_position(north, east)} is outside "
                f"the DEM {self.path}"
            )
        window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
        with _open(self.path) as ds:
            values = _read(ds, window)
        transform = self.transform @ Affine.translation(col0, row0)
        return Grid(values, transform, self.crs, self.identity)
