"""Any GeoTIFF DEM (band 1, heights above sea level), geographic or projected, read through rasterio.

Heights are converted to metres from the unit the file declares: the vertical CRS of a compound CRS, else
the band's unit (``gdal_edit.py -units``); a file that declares neither is read in metres unless its
horizontal unit is not the metre (a DEM in US survey feet usually has heights in feet too), which is refused
as ambiguous. Horizontal distances use the CRS's own unit factor.
"""

from __future__ import annotations

import math
import os
import warnings
from functools import cache
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer
from pyproj.database import get_units_map

from iadsim.terrain.base import (
    M_PER_DEG,
    Bounds,
    OutsideCoverageError,
    Terrain,
    TerrainError,
    check_bounds,
    format_position,
)
from iadsim.terrain.grid import WGS84, Grid, metres_per_unit

if TYPE_CHECKING:  # (rasterio is imported where a file is read: a command that reads none starts sooner)
    import rasterio
    import rasterio.windows

#: band unit names GDAL writers use besides PROJ's own names and short names
_UNIT_ALIASES = {
    "meter": "metre",
    "meters": "metre",
    "metres": "metre",
    "feet": "foot",
    "international foot": "foot",
    "ftus": "US survey foot",
    "us_survey_foot": "US survey foot",
    "us survey feet": "US survey foot",
}


