"""Copernicus DEM GLO-90 / GLO-30 tiles, fetched on demand from the public AWS bucket and cached.

The buckets (``copernicus-dem-90m`` and ``copernicus-dem-30m``, see the bucket's readme.html) hold one
Cloud Optimized GeoTIFF per 1 x 1 degree tile::

    Copernicus_DSM_COG_{30|10}_{N|S}{lat:02}_00_{E|W}{lon:03}_00_DEM/Copernicus_DSM_COG_..._DEM.tif

named by the tile's south-west corner, ``30`` for 3 arc-second GLO-90 and ``10`` for 1 arc-second GLO-30.
Each tile's first cell is centred on its north-west whole-degree corner (the shared south row and east
column of the original product were dropped), so tile (lat, lon) holds the cells centred at longitudes
[lon, lon + 1) and latitudes (lat, lat + 1]. Longitude spacing widens above 50 degrees of latitude.
Heights are metres above EGM2008 (a digital surface model: buildings and trees included). Open sea has no
tile (HTTP 404): there the height is 0 m. Note that GLO-30 Public also lacks a few land tiles that were
not released (e.g. Armenia, Azerbaijan): they read as 0 m too; use GLO-90 there.

Tiles are kept in the cache folder in the bucket's own layout. A download goes to a ``.part`` file, is
resumed with an HTTP Range request after an interruption, and is moved into place only once its size
matches the server's and it opens as a raster with the tile's bounds.
"""

from __future__ import annotations

import http.client
import math
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import numpy as np
import rasterio
import rasterio.errors
import rasterio.windows
from affine import Affine
from numpy.typing import NDArray
from rasterio.enums import Resampling
from rasterio.warp import reproject
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from iadsim.terrain.base import Bounds, Terrain, TerrainError, cache_root, check_bounds, to_rasterio_crs
from iadsim.terrain.grid import WGS84, Grid

BUCKETS = {
    90: "https://copernicus-dem-90m.s3.amazonaws.com",
    30: "https://copernicus-dem-30m.s3.amazonaws.com",
}
ARC_SECONDS = {90: 3, 30: 1}
_CODE = {90: "30", 30: "10"}  # the resolution code in tile names (the bucket's own naming)
CHUNK = 1 << 20
ATTEMPTS = 3  # requests in a row that may bring no new bytes before giving up
TIMEOUT_S = 60.0


def tile_name(lat: int, lon: int, resolution_m: int = 90) -> str:
    """Bucket name (folder and file stem) of the tile whose south-west corner is (lat, lon) degrees."""
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"Copernicus_DSM_COG_{_CODE[resolution_m]}_{ns}{abs(lat):02d}_00_{ew}{abs(lon):03d}_00_DEM"


