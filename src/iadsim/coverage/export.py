"""Coverage exports: polygons of masks, GeoJSON (RFC 7946) and KML 2.2 (GeoTIFF rasters are in
:mod:`iadsim.coverage.raster`).

Vector outputs are in WGS84 longitude/latitude degrees (the only CRS GeoJSON and KML allow); polygons
come from the cell edges of a mask, densified before they are transformed so that an edge that is straight
in the grid's projection stays where it was.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry import (
    GeometryCollection,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    mapping,
    shape,
)
from shapely.geometry.base import BaseGeometry

from iadsim._atomic import atomic_path
from iadsim.terrain.grid import WGS84, Grid, metres_per_unit

KML_NS = "http://www.opengis.net/kml/2.2"
COORD_DECIMALS = 6
"""Decimals kept in GeoJSON/KML coordinates: 1e-6 degree is about 0.11 m, finer than any DEM cell."""

METRES_PER_DEGREE = 111_320.0
"""Metres per degree of latitude (and of longitude at the equator), to turn metre tolerances into degrees."""

Feature = tuple[BaseGeometry, Mapping[str, Any]]


# --------------------------------------------------------------------------------------------- polygons


def _truthy(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Cells that count as covered: non-zero and not NaN."""
    if np.issubdtype(values.dtype, np.floating):
        return np.asarray((values != 0) & ~np.isnan(values))
    return np.asarray(values != 0)


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """The polygonal part of ``geom`` as a MultiPolygon (empty when it has none)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom]) if not geom.is_empty else MultiPolygon()
    if isinstance(geom, GeometryCollection):
        polys: list[Polygon] = []
        for part in geom.geoms:
            polys.extend(_as_multipolygon(part).geoms)
        return MultiPolygon(polys)
    return MultiPolygon()


def transform_geometry(
    geom: BaseGeometry, src: CRS, dst: CRS, max_segment: float | None = None
) -> BaseGeometry:
    """``geom`` from CRS ``src`` to CRS ``dst`` (x/y order: longitude first for geographic CRSs).

    When ``max_segment`` (in ``src`` units) is given, edges are first split so that none is longer, so
    that a straight edge in ``src`` follows its true path in ``dst``.
    """
    if max_segment is not None and max_segment > 0:
        geom = shapely.segmentize(geom, max_segment)
    if CRS.from_user_input(src) == CRS.from_user_input(dst):
        return geom
    tr = Transformer.from_crs(src, dst, always_xy=True)

    def fn(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        xx, yy = tr.transform(x, y)
        return np.asarray(xx), np.asarray(yy)

    return shapely.transform(geom, fn, interleaved=False)


def _metres_to_crs_units(crs: CRS, metres: float) -> float:
    """A length in metres expressed in the units of ``crs`` (degrees of latitude for geographic CRSs)."""
    if crs.is_geographic:
        return metres / METRES_PER_DEGREE
    return metres / metres_per_unit(crs)


def mask_to_polygons(
    mask: Grid,
    simplify_m: float | None = None,
    *,
    crs: CRS | None = None,
    max_segment_m: float = 1000.0,
) -> MultiPolygon:
    """The covered cells (non-zero, not NaN) of ``mask`` as polygons, by default in WGS84 lon/lat degrees.

    Cells are traced along their edges (4-connected, :func:`rasterio.features.shapes`) and collected, so
    holes are kept. ``simplify_m`` (metres) simplifies the outlines in the grid's CRS before they are
    transformed: parts and holes smaller than ``simplify_m``² are dropped (they would collapse), the rest
    simplified by Douglas-Peucker to within ``simplify_m`` and repaired where rings came to cross. Edges
    longer than ``max_segment_m`` metres are split before the transform, which keeps a long straight edge
    of the grid within millimetres of its true position. ``crs`` picks another output CRS (the map code
    uses the map's CRS). Exteriors run counter-clockwise, holes clockwise (as
    RFC 7946 asks). An empty mask gives an empty MultiPolygon.
    """
    covered = _truthy(np.asarray(mask.values))
    if not covered.any():
        return MultiPolygon()
    data = covered.astype(np.uint8)
    # shapes() traces each 4-connected region once, holes included: the regions are disjoint (at most
    # touching at a corner), so collecting them is their union without the cost of one.
    merged = MultiPolygon(
        [shape(geom) for geom, _ in rasterio.features.shapes(data, mask=covered, transform=mask.transform)]
    )
    if simplify_m:
        tol = _metres_to_crs_units(mask.crs, simplify_m)
        merged = _drop_small(merged, tol * tol)
        # Douglas-Peucker ring by ring, then repaired where a ring came to cross another: far faster than
        # GEOS's topology-preserving simplifier on masks with many thousand holes.
        merged = merged.simplify(tol, preserve_topology=False)
        if not merged.is_valid:
            merged = shapely.make_valid(merged, method="structure", keep_collapsed=False)
    out_crs = WGS84 if crs is None else crs
    # A smooth projection change keeps valid polygons valid (no check: it costs seconds on big masks).
    out = transform_geometry(merged, mask.crs, out_crs, _metres_to_crs_units(mask.crs, max_segment_m))
    return _as_multipolygon(shapely.orient_polygons(out, exterior_cw=False))


def _drop_small(polys: MultiPolygon, min_area: float) -> MultiPolygon:
    """``polys`` without the parts and holes smaller than ``min_area`` (CRS units²)."""
    kept = []
    for poly in polys.geoms:
        if poly.area < min_area:
            continue
        n = len(poly.interiors)
        if n:
            holes = shapely.get_interior_ring(poly, np.arange(n))
            big = shapely.area(shapely.polygons(holes)) >= min_area
            if not big.all():
                poly = Polygon(poly.exterior, [h.coords for h in holes[big]])
        kept.append(poly)
    return MultiPolygon(kept)


# --------------------------------------------------------------------------------------------- GeoJSON


def _round_coords(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.round(xy, COORD_DECIMALS), include_z=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"property value {value!r} of type {type(value).__name__} is not JSON serialisable")


def _json_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties with non-finite floats (NaN, ±inf) as null: JSON has no such numbers."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
            value = None
        out[str(key)] = value
    return out


def _geojson_geometry(geom: BaseGeometry) -> dict[str, Any]:
    if isinstance(geom, LinearRing):  # GeoJSON has no ring type: a closed LineString
        geom = LineString(geom.coords)
    geom = _round_coords(shapely.orient_polygons(geom, exterior_cw=False))
    return dict(mapping(geom))


def write_geojson(features: Sequence[Feature], path: Path) -> Path:
    """Write ``(geometry, properties)`` pairs as an RFC 7946 FeatureCollection; returns ``path``.

    Geometries must already be WGS84 longitude/latitude degrees (as :func:`mask_to_polygons` gives);
    coordinates are rounded to 1e-6 degree, polygon exteriors run counter-clockwise and holes clockwise.
    Properties must be JSON-serialisable (numpy scalars are converted, NaN and infinities become null).
    Written atomically as UTF-8.
    """
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": _geojson_geometry(geom), "properties": _json_properties(props)}
            for geom, props in features
        ],
    }
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(
                collection, ensure_ascii=False, allow_nan=False, default=_json_default, separators=(",", ":")
            ),
            encoding="utf-8",
        )
    return path


# --------------------------------------------------------------------------------------------- KML


def _kml_color(color: Any, alpha: float | None = None) -> str:
    """A matplotlib colour as KML's ``aabbggrr`` hex; ``alpha`` (0–1) overrides the colour's own."""
    from matplotlib.colors import to_rgba  # only here: matplotlib is slow to import

    r, g, b, a = to_rgba(color)
    if alpha is not None:
        a = alpha
    return "".join(f"{round(v * 255):02x}" for v in (a, b, g, r))


def _has_alpha(color: Any) -> bool:
    if isinstance(color, str):
        return color.startswith("#") and len(color) in (5, 9)
    return isinstance(color, Sequence) and len(color) == 4


def _kml_coords(coords: Any) -> str:
    return " ".join(",".join(f"{v:.{COORD_DECIMALS}f}".rstrip("0").rstrip(".") for v in c) for c in coords)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _kml_geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    if isinstance(geom, Point):
        _sub(_sub(parent, "Point"), "coordinates", _kml_coords(geom.coords))
    elif isinstance(geom, LineString | LinearRing):
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _kml_coords(geom.coords))
    elif isinstance(geom, Polygon):
        geom = shapely.orient_polygons(geom, exterior_cw=False)
        poly = _sub(parent, "Polygon")
        _sub(poly, "tessellate", "1")
        outer = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _kml_coords(geom.exterior.coords))
        for hole in geom.interiors:
            inner = _sub(_sub(poly, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _kml_coords(hole.coords))
    elif isinstance(geom, MultiPolygon | MultiLineString | MultiPoint | GeometryCollection):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)
    else:
        raise TypeError(f"cannot write a {geom.geom_type} to KML")


def write_kml(features: Sequence[Feature], path: Path, name: str) -> Path:
    """Write ``(geometry, properties)`` pairs (WGS84 lon/lat degrees) as a KML 2.2 document; returns ``path``.

    Each feature becomes a Placemark named by its ``name`` (or ``label``) property: polygons with their
    holes, points (sites), lines (rings and routes; a LinearRing is written as a closed LineString), and
    MultiGeometry for collections. Each gets a Style from its ``color`` (or ``stroke``: outline and line
    colour, any matplotlib colour), ``fill`` (polygon fill; from ``color`` when absent), ``fill_opacity``
    (0–1; default 0.4 unless the fill colour carries an alpha) and ``width`` (line width in pixels). All
    properties are also written as ExtendedData. Coordinates are ``lon,lat[,alt]``. Written atomically.
    """
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", name)
    # Document-level styles first, then the placemarks (the order the KML 2.2 schema gives).
    for i, (_, props) in enumerate(features):
        line_color = props.get("color", props.get("stroke", "#333333"))
        fill = props.get("fill", line_color)
        opacity = props.get("fill_opacity", props.get("fill-opacity"))
        if opacity is None and not _has_alpha(fill):
            opacity = 0.4
        style = _sub(doc, "Style")
        style.set("id", f"style-{i}")
        line_style = _sub(style, "LineStyle")
        _sub(line_style, "color", _kml_color(line_color))
        _sub(line_style, "width", f"{float(props.get('width', props.get('stroke-width', 2))):g}")
        poly_style = _sub(style, "PolyStyle")
        _sub(poly_style, "color", _kml_color(fill, None if opacity is None else float(opacity)))
    for i, (geom, props) in enumerate(features):
        placemark = _sub(doc, "Placemark")
        _sub(placemark, "name", str(props.get("name", props.get("label", f"feature {i + 1}"))))
        _sub(placemark, "styleUrl", f"#style-{i}")
        if props:
            extended = _sub(placemark, "ExtendedData")
            for key, value in props.items():
                data = _sub(extended, "Data")
                data.set("name", str(key))
                _sub(data, "value", str(value))
        _kml_geometry(placemark, geom)
    tree = ET.ElementTree(root)
    ET.indent(tree, space=" ")
    with atomic_path(path) as tmp:
        tree.write(tmp, encoding="UTF-8", xml_declaration=True)
    return path
