"""Scenario files (format v1): the contract between users and the engine, validated at the door.

Positions are ``[lat, lon]`` in degrees (WGS84); altitudes are metres with the reference given explicitly
(``{agl: 50}`` above ground or ``{amsl: 3000}`` above sea level). See ``DESIGN.md`` for the format.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from iadsim._yamlio import YamlDocument, describe_validation_error, read_yaml
from iadsim.catalog import FREE_SPACE_SURFACE, Catalog
from iadsim.errors import IadsimError
from iadsim.limits import K_RANGE, PD_RANGE

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike, NDArray

    from iadsim.physics.ballistic import BallisticTrajectory

    FloatArray = NDArray[np.float64]

#: Highest altitude a scenario may give, metres (above the reach of every catalog system and target).
MAX_ALTITUDE_M = 100_000.0
#: Longest scenario, s (one day).
MAX_DURATION_S = 86_400.0
#: Shortest and longest time step, s.
MIN_STEP_S, MAX_STEP_S = 0.01, 60.0
#: Slowest and fastest threat, m/s (a helicopter hovering forward; faster than any ballistic missile a
#: battery faces).
MIN_SPEED_MPS, MAX_SPEED_MPS = 1.0, 10_000.0
#: Highest apogee a ballistic raid may ask for, km (an intermediate-range missile's).
MAX_APOGEE_KM = 2_000.0
#: Shortest ballistic flight a raid may ask for, m.
MIN_BALLISTIC_RANGE_M = 10_000.0
#: Most threats in a raid, and in a scenario.
MAX_RAID_COUNT, MAX_THREATS = 10_000, 20_000
#: Most missiles of one type on a battalion's launchers or in its reserve, and most launchers.
MAX_MISSILES, MAX_LAUNCHERS = 10_000, 1_000
#: A sector radar closer than this to the nearest defended asset cannot face it by default, metres.
MIN_FACING_DISTANCE_M = 1_000.0


class ScenarioError(IadsimError):
    """A scenario file is malformed or refers to something the catalog does not have."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


#: A number: an integer or a decimal, not ``true`` or ``"3"`` (strict), finite (``allow_inf_nan``).
Num = Annotated[float, Strict()]
#: A whole number (not ``true``, not ``2.0``).
Count = Annotated[int, Strict()]

Position = Annotated[tuple[Num, Num], Field(description="[lat, lon] in degrees, WGS84")]


def _check_position(value: tuple[float, float]) -> tuple[float, float]:
    lat, lon = value
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside [-90, 90] (positions are [lat, lon])")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside [-180, 180]")
    return value


