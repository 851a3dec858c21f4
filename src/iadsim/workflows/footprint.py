"""The defended footprint study (``iadsim coverage footprint``): a catalog system at a site against a
catalog ballistic missile class launched from a launch area, computed (:mod:`iadsim.coverage.footprint`),
optionally over draws of the disputed catalog figures, and written to a folder.

A footprint folder::

    defended-share.tif       share of the threatening launch points from which each cell is defended
    intercept-window.tif     shortest intercept window over them (s)
    defended-draws.tif       share of the draws in which each cell is defended (with --uncertainty)
    footprint.geojson        the defended area (and the 50% / 90% contours of the draws), site, launch area
    footprint.png            the map
    areas-by-country.csv     defended km² per country
    footprint.json           everything the command reports
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iadsim._atomic import atomic_path
from iadsim.catalog import Catalog, Figure
from iadsim.coverage.footprint import (
    MIN_RANGE_M,
    Battery,
    Footprint,
    FootprintGeometry,
    Threat,
    TrajectoryTable,
    compute_footprint,
    footprint_geometry,
    half_width_for,
    range_span_m,
    track_error_m,
    trajectory_table,
)
from iadsim.deployment import Deployment, FigureLedger, FigureUse, deploy
from iadsim.errors import InputError
from iadsim.interceptors import EnvelopeLimits
from iadsim.scenario import EnvironmentSpec, Scenario, Unit

DEFENDED_TIF = "defended-share.tif"
WINDOW_TIF = "intercept-window.tif"
DRAWS_TIF = "defended-draws.tif"
FOOTPRINT_GEOJSON = "footprint.geojson"
FOOTPRINT_PNG = "footprint.png"
AREAS_CSV = "areas-by-country.csv"
FOOTPRINT_JSON = "footprint.json"

#: Called with a description, the work done and the work in all (impact points of the current footprint).
StudyProgress = Callable[[str, int, int], None]

#: Shares of the draws whose contours the study reports (defended in at least this share of the draws).
DRAW_LEVELS = (0.5, 0.9)

#: The figures of an engagement radar the footprint reads (a draw of any other changes nothing).
RADAR_FIELDS = (
    "reference_range_m",
    "reference_rcs_m2",
    "reference_pd",
    "reference_pfa",
    "reference_swerling",
    "mast_height_m",
    "min_elevation_deg",
    "max_elevation_deg",
    "instrumented_range_m",
    "azimuth_sector_deg",
    "scan_period_s",
)
#: The figures of a missile the footprint reads: its ballistic envelope and its flight profile.
MISSILE_FIELDS = (
    "envelopes.ballistic-missile.min_range_m",
    "envelopes.ballistic-missile.max_range_m",
    "envelopes.ballistic-missile.min_altitude_m",
    "envelopes.ballistic-missile.max_altitude_m",
    "envelopes.aircraft.max_range_m",
    "max_speed_mps",
    "burn_time_s",
    "average_speed_mps",
    "max_target_speed_mps",
)


@dataclass(frozen=True)
class LaunchArea:
    """A launch area: a geodesic disc around a centre (degrees), radius in m."""

    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class FootprintResult:
    """What a footprint study computed and wrote (areas in km², true ellipsoidal areas): the battery as
    modelled (detection range against the RV, m; delay from a confirmed track to launch, s), the areas
    threatened, defended against every launch point and against some, per country, the straight tracks'
    error (:func:`~iadsim.coverage.footprint.track_error_m`), whether the defended area (or a draw's)
    reaches the grid's edge, the catalog figures it read (``figures``: name -> value), and with draws the
    areas defended in at least 50% and 90% of them, the figures drawn and those held."""

    system: str
    system_name: str
    site: tuple[float, float]
    threat: str
    threat_name: str
    launch_area: LaunchArea
    launch_points: int
    cells: int
    cell_m: float
    half_width_m: float
    pd: float
    detection_m: float
    delay_s: float
    scan_period_s: float
    facing_deg: float
    missiles: tuple[str, ...]
    threatened_km2: float
    defended_km2: float
    partly_defended_km2: float
    by_country_km2: dict[str, float]
    track_length_error_m: float
    track_offset_m: float
    reaches_edge: bool
    uncertainty: int = 0
    seed: int = 0
    draws_km2: dict[str, float] = field(default_factory=dict)
    draws_by_country_km2: dict[str, dict[str, float]] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    drawn: list[dict[str, object]] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """Everything, for ``--json`` and ``footprint.json``."""
        out = asdict(self)
        out["files"] = [str(f) for f in self.files]
        return out


def _figure_high(fig: Figure) -> float:
    """The high end of a figure's claims (its value when it has no range)."""
    return float(fig.range[1]) if fig.range is not None else float(fig.value)


def widest_envelopes(catalog: Catalog, battery: Battery) -> list[EnvelopeLimits]:
    """The battery's ballistic envelopes with the high end of every claim (the grid holds every draw)."""
    out = []
    for m in battery.missiles:
        env = catalog.missile(m.id).envelopes.get("ballistic-missile")
        if env is not None:
            out.append(
                EnvelopeLimits(
                    env.min_range_m.value,
                    _figure_high(env.max_range_m),
                    env.min_altitude_m.value,
                    _figure_high(env.max_altitude_m),
                )
            )
    return out


def footprint_figures(deployment: Deployment, catalog: Catalog, battery_index: int = 0) -> list[FigureUse]:
    """The catalog figures of the deployment that the footprint of battery ``battery_index`` reads: its
    engagement radar's detection, geometry and scan period, its missiles' ballistic envelopes and flight
    profiles, the system's reaction time and the command post's processing delay."""
    bn = deployment.battalions[battery_index]
    unit = deployment.units[bn.unit]
    system = catalog.system(unit.system)
    names = {f"{deployment.radars[bn.radar].radar_id}.{f}" for f in RADAR_FIELDS} if bn.radar >= 0 else set()
    names |= {f"{m.id}.{f}" for m in bn.missiles for f in MISSILE_FIELDS}
    names.add(f"{system.id}.reaction_time_s")
    if system.command_post:
        names.add(f"{system.command_post}.processing_delay_s")
    return [use for name, use in sorted(deployment.figures.items()) if name in names]


def _scenario(system: str, site: tuple[float, float], facing_deg: float) -> Scenario:
    return Scenario(
        version=1,
        name=f"{system} footprint",
        terrain="flat",
        units=(Unit(name=system, system=system, position=site, facing_deg=facing_deg),),
        environment=EnvironmentSpec(surface="none"),
    )


@dataclass
class _Draw:
    """One set of figures: the battery and the threat they give."""

    battery: Battery
    threat: Threat
    uses: list[FigureUse]


def _setup(
    catalog: Catalog,
    scenario: Scenario,
    system: str,
    threat_id: str,
    values: Mapping[str, float] | None = None,
) -> _Draw:
    dep = deploy(scenario, catalog, values, target_classes=("ballistic-missile",))
    try:
        battery = Battery.from_deployment(dep)
    except InputError as exc:
        raise InputError(f"--system: {system}: {exc}") from None
    ledger = FigureLedger(values)
    threat = Threat.from_catalog(catalog.target(threat_id), battery.radar.band, ledger.reader(threat_id))
    return _Draw(battery, threat, [*footprint_figures(dep, catalog), *ledger.used.values()])


@dataclass(frozen=True)
class FootprintStudy:
    """A footprint study with its inputs checked (:func:`plan_footprint`), ready to run (:func:`run_study`).

    Attributes:
        catalog: The catalog.
        system: Catalog system of the battery.
        site: (lat, lon) of the battery, degrees.
        threat: Catalog id of the ballistic missile class.
        launch_area: Where it is launched from.
        scenario: The one-unit scenario the battery is deployed from (sector radars facing the launch area).
        geometry: The impact grid and the launch points.
        span_m: Shortest and longest range of the pairs any draw can threaten (the trajectory tables').
        pd: Single-look detection probability of the radar's range.
        uncertainty: Draws of the disputed figures.
        seed: Seed of the draws.
    """

    catalog: Catalog
    system: str
    site: tuple[float, float]
    threat: str
    launch_area: LaunchArea
    scenario: Scenario
    geometry: FootprintGeometry
    span_m: tuple[float, float]
    pd: float = 0.5
    uncertainty: int = 0
    seed: int = 0

    def battery_and_threat(self, values: Mapping[str, float] | None = None) -> tuple[Battery, Threat]:
        """The battery and the threat with the catalog's figures, or ``values`` in place of some."""
        d = _setup(self.catalog, self.scenario, self.system, self.threat, values)
        return d.battery, d.threat


def plan_footprint(
    catalog: Catalog,
    system: str,
    site: tuple[float, float],
    threat: str,
    launch_area: LaunchArea,
    launch_points: int = 50,
    cells: int = 200,
    half_width_m: float | None = None,
    pd: float = 0.5,
    uncertainty: int = 0,
    seed: int = 0,
) -> FootprintStudy:
    """Check a study's inputs (:class:`InputError` naming the option and the value) and lay out its grid.

    The battery is the system's deployment at ``site`` as one unit (:func:`iadsim.deployment.deploy`), its
    sector radars facing the launch area's centre; the grid's half-width defaults to
    :func:`~iadsim.coverage.footprint.half_width_for` of the widest claims of its missiles' ballistic
    envelopes. A study none of whose launch points reaches a cell of the grid is refused."""
    from pyproj import Geod

    from iadsim.coverage.footprint import detection_range_m

    catalog.system(system)
    target = catalog.target(threat)
    if not target.ballistic or target.max_range_m is None or target.burn_time_s is None:
        raise InputError(
            f"--threat: {threat} ({target.name}) is not a ballistic missile class: it gives no maximum range "
            "and burn time"
        )
    if uncertainty < 0:
        raise InputError(f"--uncertainty: the number of draws cannot be negative, got {uncertainty}")
    azimuth, _, distance = Geod(ellps="WGS84").inv(site[1], site[0], launch_area.lon, launch_area.lat)
    facing = float(azimuth) % 360.0 if distance > 1.0 else 0.0  # (sector radars face the launch area)
    scenario = _scenario(system, site, facing if facing < 360.0 else 0.0)
    base = _setup(catalog, scenario, system, threat)
    detection_range_m(base.threat, base.battery, pd)  # (an impossible Pd is refused here)
    if half_width_m is None:
        half_width_m = half_width_for(widest_envelopes(catalog, base.battery))
    geometry = footprint_geometry(
        site, (launch_area.lat, launch_area.lon), launch_area.radius_m, launch_points, cells, half_width_m
    )
    max_reach = _figure_high(target.max_range_m)
    span = range_span_m(geometry.impacts_xy, geometry.launch_xy, max_reach)
    if span is None:
        near, far = _distances(geometry)
        raise InputError(
            f"--launch-area: no point of the grid lies within reach of a launch from "
            f"{launch_area.lat:g},{launch_area.lon:g},{launch_area.radius_m / 1e3:g}: the {threat} flies "
            f"{MIN_RANGE_M / 1e3:g} to {max_reach / 1e3:g} km, and the launch points lie "
            f"{near / 1e3:,.0f} to {far / 1e3:,.0f} km from the grid's cells"
        )
    return FootprintStudy(
        catalog, system, site, threat, launch_area, scenario, geometry, span, pd, uncertainty, seed
    )


def run_study(
    study: FootprintStudy,
    out_dir: Path,
    progress: StudyProgress | None = None,
    tables: dict[float, TrajectoryTable] | None = None,
) -> FootprintResult:
    """Compute a planned study and write its files to ``out_dir`` (see the module docstring).

    The footprint with the catalog's values, then, with ``study.uncertainty`` draws
    (:func:`iadsim.montecarlo.uncertainty.draw`, streams spawned from ``study.seed``) of the disputed
    figures the footprint reads (:func:`footprint_figures`, and the threat's), the share of the draws in
    which each cell is defended. The threat's figures are drawn from a stream of their own in each draw, so
    that studies of other batteries with the same seed face the same threats (common random numbers). A
    trajectory table is computed once per burn time drawn, kept in ``tables`` (by burn time; pass one
    dict to studies of the same threat to share them)."""
    from iadsim.montecarlo.uncertainty import disputed_figures, draw

    started = time.perf_counter()
    say = progress or (lambda _d, _a, _b: None)
    catalog, system, threat = study.catalog, study.system, study.threat
    geometry = study.geometry
    base = _setup(catalog, study.scenario, system, threat)
    tables = {} if tables is None else tables

    def table(burn_time_s: float) -> TrajectoryTable:
        low, high = study.span_m
        found = tables.get(burn_time_s)
        if found is None or not found.covers(low, high):
            if found is not None:  # (a table of another study: one table spanning both)
                low, high = min(low, found.r0_m), max(high, float(found.ranges_m[-1]))
            say(f"trajectories of {threat} (burn {burn_time_s:.3g} s)", 0, 1)
            tables[burn_time_s] = trajectory_table(burn_time_s, low, high)
        return tables[burn_time_s]

    def compute(d: _Draw, what: str) -> Footprint:
        t = table(d.threat.burn_time_s)
        return compute_footprint(
            geometry, d.threat, d.battery, study.pd, t, progress=lambda done, total: say(what, done, total)
        )

    result = compute(base, "footprint")
    disputed = disputed_figures({u.name: u for u in base.uses}.values())
    draws_defended: NDArray[np.float64] | None = None
    threatened_any = result.threatened > 0
    if study.uncertainty > 0:
        n = study.uncertainty
        count = np.zeros(geometry.grid.shape)
        own = [d for d in disputed if d.name.startswith(f"{threat}.")]
        rest = [d for d in disputed if not d.name.startswith(f"{threat}.")]
        for i, seq in enumerate(np.random.SeedSequence(study.seed).spawn(n)):
            threat_seq, battery_seq = seq.spawn(2)
            values = {**draw(own, threat_seq), **draw(rest, battery_seq)}
            drawn = _setup(catalog, study.scenario, system, threat, values)
            fp_i = compute(drawn, f"draw {i + 1}/{n}")
            count += np.asarray(fp_i.defended.values, dtype=np.float64)
            threatened_any |= fp_i.threatened > 0
        draws_defended = count / n
    say("writing files", 0, 1)
    out = _write(out_dir, study, result, base, draws_defended, threatened_any, disputed, started)
    say("done", 1, 1)
    return out


def _distances(geometry: FootprintGeometry) -> tuple[float, float]:
    """Shortest and longest distance (m, in the plane) between the launch points and the grid's cells."""
    cells = geometry.impacts_xy
    d = [np.hypot(cells[:, 0] - x, cells[:, 1] - y) for x, y in geometry.launch_xy]
    return float(min(a.min() for a in d)), float(max(a.max() for a in d))


def _write(
    out_dir: Path,
    study: FootprintStudy,
    result: Footprint,
    base: _Draw,
    draws_defended: NDArray[np.float64] | None,
    threatened_any: NDArray[np.bool_],
    disputed: list[Any],
    started: float,
) -> FootprintResult:
    """Areas, rasters, polygons, the map, the CSV and the JSON."""
    from iadsim.coverage.areas import area_by_country, area_km2
    from iadsim.coverage.raster import write_geotiff
    from iadsim.montecarlo.uncertainty import fixed_figures

    catalog, system, site, threat = study.catalog, study.system, study.site, study.threat
    geometry, launch_area, pd = study.geometry, study.launch_area, study.pd
    uncertainty, seed = study.uncertainty, study.seed
    threat_name = catalog.target(threat).name
    out_dir.mkdir(parents=True, exist_ok=True)
    grid = geometry.grid
    battery = base.battery
    share = result.share
    defended = result.defended
    by_country = area_by_country(defended)
    defended_km2 = float(sum(by_country.values()))
    share_values = np.asarray(share.values)
    with np.errstate(invalid="ignore"):
        partly = grid.with_values(share_values > 0)
    threatened_km2 = area_km2(grid.with_values(result.threatened > 0))
    edge = np.asarray(defended.values)
    if draws_defended is not None:
        edge = edge | (draws_defended > 0)
    reaches_edge = bool(edge[0].any() or edge[-1].any() or edge[:, 0].any() or edge[:, -1].any())
    length_err, offset = track_error_m(geometry)
    cell_m = 2.0 * geometry.half_width_m / grid.shape[0]
    system_name = catalog.system(system).name
    tags = {
        "system": system,
        "site": f"{site[0]:.6f},{site[1]:.6f}",
        "threat": threat,
        "launch_area": f"{launch_area.lat:.6f},{launch_area.lon:.6f},{launch_area.radius_m:g} m",
        "launch_points": str(geometry.launch_xy.shape[0]),
        "pd": f"{pd:g}",
        "terrain": "flat (sea level)",
    }
    files = [
        write_geotiff(
            share,
            out_dir / DEFENDED_TIF,
            description=f"share of the launch points from which {system} defends the cell against {threat}",
            tags={**tags, "units": "fraction"},
        ),
        write_geotiff(
            result.window,
            out_dir / WINDOW_TIF,
            description="shortest intercept window over the threatening launch points (s)",
            tags={**tags, "units": "s"},
        ),
    ]
    draws_km2: dict[str, float] = {}
    draws_by_country: dict[str, dict[str, float]] = {}
    level_masks = {}
    if draws_defended is not None:
        values = np.where(threatened_any, draws_defended, np.nan).astype(np.float32)
        files.append(
            write_geotiff(
                grid.with_values(values, source="share of the draws in which the cell is defended"),
                out_dir / DRAWS_TIF,
                description=f"share of {uncertainty} draws of the disputed figures in which each cell is "
                "defended",
                tags={**tags, "units": "fraction", "draws": str(uncertainty), "seed": str(seed)},
            )
        )
        for level in DRAW_LEVELS:
            key = f"{round(100 * level)}%"
            mask = grid.with_values(draws_defended >= level - 1e-12)
            level_masks[key] = mask
            draws_by_country[key] = area_by_country(mask)
            draws_km2[key] = float(sum(draws_by_country[key].values()))
    files.append(
        _geojson(
            out_dir / FOOTPRINT_GEOJSON,
            geometry,
            defended,
            defended_km2,
            level_masks,
            draws_km2,
            system,
            threat,
        )
    )
    files.append(
        _map(
            out_dir / FOOTPRINT_PNG, geometry, defended, partly, level_masks, draws_km2, defended_km2,
            f"{system_name} against {threat}", system_name, battery, pd, uncertainty,
        )
    )  # fmt: skip
    files.append(_csv(out_dir / AREAS_CSV, by_country, draws_by_country))
    uses = {u.name: u for u in base.uses}.values()
    res = FootprintResult(
        system=system,
        system_name=system_name,
        site=site,
        threat=threat,
        threat_name=threat_name,
        launch_area=launch_area,
        launch_points=int(geometry.launch_xy.shape[0]),
        cells=int(grid.shape[0]),
        cell_m=cell_m,
        half_width_m=geometry.half_width_m,
        pd=pd,
        detection_m=result.detection_m,
        delay_s=battery.delay_s,
        scan_period_s=battery.scan_period_s,
        facing_deg=math.degrees(battery.facing_rad) % 360.0,
        missiles=tuple(m.id for m in battery.missiles),
        threatened_km2=threatened_km2,
        defended_km2=defended_km2,
        partly_defended_km2=area_km2(partly),
        by_country_km2=by_country,
        track_length_error_m=length_err,
        track_offset_m=offset,
        reaches_edge=reaches_edge,
        uncertainty=uncertainty,
        seed=seed,
        draws_km2=draws_km2,
        draws_by_country_km2=draws_by_country,
        figures={u.name: u.value for u in sorted(uses, key=lambda u: u.name)},
        drawn=[x.describe() for x in disputed] if uncertainty else [],
        held=fixed_figures(uses) if uncertainty else [],
        files=files,
    )
    path = out_dir / FOOTPRINT_JSON
    res = FootprintResult(
        **{**res.__dict__, "files": [*files, path], "seconds": time.perf_counter() - started}
    )
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(res.as_dict(), indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return res


def _geojson(
    path: Path,
    geometry: FootprintGeometry,
    defended: Any,
    defended_km2: float,
    level_masks: dict[str, Any],
    draws_km2: dict[str, float],
    system: str,
    threat: str,
) -> Path:
    from pyproj import Geod
    from shapely.geometry import MultiPoint, Point, Polygon

    from iadsim.coverage.export import Feature, mask_to_polygons, write_geojson

    cell = 2.0 * geometry.half_width_m / geometry.grid.shape[0]
    features: list[Feature] = [
        (
            mask_to_polygons(defended, simplify_m=cell / 2),
            {
                "kind": "defended",
                "name": f"{system} defends against every launch point of {threat}",
                "area_km2": round(defended_km2, 1),
                "color": "#d62728",
            },
        )
    ]
    for key, mask in level_masks.items():
        features.append(
            (
                mask_to_polygons(mask, simplify_m=cell / 2),
                {
                    "kind": "defended-draws",
                    "min_share_of_draws": float(key.rstrip("%")) / 100,
                    "name": f"defended in at least {key} of the draws",
                    "area_km2": round(draws_km2[key], 1),
                    "color": "#ff7f0e" if key == "50%" else "#8c2d04",
                },
            )
        )
    lat, lon = geometry.site
    features.append((Point(lon, lat), {"kind": "site", "name": system}))
    clat, clon = geometry.launch_centre
    if geometry.launch_radius_m > 0:
        az = np.linspace(0.0, 360.0, 181)
        lons, lats, _ = Geod(ellps="WGS84").fwd(
            np.full(az.shape, clon), np.full(az.shape, clat), az, np.full(az.shape, geometry.launch_radius_m)
        )
        area: Any = Polygon(list(zip(lons, lats, strict=True)))
    else:
        area = Point(clon, clat)
    features.append(
        (area, {"kind": "launch-area", "name": "launch area", "radius_km": geometry.launch_radius_m / 1e3})
    )
    features.append(
        (
            MultiPoint(list(zip(geometry.launch_lon, geometry.launch_lat, strict=True))),
            {"kind": "launch-points", "name": "launch points", "count": int(geometry.launch_xy.shape[0])},
        )
    )
    return write_geojson(features, path)


def _map(
    path: Path,
    geometry: FootprintGeometry,
    defended: Any,
    partly: Any,
    level_masks: dict[str, Any],
    draws_km2: dict[str, float],
    defended_km2: float,
    title: str,
    system_name: str,
    battery: Battery,
    pd: float,
    uncertainty: int,
) -> Path:
    """The map: the embedded terrain (GLOBE, for orientation only: the footprint is computed on flat
    terrain) over the grid and the launch area."""
    from affine import Affine

    from iadsim.report.maps import MapLayer, MapRing, MapSite, coverage_map
    from iadsim.terrain import open_terrain
    from iadsim.terrain.grid import Grid

    hw = geometry.half_width_m
    cx, cy = geometry.launch_xy.mean(axis=0) if geometry.launch_xy.size else (0.0, 0.0)
    r = geometry.launch_radius_m
    left, right = min(-hw, cx - r), max(hw, cx + r)
    bottom, top = min(-hw, cy - r), max(hw, cy + r)
    pad = 0.06 * max(right - left, top - bottom)
    left, right, bottom, top = left - pad, right + pad, bottom - pad, top + pad
    cell = max(right - left, top - bottom) / 500.0
    cols, rows = max(int(math.ceil((right - left) / cell)), 2), max(int(math.ceil((top - bottom) / cell)), 2)
    transform = Affine(cell, 0.0, left, 0.0, -cell, top)
    crs = geometry.grid.crs
    try:
        elevation = open_terrain("globe").resample(transform, (rows, cols), crs)
    except Exception:  # (the backdrop only: a map without relief rather than no map)
        elevation = Grid(np.zeros((rows, cols), dtype=np.float32), transform, crs, "none")
    layers = []
    if uncertainty and level_masks:
        layers += [
            MapLayer(
                level_masks["50%"],
                f"defended in ≥ 50% of {uncertainty} draws: {draws_km2['50%']:,.0f} km²",
                "#ff7f0e",
            ),
            MapLayer(
                level_masks["90%"], f"defended in ≥ 90% of draws: {draws_km2['90%']:,.0f} km²", "#8c2d04"
            ),
        ]
    else:
        layers.append(MapLayer(partly, "defended against some launch points", "#ff7f0e"))
    layers.append(
        MapLayer(defended, f"defended against every launch point: {defended_km2:,.0f} km²", "#d62728")
    )
    clat, clon = geometry.launch_centre
    sites = [MapSite(system_name, *geometry.site)]
    rings = []
    if r >= 1.0:
        rings.append(
            MapRing(
                clat, clon, r, f"launch area ({geometry.launch_xy.shape[0]} launch points)", "-", "#6a3d9a"
            )
        )
    else:
        sites.append(MapSite("launch point", clat, clon))
    subtitle = (
        f"engagement radar {battery.radar.id}: single-look Pd ≥ {pd:g}; {battery.delay_s:g} s from track to "
        f"launch; computed on flat terrain (relief for orientation only); {geometry.grid.shape[0]} × "
        f"{geometry.grid.shape[1]} cells"
    )
    return coverage_map(
        path, elevation, layers, sites, rings, title=f"Defended footprint: {title}", subtitle=subtitle
    )


def _csv(path: Path, by_country: dict[str, float], draws: dict[str, dict[str, float]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["country", "defended_km2", *(f"defended_{k.rstrip('%')}pct_of_draws_km2" for k in draws)]
    )
    names = list(dict.fromkeys([*by_country, *(n for d in draws.values() for n in d)]))
    for name in names:
        writer.writerow(
            [name, f"{by_country.get(name, 0.0):.1f}", *(f"{d.get(name, 0.0):.1f}" for d in draws.values())]
        )
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return path
