"""Coverage maps as PNG: hillshaded terrain, borders, coverage, sites and rings.

Maps are drawn in the elevation grid's CRS: local azimuthal-equidistant and other projected grids get axes
in km, geographic grids in degrees of longitude and latitude. Coverage masks and radar floors may sit on
other grids: masks are traced into polygons and transformed into the map's CRS; floors are drawn directly
when they share the map's CRS and reprojected (nearest cell) otherwise.

Figures are :class:`matplotlib.figure.Figure` objects on their own Agg canvas, made without ``pyplot``: no
backend is chosen and no global figure state is kept, so this module changes nothing for the rest of the
process.
"""

from __future__ import annotations

import math
import textwrap
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.patheffects as pe
import numpy as np
import rasterio.warp
import shapely
from affine import Affine
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, LightSource, LinearSegmentedColormap, ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray
from pyproj import CRS, Geod, Transformer
from rasterio.crs import CRS as RioCRS
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from iadsim._atomic import atomic_path
from iadsim.coverage.areas import BORDERS_CREDIT, countries_on_grid
from iadsim.coverage.export import METRES_PER_DEGREE, mask_to_polygons
from iadsim.terrain.grid import WGS84, Grid, metres_per_unit

WIDTH_IN = 10.0
DPI = 160  # 1600 px wide
#: zlib level of the maps' PNGs: a 1600 x 1712 map took 0.42 s at PIL's default 6, 0.17 s at 3, for 7%
#: more bytes (2.2 MB).
PNG_COMPRESS_LEVEL = 3
SEA_RGB = (0.80, 0.89, 0.95)
_GEOD = Geod(ellps="WGS84")
_HALO = [pe.withStroke(linewidth=3, foreground="white")]

FLOOR_BINS_M = (0.0, 50.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)
"""Bin edges (m above ground) of the radar-floor colour scale."""


@dataclass(frozen=True)
class MapLayer:
    """A coverage mask (non-zero, non-NaN cells covered; any grid and CRS) drawn as a filled outline."""

    mask: Grid
    label: str
    color: str


