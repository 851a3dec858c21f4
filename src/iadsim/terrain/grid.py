"""A georeferenced raster: values on a regular grid, its affine transform and CRS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

WGS84 = CRS.from_epsg(4326)


def metres_per_unit(crs: CRS) -> float:
    """Metres per unit of the x axis of a projected ``crs`` (1 for metres, 0.3048006 for US survey feet).

    Geographic CRSs have no such factor (a degree of longitude shrinks with latitude): a ValueError.
    """
    if crs.is_geographic:
        raise ValueError(f"{crs.name} is geographic: its units are degrees, not a length")
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    return float(factor or 1.0)


@dataclass(frozen=True)
class Grid:
    """Values on a regular north-up grid.

    ``values[row, col]`` covers the cell whose upper-left corner is ``transform * (col, row)``; missing
    values are NaN (float grids). ``crs`` is a pyproj CRS; ``source`` says where the values come from and
    at what resolution (shown in outputs and stored in manifests).
    """

    values: NDArray[Any]
    transform: Affine
    crs: CRS
    source: str = ""

    def __post_init__(self) -> None:
        if self.values.ndim != 2:
            raise ValueError(f"a grid is two-dimensional, got shape {self.values.shape}")
        if self.transform.b != 0 or self.transform.d != 0 or self.transform.e >= 0:
            raise ValueError("only north-up grids without rotation are supported")

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @property
    def cell_size(self) -> tuple[float, float]:
        """(x size, y size) of a cell in CRS units, both positive."""
        return (float(self.transform.a), float(-self.transform.e))

    @property
    def cell_size_m(self) -> tuple[float, float]:
        """(x size, y size) of a cell in metres, for projected grids (a ValueError for geographic ones)."""
        unit = metres_per_unit(self.crs)
        sx, sy = self.cell_size
        return (sx * unit, sy * unit)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in CRS units."""
        rows, cols = self.shape
        left, top = self.transform.c, self.transform.f
        return (left, top + rows * self.transform.e, left + cols * self.transform.a, top)

    @property
    def is_geographic(self) -> bool:
        """True when coordinates are longitude and latitude in degrees."""
        return bool(self.crs.is_geographic)

    def cell_centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """x (cols,) and y (rows,) of the cell centres, in CRS units."""
        rows, cols = self.shape
        x = self.transform.c + (np.arange(cols, dtype=np.float64) + 0.5) * self.transform.a
        y = self.transform.f + (np.arange(rows, dtype=np.float64) + 0.5) * self.transform.e
        return x.astype(np.float64), y.astype(np.float64)

    def xy(self, row: int, col: int) -> tuple[float, float]:
        """(x, y) in CRS units of the centre of cell (row, col)."""
        x, y = self.transform @ (col + 0.5, row + 0.5)
        return float(x), float(y)

    def index_of(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell containing the point (x, y) in CRS units; may lie outside the grid."""
        col, row = ~self.transform @ (x, y)
        return int(np.floor(row)), int(np.floor(col))

    def contains(self, x: float, y: float) -> bool:
        """True when (x, y) in CRS units falls inside the grid."""
        row, col = self.index_of(x, y)
        rows, cols = self.shape
        return 0 <= row < rows and 0 <= col < cols

    def from_wgs84(self, lat: float, lon: float) -> tuple[float, float]:
        """(x, y) in the grid's CRS of a WGS84 position in degrees."""
        x, y = Transformer.from_crs(WGS84, self.crs, always_xy=True).transform(lon, lat)
        return float(x), float(y)

    def with_values(self, values: NDArray[Any], source: str | None = None) -> Grid:
        """The same grid carrying other values (same shape)."""
        if values.shape != self.values.shape:
            raise ValueError(f"shape {values.shape} differs from the grid's {self.values.shape}")
        return Grid(values, self.transform, self.crs, self.source if source is None else source)


def local_crs(lat: float, lon: float) -> CRS:
    """Azimuthal equidistant CRS centred on a point (WGS84 ellipsoid): distances and azimuths from the
    centre are exact geodesic ones, and straight lines through the centre are geodesics."""
    return CRS.from_proj4(f"+proj=aeqd +lat_0={lat:.8f} +lon_0={lon:.8f} +x_0=0 +y_0=0 +ellps=WGS84 +units=m")


def local_grid_spec(radius_m: float, cell_m: float) -> tuple[Affine, tuple[int, int]]:
    """Transform and shape of a square grid of ``cell_m`` cells covering ``radius_m`` around the centre of
    a :func:`local_crs`, with the centre in the middle of the central cell."""
    half = int(np.ceil(radius_m / cell_m))
    n = 2 * half + 1
    origin = -(half + 0.5) * cell_m
    return Affine(cell_m, 0.0, origin, 0.0, -cell_m, -origin), (n, n)


def sample_bilinear(grid: Grid, x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Bilinear interpolation of a grid's values at points in its CRS (cell centres as nodes); 0 outside.
    The grid must hold no NaN."""
    t = grid.transform  # north-up: no rotation terms
    col = (np.asarray(x, dtype=float) - t.c) / t.a - 0.5
    row = (np.asarray(y, dtype=float) - t.f) / t.e - 0.5
    rows, cols = grid.shape
    c0 = np.minimum(np.maximum(np.floor(col).astype(np.int64), 0), cols - 2)
    r0 = np.minimum(np.maximum(np.floor(row).astype(np.int64), 0), rows - 2)
    wc = np.minimum(np.maximum(col - c0, 0.0), 1.0)
    wr = np.minimum(np.maximum(row - r0, 0.0), 1.0)
    v = grid.values  # no copy: callers pass grids without NaN (build_world fills them with 0)
    out = (
        v[r0, c0] * (1 - wr) * (1 - wc)
        + v[r0, c0 + 1] * (1 - wr) * wc
        + v[r0 + 1, c0] * wr * (1 - wc)
        + v[r0 + 1, c0 + 1] * wr * wc
    )
    inside = (col >= -0.5) & (col <= cols - 0.5) & (row >= -0.5) & (row <= rows - 0.5)
    return np.where(inside, out, 0.0)


def local_azimuth_rad(crs: CRS, lat: float, lon: float, azimuth_deg: float) -> float:
    """The direction in a projected CRS (radians clockwise from grid north) of a geodesic azimuth (degrees
    clockwise from true north, WGS84) at a point: the bearing of a point 10 km along the geodesic."""
    from pyproj import Geod

    lon2, lat2, _ = Geod(ellps="WGS84").fwd(lon, lat, azimuth_deg, 10_000.0)
    (x1, x2), (y1, y2) = Transformer.from_crs(WGS84, crs, always_xy=True).transform([lon, lon2], [lat, lat2])
    return float(np.arctan2(x2 - x1, y2 - y1))
