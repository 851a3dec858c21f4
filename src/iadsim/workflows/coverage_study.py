"""A coverage study: the radars and missiles of one or more units over terrain, for several targets and
altitudes, with areas, the "ring vs real" table and every export written to a folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from pyproj import Geod, Transformer

from iadsim._atomic import atomic_path
from iadsim.catalog import Catalog
from iadsim.coverage.floor import Floor, radar_floor
from iadsim.coverage.maps import detection_coverage, engagement_coverage, ground_distance_m, overlap_count
from iadsim.deployment import Deployment, deploy
from iadsim.errors import InputError
from iadsim.scenario import Altitude, Scenario
from iadsim.terrain import Terrain, open_terrain
from iadsim.terrain.grid import WGS84, Grid, local_azimuth_rad

_GEOD = Geod(ellps="WGS84")
T = TypeVar("T")

#: Colours of the altitude layers on the maps, lowest first.
ALTITUDE_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b")


@dataclass(frozen=True)
class RadarSite:
    """One radar of the deployment, as the study reports it: unit and battalion, position, antenna height
    (m), the direction a sector radar faces (degrees from north; ``None`` for one that sees all round) and
    its sector, and the missiles it guides."""

    unit: str
    battalion: str | None
    radar_id: str
    lat: float
    lon: float
    mast_m: float
    facing_deg: float | None = None
    sector_deg: float = 360.0
    missiles: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """e.g. ``regiment-1/bn-1 92n6e``."""
        return f"{self.unit}{'/' + self.battalion if self.battalion else ''} {self.radar_id}"


@dataclass(frozen=True)
class AreaRow:
    """One line of the ring-vs-real table (km²)."""

    target: str
    altitude: str
    kind: str
    area_km2: float
    ring_area_km2: float
    by_country_km2: dict[str, float] = field(default_factory=dict)

    @property
    def percent_of_ring(self) -> float:
        """Covered area as a percentage of the advertised ring's area."""
        return 100.0 * self.area_km2 / self.ring_area_km2 if self.ring_area_km2 > 0 else float("nan")

    def as_dict(self) -> dict[str, object]:
        """Fields and the percentage, for JSON."""
        return {**asdict(self), "percent_of_ring": self.percent_of_ring}


@dataclass(frozen=True)
class CoverageResult:
    """What a study computed and wrote."""

    name: str
    terrain: str
    grid_cell_m: float
    rows: list[AreaRow]
    files: list[Path]
    sites: list[RadarSite]

    def as_dict(self) -> dict[str, object]:
        """Everything for ``--json``."""
        return {
            "name": self.name,
            "terrain": self.terrain,
            "grid_cell_m": self.grid_cell_m,
            "sites": [asdict(s) for s in self.sites],
            "rows": [r.as_dict() for r in self.rows],
            "files": [str(f) for f in self.files],
        }


def radar_sites(scenario: Scenario, deployment: Deployment) -> list[RadarSite]:
    """Every radar of a deployment (:func:`iadsim.deployment.deploy`), in its order."""
    sites = []
    for i, r in enumerate(deployment.radars):
        unit = deployment.units[r.unit]
        bn = r.battalion if r.battalion is not None and scenario.units[r.unit].battalions else None
        sector = float(np.degrees(r.model.sector_rad))
        sites.append(
            RadarSite(
                unit=unit.name,
                battalion=deployment.battalions[bn].name if bn is not None else None,
                radar_id=r.radar_id,
                lat=r.lat,
                lon=r.lon,
                mast_m=r.model.mast_height_m,
                facing_deg=r.facing_deg if sector < 360.0 else None,
                sector_deg=sector,
                missiles=tuple(m.id for m in deployment.guided_by(i)),
            )
        )
    return sites


@dataclass
class CoverageCache:
    """Terrain grids and radar floors kept between coverage studies of the same sites on the same terrain
    (the demo's studies over a surface and in free space differ only in what the radars see of the
    signal): give the same one to each :func:`run_coverage`. Keyed by everything they depend on."""

    grids: dict[tuple[object, ...], Grid] = field(default_factory=dict)
    floors: dict[tuple[object, ...], Floor] = field(default_factory=dict)


