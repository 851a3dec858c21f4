"""Exports read back by GDAL (through rasterio), measured with pyproj.Geod, parsed as JSON and XML."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.enums
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LinearRing, LineString, MultiPolygon, Point, Polygon

from iadsim.coverage.areas import area_km2
from iadsim.coverage.export import mask_to_polygons, write_geojson, write_kml
from iadsim.coverage.raster import read_geotiff, write_geotiff
from iadsim.terrain.grid import WGS84, Grid, local_crs

GEOD = Geod(ellps="WGS84")
KML = "{http://www.opengis.net/kml/2.2}"
ANKARA = (39.93, 32.86)


def local_grid(values: np.ndarray, cell_m: float = 1000.0, x0: float = -50e3, y0: float = 50e3) -> Grid:
    return Grid(values, Affine(cell_m, 0, x0, 0, -cell_m, y0), local_crs(*ANKARA), "test")


def geod_area_km2(geom: Polygon | MultiPolygon) -> float:
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


# --------------------------------------------------------------------------------------------- GeoTIFF


def test_float_geotiff_round_trip_read_by_rasterio(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values = rng.uniform(0, 5000, (300, 260)).astype(np.float32)
    values[10:20, 30:40] = np.nan
    grid = local_grid(values, cell_m=250.0)
    path = write_geotiff(
        grid,
        tmp_path / "floor.tif",
        description="radar floor above ground",
        tags={"units": "m", "k_factor": "1.333", "terrain": "GLOBE 30 arc-second"},
    )
    with rasterio.open(path) as src:
        assert src.count == 1 and src.dtypes[0] == "float32"
        assert CRS.from_wkt(src.crs.to_wkt()).equals(grid.crs)
        assert src.transform == grid.transform
        assert src.nodata is not None and np.isnan(src.nodata)
        assert src.descriptions[0] == "radar floor above ground"
        assert src.units[0] == "m"
        tags = src.tags()
        assert tags["k_factor"] == "1.333" and tags["terrain"] == "GLOBE 30 arc-second"
        assert tags["source"] == "test" and tags["units"] == "m"
        structure = src.tags(ns="IMAGE_STRUCTURE")
        assert structure["COMPRESSION"] == "ZSTD" and structure["PREDICTOR"] == "3"
        assert src.profile["tiled"] and src.block_shapes[0] == (256, 256)
        raw = src.read(1)
    np.testing.assert_array_equal(raw, values)  # NaN in the same cells (assert_array_equal treats NaN = NaN)
    back = read_geotiff(path)
    np.testing.assert_array_equal(back.values, values)
    assert back.transform == grid.transform and back.crs.equals(grid.crs) and back.source == "test"


@pytest.mark.parametrize("codec", ["deflate", "zstd", None])
def test_every_codec_reads_back_the_same_cells_in_gdal_3_6(tmp_path: Path, codec: str | None) -> None:
    """Each codec round-trips exactly, and Debian's gdal-bin (an older GDAL than rasterio's) reads the same
    cells: its checksum (a sum over the cells, GDAL's own) equals that of rasterio's read."""
    gdalinfo = shutil.which("gdalinfo")
    if gdalinfo is None:
        pytest.skip("gdal-bin is not installed")
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 3000, (520, 300)).astype(np.float32)
    values[:40] = np.nan
    path = write_geotiff(local_grid(values, cell_m=100.0), tmp_path / "f.tif", compress=codec)
    with rasterio.open(path) as src:
        np.testing.assert_array_equal(src.read(1), values)
        assert src.compression == (None if codec is None else rasterio.enums.Compression[codec])
        checksum = src.checksum(1)
    info = subprocess.run([gdalinfo, "-checksum", str(path)], capture_output=True, text=True, check=True)
    assert f"Checksum={checksum}" in info.stdout


def test_an_unknown_codec_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'jpeg' is not one of zstd, deflate or None"):
        write_geotiff(local_grid(np.zeros((3, 3), np.float32)), tmp_path / "f.tif", compress="jpeg")
    assert not (tmp_path / "f.tif").exists()


def test_float_geotiff_with_explicit_nodata(tmp_path: Path) -> None:
    values = np.array([[1.5, np.nan], [np.nan, -2.0]])
    path = write_geotiff(local_grid(values), tmp_path / "a.tif", nodata=-9999.0)
    with rasterio.open(path) as src:
        assert src.nodata == -9999.0
        np.testing.assert_array_equal(src.read(1), [[1.5, -9999.0], [-9999.0, -2.0]])
    np.testing.assert_array_equal(read_geotiff(path).values, values)


@pytest.mark.parametrize("epsg", [32636, 4326])
def test_integer_and_boolean_geotiffs_keep_crs_and_values(tmp_path: Path, epsg: int) -> None:
    cell = 1000.0 if epsg != 4326 else 1 / 120
    left, top = (500e3, 4.5e6) if epsg != 4326 else (32.0, 40.5)
    transform = Affine(cell, 0, left, 0, -cell, top)
    counts = np.arange(40 * 30, dtype=np.int16).reshape(40, 30)
    path = write_geotiff(Grid(counts, transform, CRS.from_epsg(epsg)), tmp_path / "n.tif", nodata=-1)
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == epsg
        assert src.transform.almost_equals(transform)
        assert src.nodata == -1 and src.dtypes[0] == "int16"
        assert src.tags(ns="IMAGE_STRUCTURE")["PREDICTOR"] == "2"
        np.testing.assert_array_equal(src.read(1), counts)
    mask = Grid(counts % 3 == 0, transform, CRS.from_epsg(epsg))
    back = read_geotiff(write_geotiff(mask, tmp_path / "m.tif"))
    assert back.values.dtype == np.uint8
    np.testing.assert_array_equal(back.values, mask.values)


def test_integer_nodata_must_fit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not fit"):
        write_geotiff(local_grid(np.zeros((2, 2), np.uint8)), tmp_path / "x.tif", nodata=-1)
    assert not list(tmp_path.iterdir())  # nothing half-written


# --------------------------------------------------------------------------------------------- polygons


def test_square_of_cells_has_its_geodesic_area() -> None:
    # 20 x 30 cells of 1 km, 300 to 330 km east of the centre of the local grid. Tolerance 1e-4: the cells'
    # true area differs from 1 km² by the aeqd areal scale (here ~ 1 + d²/(6 R²) = 1.0004), which
    # area_km2 accounts for; Geod's area of the densified polygon matches it to ~1e-6.
    values = np.zeros((60, 60), np.uint8)
    values[10:30, 20:50] = 1
    mask = local_grid(values, x0=280e3)
    polys = mask_to_polygons(mask)
    assert isinstance(polys, MultiPolygon) and len(polys.geoms) == 1
    assert geod_area_km2(polys) == pytest.approx(600.0, rel=1e-3)  # N cell², the brief's 0.1 %
    assert geod_area_km2(polys) == pytest.approx(area_km2(mask), rel=1e-5)
    # In the right place: the polygon's corners are the transformed cell corners.
    tr = Transformer.from_crs(mask.crs, WGS84, always_xy=True)
    lon, lat = tr.transform(280e3 + 20e3, 50e3 - 10e3)  # upper-left corner of cell (10, 20)
    assert polys.geoms[0].exterior.distance(Point(lon, lat)) < 1e-9
    assert polys.geoms[0].exterior.is_ccw  # RFC 7946 right-hand rule


def test_long_straight_edges_are_densified() -> None:
    # A 200 km square on UTM 36N: each side must follow the projected straight line, not the lon/lat chord
    # between its corners. With 1 km segments the polygon's geodesic area matches the cells' true area to
    # 1e-5 (the remaining difference: geodesic vs projected-straight 1 km segments, < 1 mm sag each).
    values = np.ones((200, 200), np.uint8)
    mask = Grid(values, Affine(1000.0, 0, 300e3, 0, -1000.0, 4.6e6), CRS.from_epsg(32636))
    polys = mask_to_polygons(mask)
    assert len(polys.geoms[0].exterior.coords) > 4 * 199
    assert geod_area_km2(polys) == pytest.approx(area_km2(mask), rel=1e-5)
    coarse = mask_to_polygons(mask, max_segment_m=1e6)
    assert len(coarse.geoms[0].exterior.coords) == 5


def test_hole_is_kept_and_empty_mask_is_empty() -> None:
    values = np.zeros((40, 40), np.uint8)
    values[5:35, 5:35] = 1
    values[15:25, 15:25] = 0
    mask = local_grid(values)
    polys = mask_to_polygons(mask)
    assert len(polys.geoms) == 1 and len(polys.geoms[0].interiors) == 1
    assert not polys.geoms[0].interiors[0].is_ccw
    assert geod_area_km2(polys) == pytest.approx(900 - 100, rel=1e-3)
    assert mask_to_polygons(local_grid(np.zeros((5, 5)))).is_empty
    nan_only = np.full((5, 5), np.nan)
    assert mask_to_polygons(local_grid(nan_only)).is_empty  # NaN is "no value", not covered


def test_simplify_in_metres() -> None:
    x = (np.arange(201) - 100) * 1000.0
    xx, yy = np.meshgrid(x, x)
    disk = local_grid((np.hypot(xx, yy) < 80e3).astype(np.uint8), x0=-100.5e3, y0=100.5e3)
    full = mask_to_polygons(disk, max_segment_m=1e6)  # no densifying, to count the simplified vertices
    simple = mask_to_polygons(disk, simplify_m=1500.0, max_segment_m=1e6)
    n_full, n_simple = len(full.geoms[0].exterior.coords), len(simple.geoms[0].exterior.coords)
    assert n_simple < n_full / 3
    # Moving the outline by at most 1.5 km on an 80 km disk changes the area by at most ~2 * 1.5 / 80.
    assert geod_area_km2(simple) == pytest.approx(geod_area_km2(full), rel=0.04)
    assert geod_area_km2(full) == pytest.approx(np.pi * 80**2, rel=0.01)


# --------------------------------------------------------------------------------------------- GeoJSON / KML


def holed_features() -> list[tuple[object, dict[str, object]]]:
    values = np.zeros((40, 40), np.uint8)
    values[5:35, 5:35] = 1
    values[15:25, 15:25] = 0
    polys = mask_to_polygons(local_grid(values))
    ring = LinearRing([(32.0, 39.5), (33.5, 39.5), (33.5, 40.5), (32.0, 39.5)])
    return [
        (
            polys,
            {"name": "F-16 at 3 km", "color": "#ff0000", "fill_opacity": 0.5, "area_km2": np.float64(800.0)},
        ),
        (Point(32.566, 40.076), {"name": "Mürted", "floor_m": float("nan")}),
        (ring, {"label": "ring"}),
        (LineString([(32.0, 39.0), (33.0, 40.0)]), {}),
    ]


def signed_area(ring: list[list[float]]) -> float:
    xy = np.asarray(ring)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def test_geojson_is_rfc7946(tmp_path: Path) -> None:
    path = write_geojson(holed_features(), tmp_path / "cov.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946 §4: no crs member
    kinds = [f["geometry"]["type"] for f in doc["features"]]
    assert kinds == ["MultiPolygon", "Point", "LineString", "LineString"]
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
    polygon = doc["features"][0]["geometry"]["coordinates"][0]
    assert len(polygon) == 2  # exterior and one hole
    exterior, hole = polygon
    for ring in polygon:
        assert ring[0] == ring[-1] and len(ring) >= 4
        for lon, lat in ring:
            assert 32.0 < lon < 33.5 and 39.5 < lat < 40.5  # lon first, near Ankara
            assert round(lon, 6) == lon and round(lat, 6) == lat
    assert signed_area(exterior) > 0 > signed_area(hole)  # RFC 7946 §3.1.6: exterior ccw, holes cw
    assert doc["features"][0]["properties"]["area_km2"] == 800.0
    assert doc["features"][1]["properties"] == {"name": "Mürted", "floor_m": None}  # JSON has no NaN
    assert doc["features"][1]["geometry"]["coordinates"] == [32.566, 40.076]
    ring = doc["features"][2]["geometry"]["coordinates"]
    assert ring[0] == ring[-1]


def test_kml_structure(tmp_path: Path) -> None:
    path = write_kml(holed_features(), tmp_path / "cov.kml", name="S-400 Ankara")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and 'xmlns="http://www.opengis.net/kml/2.2"' in text
    root = ET.parse(path).getroot()
    assert root.tag == f"{KML}kml"
    doc = root.find(f"{KML}Document")
    assert doc is not None and doc.findtext(f"{KML}name") == "S-400 Ankara"
    placemarks = doc.findall(f"{KML}Placemark")
    assert [p.findtext(f"{KML}name") for p in placemarks] == ["F-16 at 3 km", "Mürted", "ring", "feature 4"]
    # Styles precede the placemarks (KML 2.2 schema order) and carry aabbggrr colours.
    children = [c.tag for c in doc]
    assert max(i for i, t in enumerate(children) if t == f"{KML}Style") < children.index(f"{KML}Placemark")
    style_url = placemarks[0].findtext(f"{KML}styleUrl")
    assert style_url is not None
    style = doc.find(f"{KML}Style[@id='{style_url[1:]}']")
    assert style is not None
    assert style.findtext(f"{KML}LineStyle/{KML}color") == "ff0000ff"  # opaque red
    assert style.findtext(f"{KML}PolyStyle/{KML}color") == "800000ff"  # red at 50 %
    polygon = placemarks[0].find(f".//{KML}Polygon")
    assert polygon is not None
    outer = polygon.findall(f"{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates")
    inner = polygon.findall(f"{KML}innerBoundaryIs/{KML}LinearRing/{KML}coordinates")
    assert len(outer) == 1 and len(inner) == 1
    for coords in (*outer, *inner):
        assert coords.text is not None
        tuples = [tuple(map(float, t.split(","))) for t in coords.text.split()]
        assert tuples[0] == tuples[-1] and len(tuples) >= 4
        assert all(len(t) == 2 and 32.0 < t[0] < 33.5 and 39.5 < t[1] < 40.5 for t in tuples)  # lon,lat
    data = {d.get("name"): d.findtext(f"{KML}value") for d in placemarks[0].iter(f"{KML}Data")}
    assert data["area_km2"] == "800.0" and data["color"] == "#ff0000"
    assert placemarks[1].findtext(f"{KML}Point/{KML}coordinates") == "32.566,40.076"
    ring = placemarks[2].findtext(f"{KML}LineString/{KML}coordinates")
    assert ring is not None and ring.split()[0] == ring.split()[-1] == "32,39.5"


def test_kml_polygon_exterior_is_counter_clockwise(tmp_path: Path) -> None:
    # A clockwise input polygon comes out counter-clockwise (KML 2.2 §10.8 asks for it).
    cw = shapely.geometry.polygon.orient(Polygon([(32, 39), (33, 39), (33, 40), (32, 40)]), sign=-1.0)
    root = ET.parse(write_kml([(cw, {"name": "p"})], tmp_path / "p.kml", name="p")).getroot()
    text = root.findtext(f".//{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates")
    assert text is not None
    assert signed_area([list(map(float, t.split(","))) for t in text.split()]) > 0