class Altitude(_Model):
    """A height in metres above ground level (``agl``) or above mean sea level (``amsl``): exactly one."""

    agl: Num | None = None
    amsl: Num | None = None

    @model_validator(mode="after")
    def _one(self) -> Altitude:
        given = [v for v in (self.agl, self.amsl) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of agl and amsl, e.g. {agl: 50}")
        if not 0.0 <= given[0] <= MAX_ALTITUDE_M:
            raise ValueError(f"altitude {given[0]} m is impossible: it must lie in [0, {MAX_ALTITUDE_M:g}] m")
        return self

    @property
    def reference(self) -> Literal["agl", "amsl"]:
        """``"agl"`` or ``"amsl"``."""
        return "agl" if self.agl is not None else "amsl"

    @property
    def metres(self) -> float:
        """The altitude in metres, above its reference."""
        return float(self.agl if self.agl is not None else self.amsl)  # type: ignore[arg-type]

    def label(self) -> str:
        """e.g. ``50 m AGL``."""
        return f"{self.metres:g} m {self.reference.upper()}"


class DefendedAsset(_Model):
    name: str
    position: Position
    radius_km: Num = Field(gt=0, le=1_000)

    _pos = field_validator("position")(_check_position)


class Battalion(_Model):
    """A fire unit: its engagement radar and launchers. ``missiles`` are the rounds on the launchers by
    type, ``reserve`` the rounds on transloaders (reloaded after the launcher's reload time)."""

    name: str
    position: Position
    launchers: Count | None = Field(default=None, ge=1, le=MAX_LAUNCHERS)
    missiles: dict[str, Count] | None = None
    reserve: dict[str, Count] | None = None
    mast_m: Num | None = Field(default=None, ge=0, le=200)
    facing_deg: Num | None = Field(default=None, ge=0, lt=360)

    _pos = field_validator("position")(_check_position)

    @field_validator("missiles", "reserve")
    @classmethod
    def _counts(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        for mid, n in (value or {}).items():
            if not 0 <= n <= MAX_MISSILES:
                raise ValueError(f"missile count for {mid} must lie in [0, {MAX_MISSILES}], got {n}")
        return value

    @field_validator("missiles")
    @classmethod
    def _some(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is not None and not any(value.values()):
            raise ValueError(
                "no missiles on the launchers: give at least one, or leave `missiles` out for the system's "
                "default loadout"
            )
        return value


class Unit(_Model):
    """A regiment (or battery): ``facing_deg`` (clockwise from true north) is where its sector radars face
    unless a battalion gives its own; by default, toward the nearest defended asset."""

    name: str
    system: str
    position: Position
    mast_m: Num | None = Field(default=None, ge=0, le=200)
    facing_deg: Num | None = Field(default=None, ge=0, lt=360)
    battalions: tuple[Battalion, ...] = Field(default=(), max_length=100)

    _pos = field_validator("position")(_check_position)


class Doctrine(_Model):
    """How the battalions fire: missiles per engagement, shoot-look-shoot, time to assess a kill (s)."""

    salvo: Count = Field(default=1, ge=1, le=8)
    shoot_look_shoot: Annotated[bool, Strict()] = True
    kill_assessment_s: Num = Field(default=5.0, ge=0, le=3_600)


class Options(_Model):
    """Engine options: false alarms per radar scan (Poisson mean) and how long after its last detection
    an engagement radar still holds a target for guidance (s)."""

    false_alarms_per_scan: Num = Field(default=0.0, ge=0, le=100)
    hold_s: Num = Field(default=12.0, gt=0, le=600)


class Waypoint(_Model):
    position: Position
    altitude: Altitude

    _pos = field_validator("position")(_check_position)


class Raid(_Model):
    """Threats of one catalog target class launched ``interval_s`` apart from ``start_s``.

    A raid flies its ``route`` (waypoints at a constant speed; the last is the aim point), or, with
    ``trajectory: ballistic``, a ballistic trajectory from ``launch`` to ``impact`` (a position, or the name
    of a defended asset): minimum-energy by default, ``lofted`` or ``depressed`` by ``profile``, or the
    trajectory of ``apogee_km`` (:func:`iadsim.physics.ballistic.profile_trajectory`). Its target must be a
    ballistic class of the catalog (one that gives a maximum range and a burn time).
    """

    name: str
    target: str
    count: Count = Field(ge=1, le=MAX_RAID_COUNT)
    start_s: Num = Field(default=0.0, ge=0, le=MAX_DURATION_S)
    interval_s: Num = Field(default=0.0, ge=0, le=MAX_DURATION_S)
    speed_mps: Num | None = Field(default=None, ge=MIN_SPEED_MPS, le=MAX_SPEED_MPS)
    trajectory: Literal["route", "ballistic"] = "route"
    route: tuple[Waypoint, ...] = Field(default=(), max_length=1_000, validate_default=True)
    launch: Position | None = None
    impact: Position | str | None = None
    profile: Literal["minimum-energy", "lofted", "depressed"] = "minimum-energy"
    apogee_km: Num | None = Field(default=None, gt=0, le=MAX_APOGEE_KM)

    @field_validator("launch", "impact")
    @classmethod
    def _position(cls, value: tuple[float, float] | str | None) -> tuple[float, float] | str | None:
        return _check_position(value) if isinstance(value, tuple) else value

    @field_validator("route")
    @classmethod
    def _route(cls, value: tuple[Waypoint, ...], info: ValidationInfo) -> tuple[Waypoint, ...]:
        if info.data.get("trajectory", "route") == "route" and len(value) < 2:
            raise ValueError(
                "a raid flies a route of at least two waypoints, or gives trajectory: ballistic with launch "
                "and impact"
            )
        return value

    @model_validator(mode="after")
    def _kind(self) -> Raid:
        if self.trajectory == "route":
            extra = [f for f in ("launch", "impact", "apogee_km") if getattr(self, f) is not None]
            if extra or self.profile != "minimum-energy":
                raise ValueError(
                    f"{(extra or ['profile'])[0]} belongs to a ballistic raid: add trajectory: ballistic"
                )
            return self
        if self.route:
            raise ValueError("a ballistic raid flies from launch to impact: give those instead of a route")
        if self.speed_mps is not None:
            raise ValueError("a ballistic raid's speed follows from its trajectory: leave speed_mps out")
        missing = [f for f in ("launch", "impact") if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a ballistic raid needs {' and '.join(missing)} ([lat, lon])")
        return self


class CoverageSpec(_Model):
    """What ``iadsim coverage map`` computes for the scenario's units (all optional)."""

    targets: tuple[str, ...] = ()
    altitudes: tuple[Altitude, ...] = ()
    pd: Num = Field(default=0.5, ge=PD_RANGE[0], le=PD_RANGE[1])
    k: Num = Field(default=4 / 3, ge=K_RANGE[0], le=K_RANGE[1])
    cell_m: Num | None = Field(default=None, ge=10, le=100_000)


class EnvironmentSpec(_Model):
    """The surface under the radars' signals: a catalog surface id (``iadsim catalog list --kind
    surfaces``), or ``none`` for free space; and whether its multipath (lobing, the loss near grazing,
    diffraction) and its clutter are modelled."""

    surface: str = "farmland"
    multipath: Annotated[bool, Strict()] = True
    clutter: Annotated[bool, Strict()] = True


class Scenario(_Model):
    """A validated scenario. ``source`` is the file it came from (if any), ``digest`` its SHA-256."""

    version: Literal[1]
    name: str
    description: str = ""
    terrain: str = "globe"
    duration_s: Num = Field(default=1800.0, gt=0, le=MAX_DURATION_S)
    step_s: Num = Field(default=1.0, ge=MIN_STEP_S, le=MAX_STEP_S)
    defended_assets: tuple[DefendedAsset, ...] = Field(default=(), max_length=1_000)
    units: tuple[Unit, ...] = Field(min_length=1, max_length=100)
    doctrine: Doctrine = Doctrine()
    raids: tuple[Raid, ...] = ()
    options: Options = Options()
    coverage: CoverageSpec = CoverageSpec()
    environment: EnvironmentSpec = EnvironmentSpec()
    source: str | None = Field(default=None, exclude=True)
    digest: str = Field(default="", exclude=True)
    lines: dict[str, int] = Field(default_factory=dict, exclude=True)

    def where(self, field: str = "") -> str:
        """``file:line`` of a field (``terrain``, ``raids.0.route.1.position``) of the file the scenario came
        from, for errors found after it was read; ``""`` for a scenario made in code."""
        if not self.source:
            return ""
        line = self.lines.get(field)
        return f"{self.source}:{line}" if line else self.source

    @field_validator("step_s")
    @classmethod
    def _step(cls, value: float, info: ValidationInfo) -> float:
        duration = info.data.get("duration_s")
        if duration is not None and value > duration:
            raise ValueError(
                f"a step of {value:g} s is longer than the scenario's duration_s, {duration:g} s"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        threats = sum(r.count for r in self.raids)
        if threats > MAX_THREATS:
            raise ValueError(f"{threats:,} threats in all raids; a scenario may have at most {MAX_THREATS:,}")
        return self

    def impact_of(self, raid: Raid) -> tuple[float, float]:
        """Where a ballistic raid falls, ``(lat, lon)``: its ``impact`` position, or that of the defended
        asset it names."""
        if isinstance(raid.impact, tuple):
            return raid.impact
        for asset in self.defended_assets:
            if asset.name == raid.impact:
                return asset.position
        names = ", ".join(a.name for a in self.defended_assets) or "none"
        raise ScenarioError(
            f"{self.where()}: raid {raid.name!r}: impact {raid.impact!r} is neither a [lat, lon] position "
            f"nor a defended asset (defended assets: {names})".lstrip(": ")
        )

    def path_of(self, raid: Raid) -> list[tuple[float, float]]:
        """The positions a raid passes, ``(lat, lon)``: its waypoints, or its launch and impact points."""
        if raid.trajectory == "ballistic":
            assert raid.launch is not None
            return [raid.launch, self.impact_of(raid)]
        return [w.position for w in raid.route]

    def flight_of(self, raid: Raid, catalog: Catalog) -> BallisticFlight:
        """The ballistic flight of a raid with ``trajectory: ballistic``: the trajectory of its profile over
        the WGS 84 geodesic from launch to impact, with the target class's burn time
        (:func:`iadsim.physics.ballistic.profile_trajectory`). ScenarioError names the field that makes it
        impossible: a target that is not a ballistic class, an impact beyond the class's maximum range, an
        apogee out of reach."""
        return _flight(self, raid, catalog, self.where)

    def flights(self, catalog: Catalog) -> dict[int, BallisticFlight]:
        """:meth:`flight_of` of every ballistic raid, by the raid's index."""
        raids = enumerate(self.raids)
        return {i: self.flight_of(raid, catalog) for i, raid in raids if raid.trajectory == "ballistic"}


@dataclass(frozen=True)
class BallisticFlight:
    """A ballistic raid's flight: the trajectory (spherical earth) and where it starts and ends on WGS 84."""

    trajectory: BallisticTrajectory
    launch: tuple[float, float]
    impact: tuple[float, float]

    def track(self, time_s: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Latitude, longitude (degrees) and height (m) ``time_s`` after launch
        (:func:`iadsim.physics.ballistic.track_on_ellipsoid`)."""
        from iadsim.physics.ballistic import track_on_ellipsoid

        return track_on_ellipsoid(self.trajectory, self.launch, self.impact, time_s)


def _flight(sc: Scenario, raid: Raid, cat: Catalog, where: Callable[[str], str]) -> BallisticFlight:
    from pyproj import Geod

    from iadsim.physics.ballistic import profile_trajectory

    index = next((i for i, r in enumerate(sc.raids) if r is raid), None)
    if index is None:
        index = sc.raids.index(raid)

    def error(field: str, message: str) -> ScenarioError:
        path = f"raids.{index}.{field}"
        at = where(path)
        return ScenarioError(f"{at + ': ' if at else ''}{path}: {message}")

    target = cat.targets.get(raid.target)
    if target is None:
        raise error("target", _unknown(cat, raid.target, "targets"))
    if not target.ballistic:
        ballistic = ", ".join(t for t, v in cat.targets.items() if v.ballistic)
        raise error(
            "target",
            f"{raid.target!r} cannot fly a ballistic trajectory (it gives no maximum range and burn time); "
            f"ballistic classes: {ballistic}",
        )
    if raid.launch is None or raid.impact is None:
        raise error("trajectory", "a ballistic raid needs launch and impact ([lat, lon])")
    impact = sc.impact_of(raid)
    (lat0, lon0), (lat1, lon1) = raid.launch, impact
    distance = float(Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2])
    assert target.max_range_m is not None and target.burn_time_s is not None
    reach = target.max_range_m.value
    if distance > reach:
        raise error(
            "impact",
            f"{distance / 1e3:,.0f} km from launch, beyond {raid.target}'s maximum range of "
            f"{reach / 1e3:,.0f} km",
        )
    if distance < MIN_BALLISTIC_RANGE_M:
        raise error(
            "impact",
            f"{distance:,.0f} m from launch: a ballistic flight needs at least "
            f"{MIN_BALLISTIC_RANGE_M / 1e3:g} km",
        )
    apogee = raid.apogee_km * 1e3 if raid.apogee_km is not None else None
    try:
        trajectory = profile_trajectory(distance, target.burn_time_s.value, raid.profile, apogee)
    except ValueError as exc:
        raise error("apogee_km" if apogee is not None else "profile", str(exc)) from None
    return BallisticFlight(trajectory, raid.launch, impact)


def default_facing_deg(position: tuple[float, float], assets: list[tuple[float, float]]) -> float | None:
    """Where a sector radar at ``position`` faces when the scenario does not say: the azimuth (degrees
    clockwise from true north, WGS84 geodesic) toward the nearest defended asset; ``None`` without assets or
    when the nearest stands within :data:`MIN_FACING_DISTANCE_M` of the radar."""
    if not assets:
        return None
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    lat, lon = position
    best = min(
        (geod.inv(lon, lat, a_lon, a_lat) for a_lat, a_lon in assets),
        key=lambda fwd_back_dist: fwd_back_dist[2],
    )
    if best[2] < MIN_FACING_DISTANCE_M:
        return None
    return float(best[0] % 360.0)


def builtin_scenarios() -> dict[str, Path]:
    """The scenarios shipped in the package, by name."""
    from importlib import resources

    folder = resources.files("iadsim") / "scenarios"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


def resolve_scenario(name_or_path: str, catalog: Catalog) -> Scenario:
    """Load a scenario by file path, or by the name of a built-in one (``iadsim scenarios`` lists them)."""
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise ScenarioError(f"{path}: no such scenario file")
        return load_scenario(path, catalog)
    builtins = builtin_scenarios()
    if name_or_path not in builtins:
        raise ScenarioError(
            f"unknown scenario {name_or_path!r}: not a file, nor a built-in ({', '.join(sorted(builtins))})"
        )
    return load_scenario(builtins[name_or_path], catalog)


def load_scenario(path: Path, catalog: Catalog) -> Scenario:
    """Read, validate and check a scenario file against the catalog; :class:`ScenarioError` lists every
    problem with its file, line and field."""
    doc = read_yaml(path, ScenarioError)
    if not isinstance(doc.data, dict):
        raise ScenarioError(f"{doc.where([])}: a scenario is a mapping with version, name, units, ...")
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(doc, exc)) from None
    problems = _check_against_catalog(doc, scenario, catalog)
    if problems:
        raise ScenarioError("\n".join(problems))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return scenario.model_copy(update={"source": str(path), "digest": digest, "lines": doc.lines()})


def _check_against_catalog(doc: YamlDocument, sc: Scenario, cat: Catalog) -> list[str]:
    problems: list[str] = []

    def bad(loc: list[Any], message: str) -> None:
        problems.append(f"{doc.where(loc)}: {'.'.join(str(p) for p in loc)}: {message}")

    assets = [a.position for a in sc.defended_assets]

    def sector_needs_facing(
        rids: tuple[str, ...], facing: float | None, position: tuple[float, float]
    ) -> str:
        sectors = [r for r in rids if r in cat.radars and cat.radars[r].sector_scan]
        if not sectors or facing is not None or default_facing_deg(position, assets) is not None:
            return ""
        why = "no defended asset" if not assets else "the nearest defended asset stands on it"
        return (
            f"the {', '.join(sectors)} cover(s) an azimuth sector: give facing_deg (degrees from north); "
            f"it cannot face a defended asset by default ({why})"
        )

    for i, unit in enumerate(sc.units):
        if unit.system not in cat.systems:
            bad(["units", i, "system"], _unknown(cat, unit.system, "systems"))
            continue
        system = cat.systems[unit.system]
        problem = sector_needs_facing(system.regiment_radars, unit.facing_deg, unit.position)
        if not unit.battalions:
            problem = problem or sector_needs_facing(system.battalion_radars, unit.facing_deg, unit.position)
        if problem:
            bad(["units", i], problem)
        for j, bn in enumerate(unit.battalions):
            facing = bn.facing_deg if bn.facing_deg is not None else unit.facing_deg
            problem = sector_needs_facing(system.battalion_radars, facing, bn.position)
            if problem:
                bad(["units", i, "battalions", j], problem)
            for mid in bn.missiles or {}:
                if mid not in system.missiles:
                    bad(
                        ["units", i, "battalions", j, "missiles", mid],
                        f"missile {mid!r} is not one of {unit.system}'s ({', '.join(system.missiles)})",
                    )
    asset_names = {a.name for a in sc.defended_assets}
    for i, raid in enumerate(sc.raids):
        if raid.target not in cat.targets:
            bad(["raids", i, "target"], _unknown(cat, raid.target, "targets"))
        elif raid.trajectory == "ballistic":
            if isinstance(raid.impact, str) and raid.impact not in asset_names:
                names = ", ".join(sorted(asset_names)) or "none"
                bad(
                    ["raids", i, "impact"],
                    f"{raid.impact!r} is neither a [lat, lon] position nor a defended asset (defended "
                    f"assets: {names})",
                )
                continue
            try:
                _flight(
                    sc,
                    raid,
                    cat,
                    lambda path: doc.where([int(p) if p.isdigit() else p for p in path.split(".")]),
                )
            except ScenarioError as exc:
                problems.append(str(exc))
    for i, tid in enumerate(sc.coverage.targets):
        if tid not in cat.targets:
            bad(["coverage", "targets", i], _unknown(cat, tid, "targets"))
    surface = sc.environment.surface
    if surface != FREE_SPACE_SURFACE and surface not in cat.surfaces:
        bad(["environment", "surface"], _unknown(cat, surface, "surfaces") + f", or {FREE_SPACE_SURFACE!r}")
    return problems


def _key(part: str) -> str | int:
    """A part of a dotted field path as a YAML key: a list index is a number."""
    return int(part) if part.isdigit() else part


def _unknown(cat: Catalog, entity_id: str, section: str) -> str:
    import difflib

    close = difflib.get_close_matches(entity_id, list(getattr(cat, section)), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; see `iadsim catalog list --kind {section}`"
    return f"unknown {section[:-1]} id {entity_id!r}{hint}"