def _study_grid(
    terrain: Terrain, sites: Sequence[RadarSite], reach_m: float, cell_m: float, cache: CoverageCache
) -> tuple[Grid, tuple[object, ...]]:
    lat = float(np.mean([s.lat for s in sites]))
    lon = float(np.mean([s.lon for s in sites]))
    spread = max(_GEOD.inv(lon, lat, s.lon, s.lat)[2] for s in sites)
    key = (terrain.identity, lat, lon, reach_m + spread + 2 * cell_m, cell_m)
    grid = cache.grids.get(key)
    if grid is None:
        grid = cache.grids[key] = terrain.local_grid(lat, lon, reach_m + spread + 2 * cell_m, cell_m)
    return grid, key


def progress_total(scenario: Scenario, catalog: Catalog, cases: Sequence[tuple[str, Altitude]]) -> int:
    """How many messages :func:`run_coverage` gives its ``progress`` for these ``cases``: the terrain, each
    radar's floor, each case and each target's maps."""
    targets = dict.fromkeys(t for t, _ in cases)
    dep = deploy(scenario, catalog, target_classes=tuple(catalog.target(t).target_class for t in targets))
    return 1 + len(radar_sites(scenario, dep)) + len(cases) + len(targets)


def run_coverage(
    scenario: Scenario,
    catalog: Catalog,
    out_dir: Path,
    targets: Sequence[str] | None = None,
    altitudes: Sequence[Altitude] | None = None,
    terrain: Terrain | None = None,
    progress: Callable[[str], None] | None = None,
    cases: Sequence[tuple[str, Altitude]] | None = None,
    aspect: str = "nose",
    cache: CoverageCache | None = None,
) -> CoverageResult:
    """Detection and engagement coverage of the scenario's units; writes GeoTIFF, GeoJSON, KML and PNG.

    ``cases`` lists (target id, altitude) pairs; without it every target is taken at every altitude,
    targets and altitudes defaulting to the scenario's ``coverage`` section. All radars share one local
    azimuthal-equidistant grid around the units (cell size: the scenario's ``coverage.cell_m`` or the
    terrain's resolution / 2, at least 100 m). Each radar's floor is computed once with its own mast
    height; detection is single-look Pd >= ``coverage.pd`` within line of sight and elevation limits
    (:mod:`.maps`); engagement is the battalion radar's detection within its missiles' envelope. Areas
    are true ellipsoidal km² (:mod:`.areas`); the ring is each unit's advertised range around it. The
    scenario's ``environment`` (surface, multipath, clutter) applies as in the engine; each radar sees the
    target's RCS in its own band from ``aspect`` (``nose``: every target heads for the radar). ``cache``
    keeps the grid and floors for another study of the same sites (:class:`CoverageCache`).
    """
    from iadsim.catalog import ASPECTS
    from iadsim.coverage.areas import area_by_country, area_km2
    from iadsim.coverage.export import mask_to_polygons, write_geojson, write_kml
    from iadsim.coverage.raster import write_geotiff
    from iadsim.report.maps import MapLayer, MapRing, MapSite, coverage_map, floor_map
    from iadsim.workflows import layout

    if aspect not in ASPECTS:
        raise InputError(f"aspect: must be one of {', '.join(ASPECTS)}, got {aspect!r}")
    say = progress or (lambda _msg: None)
    spec = scenario.coverage
    if cases is None:
        target_ids = list(targets or spec.targets)
        alts = list(altitudes or spec.altitudes)
        if not target_ids:
            raise InputError("no targets: give --target or a coverage.targets list in the scenario")
        if not alts:
            raise InputError("no altitudes: give --altitude or a coverage.altitudes list in the scenario")
        cases = [(t, a) for t in target_ids for a in alts]
    by_target: dict[str, list[Altitude]] = {}
    for tid, alt in cases:
        catalog.target(tid)
        by_target.setdefault(tid, []).append(alt)
    dep = deploy(scenario, catalog, target_classes=tuple(catalog.target(t).target_class for t in by_target))
    sites = radar_sites(scenario, dep)
    terrain = terrain or open_terrain(scenario.terrain)
    cell = float(spec.cell_m or max(terrain.resolution_m / 2, 100.0))
    models = {s: r.model for s, r in zip(sites, dep.radars, strict=True)}
    guided = {s: dep.guided_by(i) for i, s in enumerate(sites)}
    rings = {u.name: catalog.system(u.system).advertised_range_m.value for u in scenario.units}
    reach = max([*rings.values(), *(min(m.instrumented_range_m, 1000e3) for m in models.values())])
    say(f"terrain {terrain.identity}: local grid of {cell:g} m cells")
    cache = cache if cache is not None else CoverageCache()
    grid, grid_key = _study_grid(terrain, sites, reach, cell, cache)
    to_grid = Transformer.from_crs(WGS84, grid.crs, always_xy=True)
    facing = {
        s: local_azimuth_rad(grid.crs, s.lat, s.lon, s.facing_deg) if s.facing_deg is not None else 0.0
        for s in sites
    }
    floors: dict[RadarSite, Floor] = {}
    for s in sites:
        say(f"radar floor of {s.label}")
        x, y = to_grid.transform(s.lon, s.lat)
        args = (x, y, models[s].mast_height_m, spec.k, min(models[s].instrumented_range_m, reach))
        floor = cache.floors.get((grid_key, *args))
        if floor is None:
            floor = cache.floors[(grid_key, *args)] = radar_floor(grid, *args)
        floors[s] = floor
    # every floor is a window of the common grid: put them back on it
    full = {s: _on_grid(f, grid) for s, f in floors.items()}

    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    ring_mask = np.zeros(grid.shape, dtype=bool)
    for unit in scenario.units:
        x, y = to_grid.transform(unit.position[1], unit.position[0])
        row, col = grid.index_of(x, y)
        ring_mask |= ground_distance_m(grid, row, col) <= rings[unit.name]
    ring_area = area_km2(grid.with_values(ring_mask))
    map_sites = _map_sites(scenario, MapSite)
    map_rings = [
        MapRing(
            u.position[0],
            u.position[1],
            rings[u.name],
            f"{catalog.system(u.system).name}: advertised {rings[u.name] / 1e3:.0f} km",
        )
        for u in scenario.units
    ]
    tags = {"terrain": terrain.identity, "k_factor": f"{spec.k:.6g}", "scenario": scenario.name}
    for s, f in floors.items():
        name = layout.map_name("floor", _slug(s.label), ".tif")
        files.append(
            write_geotiff(
                f.agl,
                out_dir / name,
                description=f"radar floor of {s.label} (m above ground)",
                tags={**tags, "units": "m above ground", "mast_m": f"{f.mast_m:g}"},
            )
        )
    first = sites[0]
    files.append(
        floor_map(
            out_dir / layout.map_name("floor", _slug(first.label), ".png"),
            full[first].agl,
            grid,
            map_sites,
            map_rings,
            title=f"Radar floor of {first.label}: lowest visible height above ground",
            subtitle=f"{terrain.identity}; k = {spec.k:.4g}; antenna {floors[first].mast_m:g} m",
        )
    )

    rows: list[AreaRow] = []
    features = []
    subtitle = (
        f"single-look Pd ≥ {spec.pd:g}, {aspect}-on; {terrain.identity}; k = {spec.k:.4g}; "
        f"surface: {dep.environment.describe()}"
    )
    for tid, alts in by_target.items():
        tgt = catalog.target(tid)
        sw = int(tgt.swerling.value)
        layers: dict[str, list[MapLayer]] = {"detection": [], "engagement": []}
        for a_i, alt in enumerate(alts):
            say(f"coverage against {tgt.id} at {alt.label()}")
            det = [
                detection_coverage(
                    full[s],
                    models[s],
                    tgt.rcs(models[s].band, aspect)[1].value,
                    sw,
                    alt.metres,
                    alt.reference,
                    spec.pd,
                    facing[s],
                    dep.environment,
                )
                for s in sites
            ]
            eng = [
                engagement_coverage(
                    full[s],
                    models[s],
                    guided[s],
                    tgt.rcs(models[s].band, aspect)[1].value,
                    sw,
                    alt.metres,
                    alt.reference,
                    spec.pd,
                    tgt.target_class,
                    facing[s],
                    dep.environment,
                )
                for s in sites
                if guided[s]
            ]
            colour = ALTITUDE_COLOURS[a_i % len(ALTITUDE_COLOURS)]
            for kind, masks in (("detection", det), ("engagement", eng)):
                if not masks:
                    continue
                count = overlap_count(masks)
                union = count.with_values(np.asarray(count.values) > 0)
                area = area_km2(union)
                rows.append(AreaRow(tgt.id, alt.label(), kind, area, ring_area, area_by_country(union)))
                stem = layout.map_name(kind, f"{tgt.id}-{_slug(alt.label())}", "")
                files.append(
                    write_geotiff(
                        count,
                        out_dir / f"{stem}.tif",
                        nodata=None,
                        description=f"{kind} coverage count, {tgt.id} at {alt.label()}",
                        tags={**tags, "units": "number of radars covering"},
                    )
                )
                name = f"{kind} of {tgt.name} at {alt.label()}"
                props = {"kind": kind, "target": tgt.id, "altitude": alt.label(), "area_km2": round(area, 1)}
                features.append(
                    (mask_to_polygons(union, simplify_m=cell / 2), {**props, "color": colour, "name": name})
                )
                verb = "detected" if kind == "detection" else "engaged"
                layers[kind].append(MapLayer(union, f"{verb} at {alt.label()}: {area:,.0f} km²", colour))
        say(f"maps for {tgt.id}")
        what = f"{tgt.name} (RCS {tgt.rcs_m2.value:g} m²)"
        files.append(
            coverage_map(
                out_dir / layout.map_name("detection", tgt.id, ".png"),
                grid,
                layers["detection"],
                map_sites,
                map_rings,
                title=f"{scenario.name}: where the radars detect an {what}",
                subtitle=subtitle,
            )
        )
        if layers["engagement"]:
            files.append(
                coverage_map(
                    out_dir / layout.map_name("engagement", tgt.id, ".png"),
                    grid,
                    layers["engagement"],
                    map_sites,
                    map_rings,
                    title=f"{scenario.name}: where the missiles can engage an {what}",
                    subtitle=subtitle + "; engagement radar detection within the missile envelope",
                )
            )
    for s in sites:
        features.append((_point(s.lon, s.lat), {"kind": "site", "name": s.label, "radar": s.radar_id}))
    for u in scenario.units:
        features.append(
            (
                _ring(u.position[0], u.position[1], rings[u.name]),
                {"kind": "ring", "name": f"{u.name} advertised range", "radius_km": rings[u.name] / 1e3},
            )
        )
    files.append(write_geojson(features, out_dir / layout.COVERAGE_GEOJSON))
    files.append(write_kml(features, out_dir / layout.COVERAGE_KML, name=scenario.name))
    result = CoverageResult(scenario.name, terrain.identity, cell, rows, files, sites)
    table = out_dir / layout.RING_VS_REAL_JSON
    with atomic_path(table) as tmp:
        tmp.write_text(
            json.dumps(result.as_dict(), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    files.append(table)
    return result


def _map_sites(scenario: Scenario, make: Callable[[str, float, float], T]) -> list[T]:
    """Map markers: units and battalions; those within 15 km of each other share one marker and label."""
    points = [(u.name, *u.position) for u in scenario.units]
    points += [(b.name, *b.position) for u in scenario.units for b in u.battalions]
    groups: list[list[tuple[str, float, float]]] = []
    for p in points:
        for g in groups:
            if _GEOD.inv(g[0][2], g[0][1], p[2], p[1])[2] < 15e3:
                g.append(p)
                break
        else:
            groups.append([p])
    return [make(" / ".join(n for n, _, _ in g), g[0][1], g[0][2]) for g in groups]


def _on_grid(floor: Floor, grid: Grid) -> Floor:
    """A floor computed on a window of ``grid``, placed on the whole grid (NaN outside the window)."""
    rows, cols = floor.window_on(grid)
    r0, c0 = rows.start, cols.start
    agl = np.full(grid.shape, np.nan, dtype=np.float32)
    agl[rows, cols] = floor.agl.values
    terrain = np.asarray(grid.values, dtype=np.float32)
    return Floor(
        grid.with_values(agl, floor.agl.source),
        grid.with_values(terrain),
        floor.row + r0,
        floor.col + c0,
        floor.antenna_amsl_m,
        floor.mast_m,
        floor.k,
        floor.max_range_m,
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text.lower()).strip("-")


def _point(lon: float, lat: float):  # type: ignore[no-untyped-def]
    from shapely.geometry import Point

    return Point(lon, lat)


def _ring(lat: float, lon: float, radius_m: float):  # type: ignore[no-untyped-def]
    from shapely.geometry import LineString

    az = np.linspace(0.0, 360.0, 361)
    lons, lats, _ = _GEOD.fwd(np.full(az.shape, lon), np.full(az.shape, lat), az, np.full(az.shape, radius_m))
    return LineString(list(zip(lons, lats, strict=True)))