class CopernicusTerrain(Terrain):
    """Copernicus DEM GLO-90 (``resolution_m=90``) or GLO-30 (``resolution_m=30``), 1-degree tiles
    downloaded when first needed into ``cache_dir`` (default ``<cache>/copernicus-dem-90m`` or ``-30m``)."""

    def __init__(
        self, resolution_m: int = 90, cache_dir: Path | None = None, base_url: str | None = None
    ) -> None:
        if resolution_m not in BUCKETS:
            raise TerrainError(f"Copernicus DEM resolution must be 90 or 30 m, not {resolution_m}")
        self.resolution_m = float(resolution_m)
        self._res = int(resolution_m)
        self.base_url = (base_url or BUCKETS[self._res]).rstrip("/")
        self.cache_dir = (
            Path(cache_dir) if cache_dir is not None else cache_root() / f"copernicus-dem-{resolution_m}m"
        )
        # latitude spacing in degrees (and longitude spacing below 50 degrees of latitude)
        self._deg = ARC_SECONDS[self._res] / 3600.0
        self.identity = (
            f"Copernicus DEM GLO-{resolution_m} ({ARC_SECONDS[self._res]} arc-second, {self.base_url})"
        )
        self.requests = 0  # HTTP requests made by this instance (for diagnostics and tests)

    def covers(self, lat: float, lon: float) -> bool:
        return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0

    # -- tiles ------------------------------------------------------------------------------------------

    def tile_url(self, lat: int, lon: int) -> str:
        name = tile_name(lat, lon, self._res)
        return f"{self.base_url}/{name}/{name}.tif"

    def tile_path(self, lat: int, lon: int) -> Path:
        name = tile_name(lat, lon, self._res)
        return self.cache_dir / name / f"{name}.tif"

    def tile(self, lat: int, lon: int) -> Path | None:
        """The cached tile file with south-west corner (lat, lon), downloading it if needed; None where the
        bucket has no tile (open sea: height 0 m)."""
        path = self.tile_path(lat, lon)
        if path.is_file():
            return path
        missing = path.with_name(path.name + ".missing")
        if missing.is_file():
            return None
        if not self._download(lat, lon, path):
            missing.parent.mkdir(parents=True, exist_ok=True)
            missing.write_text(f"{self.tile_url(lat, lon)} answered 404: no tile (sea), height 0 m\n")
            return None
        return path

    def _download(self, lat: int, lon: int, path: Path) -> bool:
        """Fetch one tile into ``path``; False on 404."""
        url = self.tile_url(lat, lon)
        part = path.with_name(path.name + ".part")
        path.parent.mkdir(parents=True, exist_ok=True)
        failures = 0  # consecutive requests that brought no new bytes
        while failures < ATTEMPTS:
            before = part.stat().st_size if part.exists() else 0
            try:
                total = self._fetch(url, part)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    part.unlink(missing_ok=True)
                    return False
                if exc.code == 416:  # the partial file is not a prefix of this object: start again
                    part.unlink(missing_ok=True)
                    failures += 1
                    continue
                raise TerrainError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from exc
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise TerrainError(f"cannot download {url}: {reason}") from exc
            size = part.stat().st_size
            if total is not None and size < total:  # interrupted: resume from what arrived
                failures = 0 if size > before else failures + 1
                continue
            if total is not None and size > total:
                part.unlink()
                raise TerrainError(f"download of {url} gave {size} bytes, more than the {total} announced")
            self._verify(part, lat, lon, url)
            os.replace(part, path)
            return True
        raise TerrainError(
            f"download of {url} kept being interrupted ({part.stat().st_size if part.exists() else 0} bytes "
            "so far, kept for resuming); try again"
        )

    def _fetch(self, url: str, part: Path) -> int | None:
        """One HTTP request, appending to ``part`` (Range request if it has bytes); returns the object's
        total size in bytes when the server told it."""
        offset = part.stat().st_size if part.exists() else 0
        headers = {"User-Agent": "iadsim"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        self.requests += 1
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S) as resp:
            total: int | None
            if resp.status == 206:
                content_range = resp.headers.get("Content-Range", "")  # bytes START-END/TOTAL
                try:
                    span, total_text = content_range.split(" ", 1)[1].split("/")
                    start = int(span.split("-")[0])
                    total = None if total_text == "*" else int(total_text)
                except (IndexError, ValueError):
                    start, total = -1, None
                if start != offset:  # not the range asked for: start over
                    part.unlink(missing_ok=True)
                    return self._fetch(url, part)
                mode = "ab"
            else:
                offset, mode = 0, "wb"
                length = resp.headers.get("Content-Length")
                total = int(length) if length is not None else None
            with open(part, mode) as fh:
                self._copy(resp, fh, url, offset, total)
        return total

    @staticmethod
    def _copy(
        resp: http.client.HTTPResponse, fh: IO[bytes], url: str, offset: int, total: int | None
    ) -> None:
        """Stream the response body into the file, with a progress bar on stderr (one line when stderr is
        not a terminal). A connection dropped mid-body just ends the copy: the caller checks the size."""
        name = url.rsplit("/", 1)[-1]
        console = Console(stderr=True)
        if not console.is_terminal:
            print(f"downloading {url}", file=sys.stderr)
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
        with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task(f"Copernicus DEM {name}", total=total, completed=offset)
            while True:
                try:
                    chunk = resp.read(CHUNK)
                except (OSError, http.client.HTTPException):
                    break
                if not chunk:
                    break
                fh.write(chunk)
                progress.advance(task, len(chunk))

    def _verify(self, part: Path, lat: int, lon: int, url: str) -> None:
        """The download opens as a raster whose bounds are the tile's (within two cells); else it is
        removed and :class:`TerrainError` raised."""
        try:
            with rasterio.open(part) as ds:
                left, bottom, right, top = ds.bounds
                dx = ds.res[0]
        except (rasterio.errors.RasterioError, OSError) as exc:
            part.unlink(missing_ok=True)
            raise TerrainError(f"download of {url} is not a readable GeoTIFF ({exc}); removed") from exc
        tol = 2.0 * max(dx, self._deg)
        if not (
            abs(left - lon) < tol
            and abs(top - (lat + 1)) < tol
            and abs(right - (lon + 1)) < tol
            and abs(bottom - lat) < tol
        ):
            part.unlink(missing_ok=True)
            raise TerrainError(
                f"download of {url} covers {left:.4f}..{right:.4f} E, {bottom:.4f}..{top:.4f} N, "
                f"not the tile {lon}..{lon + 1} E, {lat}..{lat + 1} N; removed"
            )

    # -- grid -------------------------------------------------------------------------------------------

    def native(self, bounds_wgs84: Bounds) -> Grid:
        """The tiles around the bounds mosaicked on one lattice of cell centres on whole-degree multiples
        (the finest spacing among the tiles), one extra cell on each side of the bounds; sea tiles are 0 m,
        cells beyond the poles or the antimeridian NaN."""
        west, south, east, north = check_bounds(bounds_wgs84)
        if south < -90 or north > 90 or west < -180 or east > 180:
            raise TerrainError(f"bounds {bounds_wgs84} lie outside -180..180 E, -90..90 N")
        nominal = round(3600 / ARC_SECONDS[self._res])  # cells per degree until the tiles say otherwise
        nx = ny = nominal
        paths: dict[tuple[int, int], Path | None] = {}
        for _ in range(3):  # settles at once unless tiles of different spacings meet
            cols = np.arange(math.floor(west * nx) - 1, math.ceil(east * nx) + 2)  # centre lon = k / nx
            rows = np.arange(math.floor(-north * ny) - 1, math.ceil(-south * ny) + 2)  # centre lat = -j / ny
            tile_lon = cols // nx  # tile (la, lo) holds centres lon in [lo, lo + 1), lat in (la, la + 1]
            tile_lat = -(rows // ny) - 1
            wanted = [
                (int(la), int(lo))
                for la in np.unique(tile_lat)
                for lo in np.unique(tile_lon)
                if -90 <= la <= 89 and -180 <= lo <= 179
            ]
            for key in wanted:
                if key not in paths:
                    paths[key] = self.tile(*key)
            spacing = [_cells_per_degree(p) for k, p in paths.items() if p is not None and k in wanted]
            new = (max(f[0] for f in spacing), max(f[1] for f in spacing)) if spacing else (nominal, nominal)
            if new == (nx, ny):
                break
            nx, ny = new
        transform = Affine(1.0 / nx, 0.0, (cols[0] - 0.5) / nx, 0.0, -1.0 / ny, -(rows[0] - 0.5) / ny)
        out = np.full((rows.size, cols.size), np.nan, dtype=np.float32)
        for la, lo in wanted:
            r = np.flatnonzero(tile_lat == la)
            c = np.flatnonzero(tile_lon == lo)
            r0, r1, c0, c1 = int(r[0]), int(r[-1]) + 1, int(c[0]), int(c[-1]) + 1
            path = paths[(la, lo)]
            if path is None:
                out[r0:r1, c0:c1] = 0.0
            else:
                out[r0:r1, c0:c1] = _read_tile(
                    path, transform @ Affine.translation(c0, r0), (r1 - r0, c1 - c0)
                )
        return Grid(out, transform, WGS84, self.identity)


def _cells_per_degree(path: Path) -> tuple[int, int]:
    """(columns, rows) per degree of a tile file."""
    with rasterio.open(path) as ds:
        return round(1.0 / ds.res[0]), round(1.0 / ds.res[1])


def _read_tile(path: Path, transform: Affine, shape: tuple[int, int]) -> NDArray[np.float32]:
    """A tile's values (float32, NaN without data) on a sub-grid lying within the tile: a direct window
    read where the grids coincide, else bilinear resampling (a tile of coarser longitude spacing)."""
    out = np.full(shape, np.nan, dtype=np.float32)
    with rasterio.open(path) as ds:
        t = ds.transform
        col_f, row_f = ~t @ (transform.c, transform.f)
        same = math.isclose(t.a, transform.a, rel_tol=1e-6) and math.isclose(t.e, transform.e, rel_tol=1e-6)
        if same and abs(col_f - round(col_f)) < 1e-3 and abs(row_f - round(row_f)) < 1e-3:
            col0, row0 = round(col_f), round(row_f)
            a0, b0 = max(col0, 0), max(row0, 0)  # the part of the sub-grid inside the file
            a1, b1 = min(col0 + shape[1], ds.width), min(row0 + shape[0], ds.height)
            if a1 > a0 and b1 > b0:
                band = ds.read(1, window=rasterio.windows.Window(a0, b0, a1 - a0, b1 - b0), masked=True)
                out[b0 - row0 : b1 - row0, a0 - col0 : a1 - col0] = np.ma.filled(
                    band.astype(np.float32), np.nan
                )
            return out
        reproject(
            source=rasterio.band(ds, 1),
            destination=out,
            dst_transform=transform,
            dst_crs=to_rasterio_crs(WGS84),
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
        return out