@dataclass(frozen=True)
class MapSite:
    """A site marker at a WGS84 position (degrees)."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class MapRing:
    """A geodesic circle of ``radius_m`` metres around a WGS84 position (degrees); ``style`` is a matplotlib
    line style ("--", "-", ":", "-."), ``color`` any matplotlib colour."""

    lat: float
    lon: float
    radius_m: float
    label: str
    style: str = "--"
    color: str = "black"


# --------------------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _View:
    crs: CRS
    bounds: tuple[float, float, float, float]  # left, bottom, right, top in CRS units
    metres_per_unit_x: float  # along x at the map centre
    metres_per_unit_y: float

    @property
    def aspect(self) -> float:
        """Height of one y unit over the width of one x unit on the map (1 for projected CRSs)."""
        return self.metres_per_unit_y / self.metres_per_unit_x

    @property
    def width_m(self) -> float:
        return (self.bounds[2] - self.bounds[0]) * self.metres_per_unit_x

    @property
    def extent_box(self) -> Polygon:
        return box(*self.bounds)

    def to_map(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[Any]]:
        x, y = Transformer.from_crs(WGS84, self.crs, always_xy=True).transform(lon, lat)
        return np.asarray(x), np.asarray(y)


def _view(elevation: Grid) -> _View:
    left, bottom, right, top = elevation.bounds
    if elevation.is_geographic:
        lat_mid = math.radians((bottom + top) / 2)
        return _View(
            elevation.crs, elevation.bounds, METRES_PER_DEGREE * math.cos(lat_mid), METRES_PER_DEGREE
        )
    unit = metres_per_unit(elevation.crs)
    return _View(elevation.crs, elevation.bounds, unit, unit)


def _block_mean(values: NDArray[Any], step: int) -> NDArray[np.float64]:
    """Mean over step×step blocks (NaN-aware), cropping any partial block at the right and bottom."""
    v = np.asarray(values, dtype=np.float64)
    if step <= 1:
        return v
    rows, cols = (v.shape[0] // step) * step, (v.shape[1] // step) * step
    blocks = v[:rows, :cols].reshape(rows // step, step, cols // step, step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks stay NaN
        return np.asarray(np.nanmean(blocks, axis=(1, 3)))


def _display_grid(
    grid: Grid, max_px: int = 1800
) -> tuple[NDArray[np.float64], tuple[float, float, float, float]]:
    """Values reduced to at most ``max_px`` cells a side (block means) and their imshow extent."""
    step = max(1, math.ceil(max(grid.shape) / max_px))
    values = _block_mean(grid.values, step)
    left, top = grid.transform.c, grid.transform.f
    dx, dy = grid.cell_size
    return values, (left, left + values.shape[1] * step * dx, top - values.shape[0] * step * dy, top)


_LAND = LinearSegmentedColormap.from_list(
    "iadsim_land",
    [
        (0.0, "#eef0e1"),
        (0.10, "#e6e4c8"),
        (0.25, "#dcd3b0"),
        (0.45, "#cdbd98"),
        (0.70, "#b8a58a"),
        (1.0, "#f4f1ee"),
    ],
)


def _draw_terrain(ax: Any, elevation: Grid, view: _View) -> None:
    rgb, extent = _shaded(elevation, view)
    ax.imshow(rgb, extent=extent, origin="upper", interpolation="antialiased", aspect=view.aspect, zorder=0)


#: The last hillshaded terrains (:func:`_shaded`): (elevation values, transform, CRS, RGB and extent).
_SHADED: list[tuple[weakref.ref[Any], Affine, CRS, tuple[NDArray[np.float64], tuple[float, ...]]]] = []
_SHADED_KEPT = 2


def _shaded(elevation: Grid, view: _View) -> tuple[NDArray[np.float64], tuple[float, ...]]:
    """The hillshaded colours of the terrain (read-only) and their imshow extent; the last two are kept,
    each while its elevation array lives (a study draws several maps on one grid; shading one took 0.8 s)."""
    for ref, transform, crs, done in _SHADED:
        if ref() is elevation.values and transform == elevation.transform and crs == elevation.crs:
            return done
    elev, extent = _display_grid(elevation)
    sea = ~(elev > 0)  # NaN counts as sea/no data
    land = np.where(sea, 0.0, elev)
    rows, cols = elev.shape
    dx_m = (extent[1] - extent[0]) / cols * view.metres_per_unit_x
    dy_m = (extent[3] - extent[2]) / rows * view.metres_per_unit_y
    # Relief at a cell of a few km is faint at true scale: exaggerate so slopes show, at most 30x.
    vert_exag = float(np.clip(dx_m / 100.0, 1.0, 30.0))
    ls = LightSource(azdeg=315, altdeg=40)
    colors = _LAND(np.clip(land / 4000.0, 0.0, 1.0))[..., :3]
    rgb = ls.shade_rgb(colors, land, blend_mode="soft", vert_exag=vert_exag, dx=dx_m, dy=dy_m, fraction=0.9)
    rgb[sea] = SEA_RGB
    rgb.setflags(write=False)
    _SHADED.insert(0, (weakref.ref(elevation.values), elevation.transform, elevation.crs, (rgb, extent)))
    del _SHADED[_SHADED_KEPT:]
    return rgb, extent


def _lines(geom: BaseGeometry) -> list[NDArray[np.float64]]:
    if isinstance(geom, LineString):
        return [np.asarray(geom.coords)] if not geom.is_empty else []
    if hasattr(geom, "geoms"):
        out: list[NDArray[np.float64]] = []
        for part in geom.geoms:
            out.extend(_lines(part))
        return out
    return []


def _draw_borders(ax: Any, elevation: Grid, view: _View) -> list[tuple[str, BaseGeometry]]:
    """Draw country outlines (coasts included); returns (name, geometry in the map CRS) to label later."""
    clip = view.extent_box.buffer(0.02 * (view.bounds[2] - view.bounds[0]))
    found = []
    for country, geom in countries_on_grid(elevation):
        for xy in _lines(geom.boundary.intersection(clip)):
            ax.plot(xy[:, 0], xy[:, 1], color="0.25", lw=0.8, zorder=3, solid_joinstyle="round")
        found.append((country.name, geom))
    return found


def _keep_out_boxes(fig: Any, ax: Any, artists: Sequence[Any]) -> list[Polygon]:
    """Data-space boxes of drawn artists (legend, scale bar) that labels must not cover."""
    renderer = fig.canvas.get_renderer()
    inv = ax.transData.inverted()
    out = []
    for artist in artists:
        bb = artist.get_window_extent(renderer)
        (x0, y0), (x1, y1) = inv.transform([(bb.x0, bb.y0), (bb.x1, bb.y1)])
        out.append(box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return out


def _label_countries(
    fig: Any,
    ax: Any,
    view: _View,
    countries: Sequence[tuple[str, BaseGeometry]],
    sites_xy: Sequence[tuple[float, float]],
    artists: Sequence[Any],
) -> None:
    """Country names at a representative point of their visible part, kept whole inside the map and away
    from sites, the legend and the scale bar; parts under 0.4 % of the map are not named."""
    left, bottom, right, top = view.bounds
    width = right - left
    ext = view.extent_box
    map_area = ext.area
    blocked = [Point(x, y).buffer(0.07 * width) for x, y in sites_xy]
    blocked += [b.buffer(0.01 * width) for b in _keep_out_boxes(fig, ax, artists)]
    keep_out = shapely.union_all(blocked) if blocked else Polygon()
    axes_w_pt = ax.get_window_extent().width * 72.0 / fig.dpi
    for name, geom in countries:
        visible = geom.intersection(ext)
        if visible.is_empty or visible.area < 0.004 * map_area:
            continue
        size = 11.0 if visible.area > 0.05 * map_area else 8.5
        # Half the text's width and height (DejaVu Sans bold capitals ~0.68 em wide), in data units.
        half_w = 0.5 * len(name) * 0.68 * size / axes_w_pt * width
        half_h = 0.6 * size / axes_w_pt * width
        room = box(left + half_w, bottom + half_h, right - half_w, top - half_h)
        if room.is_empty or not room.is_valid:
            continue
        free = visible.intersection(room).difference(keep_out)
        inset = free.buffer(-min(half_h, 0.02 * width))
        target = inset if not inset.is_empty else free
        if target.is_empty:
            continue
        if isinstance(target, MultiPolygon | shapely.GeometryCollection):
            target = max(target.geoms, key=lambda g: g.area)
        pt = target.representative_point()
        ax.text(
            pt.x,
            pt.y,
            name.upper(),
            fontsize=size,
            color="0.3",
            ha="center",
            va="center",
            style="italic",
            fontweight="bold",
            path_effects=_HALO,
            zorder=4,
            clip_on=True,
        )


def _polygon_path(geom: BaseGeometry) -> MplPath | None:
    polys = (
        list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    )
    verts: list[NDArray[np.float64]] = []
    codes: list[NDArray[np.uint8]] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 4:
                continue
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _draw_layers(ax: Any, layers: Sequence[MapLayer], view: _View) -> list[Any]:
    handles: list[Any] = []
    px_m = view.width_m / (WIDTH_IN * DPI)
    for layer in layers:
        polys = mask_to_polygons(
            layer.mask, simplify_m=0.5 * px_m, crs=view.crs, max_segment_m=max(px_m, 500.0)
        )
        path = _polygon_path(shapely.orient_polygons(polys, exterior_cw=False))
        face = to_rgba(layer.color, 0.28)
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=face, edgecolor="none", zorder=2))
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor=layer.color, lw=1.6, zorder=5))
        handles.append(
            Rectangle((0, 0), 1, 1, facecolor=face, edgecolor=layer.color, lw=1.6, label=layer.label)
        )
    return handles


def _draw_rings(ax: Any, rings: Sequence[MapRing], view: _View) -> list[Any]:
    handles: list[Any] = []
    left, bottom, right, top = view.bounds
    inner = box(
        left + 0.04 * (right - left),
        bottom + 0.04 * (top - bottom),
        right - 0.04 * (right - left),
        top - 0.04 * (top - bottom),
    )
    for ring in rings:
        az = np.linspace(0.0, 360.0, 721)
        lon, lat, _ = _GEOD.fwd(
            np.full(az.shape, ring.lon), np.full(az.shape, ring.lat), az, np.full(az.shape, ring.radius_m)
        )
        x, y = view.to_map(np.asarray(lon), np.asarray(lat))
        ax.plot(x, y, ls=ring.style, color=ring.color, lw=1.5, zorder=6, gid=f"ring:{ring.label}")
        handles.append(Line2D([], [], ls=ring.style, color=ring.color, lw=1.5, label=ring.label))
        # A short distance label on the ring where it is inside the map (north-east first).
        for a in (45.0, 135.0, 315.0, 225.0, 0.0, 90.0, 180.0, 270.0):
            i = int(round(a * 2))
            if inner.contains(Point(x[i], y[i])):
                ax.text(
                    x[i],
                    y[i],
                    f"{ring.radius_m / 1e3:g} km",
                    fontsize=8,
                    color=ring.color,
                    ha="center",
                    va="center",
                    path_effects=_HALO,
                    zorder=7,
                )
                break
    return handles


def _draw_sites(ax: Any, sites: Sequence[MapSite], view: _View) -> list[Any]:
    if not sites:
        return []
    x, y = view.to_map(np.array([s.lon for s in sites]), np.array([s.lat for s in sites]))
    ax.scatter(x, y, marker="^", s=70, facecolor="black", edgecolor="white", linewidth=1.2, zorder=8)
    for site, xi, yi in zip(sites, x, y, strict=True):
        ax.annotate(
            site.name,
            (xi, yi),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=9.5,
            fontweight="bold",
            path_effects=_HALO,
            zorder=9,
            annotation_clip=True,
        )
    return [
        Line2D(
            [],
            [],
            marker="^",
            ls="none",
            markersize=8,
            markerfacecolor="black",
            markeredgecolor="white",
            label="site",
        )
    ]


def _nice_length(target: float) -> float:
    """The largest of 1, 2, 5 × 10^n not above ``target`` (> 0)."""
    exp = 10.0 ** math.floor(math.log10(target))
    for m in (5.0, 2.0, 1.0):
        if m * exp <= target:
            return m * exp
    return exp


def _draw_scale_bar(ax: Any, view: _View) -> Any:
    """A two-part black and white bar of a round length (~1/5 of the map width) at the lower right, true
    at the map centre; returns its background box."""
    left, bottom, right, top = view.bounds
    width, height = right - left, top - bottom
    length_km = _nice_length(0.2 * view.width_m / 1e3)
    length_u = length_km * 1e3 / view.metres_per_unit_x
    bar_h = 0.011 * height
    x0 = right - 0.04 * width - length_u
    y0 = bottom + 0.04 * height
    pad = 0.012 * width
    background = Rectangle(
        (x0 - pad, y0 - pad),
        length_u + 2 * pad,
        bar_h + 0.035 * height + pad,
        facecolor="white",
        alpha=0.85,
        edgecolor="0.6",
        lw=0.6,
        zorder=10,
    )
    ax.add_patch(background)
    half = length_u / 2
    for i, color in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle((x0 + i * half, y0), half, bar_h, facecolor=color, edgecolor="black", lw=0.8, zorder=11)
        )
    ax.text(
        x0 + half,
        y0 + bar_h + 0.008 * height,
        f"{length_km:g} km",
        ha="center",
        va="bottom",
        fontsize=9,
        zorder=11,
    )
    return background


def _fmt_deg(v: float, pos_hemi: str, neg_hemi: str) -> str:
    return f"{abs(v):g}°{pos_hemi if v >= 0 else neg_hemi}"


def _axis_labels(ax: Any, crs: CRS) -> str:
    """Set tick formats and axis labels; returns a short description of the projection for the credits."""
    if crs.is_geographic:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt_deg(v, "E", "W")))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt_deg(v, "N", "S")))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        return "longitude/latitude (WGS84)"
    unit = metres_per_unit(crs)
    km = FuncFormatter(lambda v, _: f"{v * unit / 1e3:g}")
    ax.xaxis.set_major_formatter(km)
    ax.yaxis.set_major_formatter(km)
    op = crs.coordinate_operation
    if op is not None and "azimuthal equidistant" in op.method_name.lower():
        params = {p.name: float(p.value) for p in op.params}
        lat0 = params.get("Latitude of natural origin", 0.0)
        lon0 = params.get("Longitude of natural origin", 0.0)
        centre = f"{_fmt_deg(round(lat0, 3), 'N', 'S')} {_fmt_deg(round(lon0, 3), 'E', 'W')}"
        ax.set_xlabel(f"km east of {centre}")
        ax.set_ylabel(f"km north of {centre}")
        return f"azimuthal equidistant on {centre} (distances from the centre are true)"
    ax.set_xlabel(f"{crs.name}: easting (km)")
    ax.set_ylabel("northing (km)")
    return crs.name


def _figure(view: _View, right_in: float = 0.3, titled: bool = True) -> tuple[Any, Any]:
    left, bottom, right, top = view.bounds
    ratio = ((top - bottom) * view.metres_per_unit_y) / ((right - left) * view.metres_per_unit_x)
    margin_l, margin_t, margin_b = 0.85, (1.0 if titled else 0.3), 0.85
    axes_w = WIDTH_IN - margin_l - right_in
    axes_h = axes_w * ratio
    if axes_h > 14.0:  # very tall maps: keep the figure height sane, the map narrower
        axes_h = 14.0
    fig_h = axes_h + margin_t + margin_b
    fig = Figure(figsize=(WIDTH_IN, fig_h), dpi=DPI)
    FigureCanvasAgg(fig)  # its own canvas, not pyplot's: no backend chosen, no global state
    ax = fig.add_axes((margin_l / WIDTH_IN, margin_b / fig_h, axes_w / WIDTH_IN, axes_h / fig_h))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect(view.aspect, adjustable="box", anchor="C")
    ax.tick_params(labelsize=8.5)
    return fig, ax


def _titles(fig: Any, ax: Any, title: str, subtitle: str) -> None:
    fig_h = fig.get_figheight()
    if title:
        fig.text(0.085, 1 - 0.3 / fig_h, title, fontsize=14, fontweight="bold", va="top", ha="left")
    if subtitle:
        fig.text(
            0.085,
            1 - 0.62 / fig_h,
            textwrap.fill(subtitle, 140),
            fontsize=8.5,
            color="0.3",
            va="top",
            ha="left",
        )


def _credits(fig: Any, elevation: Grid, projection: str) -> None:
    source = elevation.source or "unspecified"
    text = f"Elevation: {source} · {BORDERS_CREDIT} · projection: {projection} · iadsim"
    fig.text(0.01, 0.008, textwrap.fill(text, 190), fontsize=6.5, color="0.45", ha="left", va="bottom")


@dataclass
class _Map:
    fig: Any
    ax: Any
    view: _View
    handles: list[Any]
    countries: list[tuple[str, BaseGeometry]]
    sites_xy: list[tuple[float, float]]
    scale_bar: Any


def _base_map(
    elevation: Grid,
    sites: Sequence[MapSite],
    rings: Sequence[MapRing],
    title: str,
    subtitle: str,
    right_in: float = 0.3,
) -> _Map:
    view = _view(elevation)
    fig, ax = _figure(view, right_in, titled=bool(title or subtitle))
    _draw_terrain(ax, elevation, view)
    countries = _draw_borders(ax, elevation, view)
    handles = _draw_rings(ax, rings, view)
    handles += _draw_sites(ax, sites, view)
    scale_bar = _draw_scale_bar(ax, view)
    projection = _axis_labels(ax, view.crs)
    _titles(fig, ax, title, subtitle)
    _credits(fig, elevation, projection)
    sx, sy = view.to_map(
        np.array([s.lon for s in sites], dtype=float), np.array([s.lat for s in sites], dtype=float)
    )
    return _Map(
        fig, ax, view, handles, countries, list(zip(sx.tolist(), sy.tolist(), strict=True)), scale_bar
    )


def _finish(m: _Map, path: Path) -> Path:
    """Legend, then the country names (which avoid it), then the atomic write."""
    artists = [m.scale_bar]
    if m.handles:
        leg = m.ax.legend(handles=m.handles, loc="upper left", fontsize=9, framealpha=0.92, edgecolor="0.6")
        leg.set_zorder(12)
        artists.append(leg)
    _label_countries(m.fig, m.ax, m.view, m.countries, m.sites_xy, artists)
    with atomic_path(path) as tmp:
        m.fig.savefig(tmp, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})
    return path


# --------------------------------------------------------------------------------------------- public


def coverage_map(
    path: Path,
    elevation: Grid,
    layers: Sequence[MapLayer],
    sites: Sequence[MapSite] = (),
    rings: Sequence[MapRing] = (),
    title: str = "",
    subtitle: str = "",
) -> Path:
    """Draw coverage over hillshaded terrain as a PNG (1600 px wide) in the elevation grid's CRS.

    ``elevation`` (metres above sea level; cells at or below 0 m and NaN are drawn as sea) sets the map's
    extent and CRS. Each layer's mask is traced into polygons, transformed to the map's CRS and drawn as a
    semi-transparent fill with an outline; its ``label`` goes into the legend. Sites are triangles with
    their names, rings geodesic circles (WGS84) with their radius marked. Country borders and names (World
    Borders 0.3, credited on the map), a scale bar in km and the elevation source are always drawn;
    ``subtitle`` is the line of assumptions under the title. Written atomically; returns ``path``.
    """
    return _finish(_coverage_figure(elevation, layers, sites, rings, title, subtitle), path)


def _coverage_figure(
    elevation: Grid,
    layers: Sequence[MapLayer],
    sites: Sequence[MapSite],
    rings: Sequence[MapRing],
    title: str,
    subtitle: str,
) -> _Map:
    m = _base_map(elevation, sites, rings, title, subtitle)
    m.handles[:0] = _draw_layers(m.ax, layers, m.view)
    return m


def _floor_on_map(
    floor: Grid, elevation: Grid
) -> tuple[NDArray[np.float64], tuple[float, float, float, float]]:
    """Floor values ready for imshow on the map: as they are in the same CRS, else reprojected (nearest)."""
    if floor.crs == elevation.crs:
        return _display_grid(floor)
    dst = np.full(elevation.shape, np.nan, dtype=np.float64)
    rasterio.warp.reproject(
        np.asarray(floor.values, dtype=np.float64),
        dst,
        src_transform=floor.transform,
        src_crs=RioCRS.from_wkt(floor.crs.to_wkt()),
        src_nodata=np.nan,
        dst_transform=elevation.transform,
        dst_crs=RioCRS.from_wkt(elevation.crs.to_wkt()),
        dst_nodata=np.nan,
        resampling=rasterio.warp.Resampling.nearest,
    )
    return _display_grid(elevation.with_values(dst))


def floor_map(
    path: Path,
    floor: Grid,
    elevation: Grid,
    sites: Sequence[MapSite] = (),
    rings: Sequence[MapRing] = (),
    title: str = "",
    subtitle: str = "",
) -> Path:
    """Draw the radar floor over hillshaded terrain as a PNG (1600 px wide) in the elevation grid's CRS.

    ``floor`` holds, per cell, the lowest height above ground (m) at which a target is seen; NaN cells (not
    seen at any height considered, or out of range) are left clear. Colours step at 0, 50, 100, 300, 1000,
    3000 and 10 000 m (darkest: lowest floor, the best-covered ground); values above 10 000 m are grey.
    The floor may be on another grid than the elevation (reprojected, nearest cell, when its CRS differs).
    Borders, sites, rings, scale bar and credits as in :func:`coverage_map`. Written atomically.
    """
    return _finish(_floor_figure(floor, elevation, sites, rings, title, subtitle), path)


def _floor_figure(
    floor: Grid,
    elevation: Grid,
    sites: Sequence[MapSite],
    rings: Sequence[MapRing],
    title: str,
    subtitle: str,
) -> _Map:
    m = _base_map(elevation, sites, rings, title, subtitle, right_in=1.3)
    fig, ax = m.fig, m.ax
    values, extent = _floor_on_map(floor, elevation)
    colors = matplotlib.colormaps["plasma"](np.linspace(0.0, 0.92, len(FLOOR_BINS_M) - 1))
    cmap = ListedColormap(colors).with_extremes(over="#9e9e9e", bad=(0, 0, 0, 0))
    norm = BoundaryNorm(FLOOR_BINS_M, cmap.N)  # above the last edge: the "over" colour
    image = ax.imshow(
        np.ma.masked_invalid(values),
        extent=extent,
        origin="upper",
        cmap=cmap,
        norm=norm,
        alpha=0.72,
        interpolation="nearest",
        aspect=m.view.aspect,
        zorder=2,
    )
    fig_w, fig_h = fig.get_size_inches()
    ax.apply_aspect()
    pos = ax.get_position()
    cax = fig.add_axes((pos.x1 + 0.25 / fig_w, pos.y0 + 0.15 * pos.height, 0.22 / fig_w, 0.7 * pos.height))
    cbar = fig.colorbar(image, cax=cax, extend="max", spacing="uniform", ticks=FLOOR_BINS_M)
    cbar.ax.set_yticklabels([f"{v:,.0f}" for v in FLOOR_BINS_M], fontsize=8)
    cbar.set_label("radar floor: lowest height seen above ground (m)", fontsize=9)
    return m