def _open(path: Path) -> rasterio.DatasetReader:
    """Open a raster, turning every failure into a :class:`TerrainError` naming the file."""
    import rasterio
    import rasterio.errors

    if not path.exists():
        raise TerrainError(f"DEM file not found: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            return rasterio.open(path)
    except (rasterio.errors.RasterioError, OSError) as exc:
        raise TerrainError(f"cannot read the DEM {path}: not a raster file GDAL can open ({exc})") from exc


@cache
def _linear_units() -> dict[str, float]:
    """Metres per unit for every linear unit PROJ knows, by lower-case name and short name."""
    units: dict[str, float] = {}
    for name, unit in get_units_map(category="linear").items():
        units[name.lower()] = float(unit.conv_factor)
        if unit.proj_short_name:
            units[unit.proj_short_name.lower()] = float(unit.conv_factor)
    for alias, name in _UNIT_ALIASES.items():
        units[alias] = units[name.lower()]
    return units


def _vertical_factor(path: Path, crs: CRS, band_unit: str | None) -> float:
    """Metres per unit of the heights in band 1: from the vertical CRS, else the band's unit, else metres
    where the horizontal unit is metres or degrees; a TerrainError where the unit is unknown or ambiguous."""
    vertical = [sub for sub in crs.sub_crs_list if sub.is_vertical]
    if vertical:
        return float(vertical[0].axis_info[0].unit_conversion_factor)
    if band_unit and band_unit.strip():
        factor = _linear_units().get(band_unit.strip().lower())
        if factor is None:
            raise TerrainError(
                f"DEM {path}: band 1 declares the height unit {band_unit!r}, which is not a unit of length "
                "known to PROJ; set it to metres or feet (gdal_edit.py -units m) or convert the file"
            )
        return factor
    horizontal = crs.sub_crs_list[0] if crs.is_compound else crs
    if not horizontal.is_geographic and metres_per_unit(horizontal) != 1.0:
        unit = horizontal.axis_info[0].unit_name
        raise TerrainError(
            f"DEM {path}: its heights declare no unit and its coordinates are in {unit}, so the heights "
            f"may be in {unit} too; declare the height unit (gdal_edit.py -units m, or -units ft) or "
            "convert the file"
        )
    return 1.0


def missing_block(
    ds: rasterio.DatasetReader, path: Path, window: rasterio.windows.Window | None = None, sparse: bool = True
) -> str | None:
    """Why a block of band 1 within ``window`` (default: all) is not in the file, or None if all are.

    A block that runs past the end of the file is missing (a truncated file, or a write that failed when
    the disk filled: GDAL's direct I/O reads the missing bytes of an uncompressed file as zeros, and a
    failed write is reported on stderr only); so is one never written (offset 0), unless ``sparse``.
    """
    import rasterio.windows

    size = os.stat(path).st_size
    bh, bw = ds.block_shapes[0]
    window = window or rasterio.windows.Window(0, 0, ds.width, ds.height)
    rows = range(int(window.row_off) // bh, (int(window.row_off + window.height) - 1) // bh + 1)
    cols = range(int(window.col_off) // bw, (int(window.col_off + window.width) - 1) // bw + 1)
    for i in rows:
        for j in cols:
            offset = int(ds.get_tag_item(f"BLOCK_OFFSET_{j}_{i}", "TIFF", bidx=1) or 0)
            length = int(ds.get_tag_item(f"BLOCK_SIZE_{j}_{i}", "TIFF", bidx=1) or 0)
            if offset == 0 and not sparse:
                return f"block ({i}, {j}) was never written"
            if offset > 0 and offset + length > size:
                return (
                    f"block ({i}, {j}) ends at byte {offset + length:,} but the file has {size:,} bytes "
                    "(a truncated file?)"
                )
    return None


def _unreadable(path: Path, exc: Exception) -> TerrainError:
    detail = exc.__cause__ or exc  # GDAL's own message (which block failed) is the cause of rasterio's
    return TerrainError(
        f"cannot read the DEM {path}: a block of band 1 is unreadable, the file may be truncated or "
        f"corrupt ({detail})"
    )


def _read(
    ds: rasterio.DatasetReader, path: Path, window: rasterio.windows.Window | None = None
) -> np.ndarray:
    """Band 1 as float32 in the file's height unit, nodata and masked cells as NaN."""
    import rasterio.errors

    try:
        band = ds.read(1, window=window, masked=True)
    except rasterio.errors.RasterioIOError as exc:
        raise _unreadable(path, exc) from exc
    return np.ma.filled(band.astype(np.float32), np.nan)


class GeoTiffTerrain(Terrain):
    """Heights from a GeoTIFF file in any CRS (band 1, converted to metres; nodata becomes NaN).

    The file must carry a CRS and a north-up transform without rotation. :attr:`crs` is the horizontal
    CRS (of a compound one), :attr:`z_to_m` the metres per unit of the file's heights.
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
            crs = CRS.from_wkt(ds.crs.to_wkt())
            self.z_to_m: float = _vertical_factor(self.path, crs, ds.units[0] if ds.units else None)
            self.crs: CRS = crs.sub_crs_list[0] if crs.is_compound else crs
            self.transform: Affine = t
            self.shape: tuple[int, int] = (ds.height, ds.width)
            self._rio_crs = ds.crs
        dy = -t.e
        if self.crs.is_geographic:
            self.resolution_m = dy * M_PER_DEG
        else:
            self.resolution_m = dy * metres_per_unit(self.crs)
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
            values = self._metres(_read(ds, self.path))
        return Grid(values, self.transform, self.crs, self.identity)

    def _metres(self, values: np.ndarray) -> np.ndarray:
        if self.z_to_m != 1.0:
            values *= np.float32(self.z_to_m)
        return values

    def read_window(self, row0: int, col0: int, rows: int, cols: int) -> tuple[Grid, float | None]:
        """Cells [row0, row0 + rows) x [col0, col0 + cols) (clipped to the file) in the file's own data type,
        with the file's nodata value (None if it has none): no conversion, for the fast paths. Heights in
        another unit than metres come as float32 metres with NaN for nodata."""
        r0, c0 = max(row0, 0), max(col0, 0)
        r1, c1 = min(row0 + rows, self.shape[0]), min(col0 + cols, self.shape[1])
        if r0 >= r1 or c0 >= c1:
            raise OutsideCoverageError(f"the window starting at cell ({row0}, {col0}) is outside {self.path}")
        import rasterio
        import rasterio.errors
        import rasterio.windows

        # GDAL's direct I/O for uncompressed files reads straight into the array instead of through its
        # block cache (whole strips of the file): 0.08 s instead of 0.18 s for the 100 m floor's 122 MB
        window = rasterio.windows.Window(c0, r0, c1 - c0, r1 - r0)
        with rasterio.Env(GTIFF_DIRECT_IO=True), _open(self.path) as ds:
            # compressed blocks that are cut short fail to decode; uncompressed ones would read as zeros
            missing = missing_block(ds, self.path, window) if ds.compression is None else None
            if missing:
                raise TerrainError(f"cannot read the DEM {self.path}: {missing}")
            if self.z_to_m != 1.0:
                values = self._metres(_read(ds, self.path, window))
                nodata = None
            else:
                try:
                    values = ds.read(1, window=window)
                except rasterio.errors.RasterioIOError as exc:
                    raise _unreadable(self.path, exc) from exc
                nodata = ds.nodata
        transform = self.transform @ Affine.translation(c0, r0)
        return Grid(values, transform, self.crs, self.identity), None if nodata is None else float(nodata)

    def covers(self, lat: float, lon: float) -> bool:
        x, y = self._to_file.transform(lon, lat)
        col, row = ~self.transform @ (x, y)
        return bool(0.0 <= row <= self.shape[0] and 0.0 <= col <= self.shape[1])

    def native(self, bounds_wgs84: Bounds) -> Grid:
        import rasterio.windows
        from rasterio.warp import transform_bounds

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
            values = self._metres(_read(ds, self.path, window))
        transform = self.transform @ Affine.translation(col0, row0)
        return Grid(values, transform, self.crs, self.identity)
