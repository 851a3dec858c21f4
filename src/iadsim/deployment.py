"""A scenario's deployment, described once for the engine and the coverage maps: where each radar and
battery stands and which way it faces, what each battery carries, and what its missiles reach.

Every catalog figure the deployment reads goes through a :class:`FigureLedger`, which records it (so a
study can say which figures it used) and can give it another value (a draw of the disputed figures under
``--uncertainty``). The rules of placement:

- a unit's regiment radars (acquisition, command post) stand at the unit's position; each battalion's
  radars and launchers at the battalion's; a unit without battalions is one battery at its own position;
- antenna height: the battalion's ``mast_m``, else the unit's, else the radar's catalog mast height;
- a sector radar (catalog ``azimuth_sector_deg`` below 360) faces the scenario's ``facing_deg`` (the
  battalion's, else the unit's), else the nearest defended asset (:func:`iadsim.scenario.default_facing_deg`);
- a battery's launchers, rounds and reserve come from the scenario's battalion, else the system's default
  loadout and launcher count; its missile types are the system's that it carries on launchers or in reserve;
- fire channels and missiles guided are the engagement radar's figures, else its system's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from iadsim.catalog import Catalog, Figure, System
from iadsim.errors import InputError
from iadsim.interceptors import FigureReader, InterceptorModel
from iadsim.scenario import Battalion, Scenario, default_facing_deg
from iadsim.sensors import Environment, RadarModel

#: How a figure may be drawn: any value in its range, whole numbers, or one of a few levels (figures that
#: change where a radar sees, whose every value needs its floor or visibility computed anew).
FigureKind = Literal["real", "count", "level"]

#: Figures that are whole numbers (by field name, or by the name of the mapping that holds them).
COUNT_FIELDS = frozenset(
    {
        "targets_engaged",
        "missiles_guided",
        "launchers_per_battalion",
        "reference_swerling",
        "swerling",
        "loadout",
    }
)
#: Figures that change where a radar sees: its floor (antenna height) or what it keeps of it.
LEVEL_FIELDS = frozenset(
    {"mast_height_m", "azimuth_sector_deg", "instrumented_range_m", "min_elevation_deg", "max_elevation_deg"}
)

#: Measurement noise where the catalog gives none: range (m), azimuth and elevation (degrees).
DEFAULT_SIGMAS = (100.0, 0.2, 0.3)
#: Scan period where the catalog gives none, s.
DEFAULT_SCAN_PERIOD_S = 10.0


def figure_kind(path: str) -> FigureKind:
    """How the figure at a dotted field path is drawn (see :data:`FigureKind`)."""
    head, _, _ = path.partition(".")
    last = path.rsplit(".", 1)[-1]
    if last in LEVEL_FIELDS:
        return "level"
    if last in COUNT_FIELDS or head in COUNT_FIELDS:
        return "count"
    return "real"


@dataclass(frozen=True)
class FigureUse:
    """A catalog figure a deployment used: its ``entity.field`` name, the figure, how it is drawn and the
    value used."""

    name: str
    figure: Figure
    kind: FigureKind
    value: float


class FigureLedger:
    """Reads catalog figures, recording each one and using ``values[name]`` instead where given."""

    def __init__(self, values: Mapping[str, float] | None = None) -> None:
        self.values = dict(values or {})
        self.used: dict[str, FigureUse] = {}

    def read(self, entity_id: str, path: str, fig: Figure) -> float:
        """The value of figure ``path`` of entity ``entity_id`` (recorded as used)."""
        name = f"{entity_id}.{path}"
        kind = figure_kind(path)
        value = float(self.values.get(name, fig.value))
        if kind == "count":
            value = float(round(value))
        self.used[name] = FigureUse(name, fig, kind, value)
        return value

    def reader(self, entity_id: str) -> FigureReader:
        """:meth:`read` for one entity."""
        return lambda path, fig: self.read(entity_id, path, fig)


@dataclass(frozen=True)
class RadarPlacement:
    """A radar of a unit at a position, with everything the engine and the maps need of it.

    ``floor_range_m`` is the range its floor must cover: its instrumented range, or the high end of that
    figure's claims when they disagree (so that drawn values stay within the floor).
    """

    label: str
    radar_id: str
    unit: int
    battalion: int | None
    lat: float
    lon: float
    facing_deg: float
    model: RadarModel
    scan_period_s: float
    sigma_range_m: float
    sigma_azimuth_rad: float
    sigma_elevation_rad: float
    targets_engaged: int
    missiles_guided: int
    floor_range_m: float


@dataclass(frozen=True, eq=False)
class BattalionPlacement:
    """A fire unit (battalion): its engagement radar (index into the deployment's radars, -1: none), its
    missile types and rounds (``(launchers, types)`` on the launchers, ``(types,)`` in reserve)."""

    name: str
    unit: int
    lat: float
    lon: float
    radar: int
    missiles: tuple[InterceptorModel, ...]
    rounds: NDArray[np.int64]
    reserve: NDArray[np.int64]
    reload_s: float
    launch_interval_s: float
    reaction_time_s: float


@dataclass(frozen=True)
class UnitPlacement:
    """A regiment (or a battery on its own): its command post fuses the tracks of all its radars."""

    name: str
    system: str
    lat: float
    lon: float
    radars: tuple[int, ...]
    battalions: tuple[int, ...]
    processing_delay_s: float


@dataclass(frozen=True)
class ThreatType:
    """What the engine needs of a catalog target: class, RCS (m²), Swerling case, typical speed (m/s; NaN
    when every raid of it gives its own), and the RCS (m²) nose-on, beam-on and tail-on in each band of
    the deployment's radars (:meth:`iadsim.catalog.Target.rcs`)."""

    target_id: str
    target_class: str
    rcs_m2: float
    swerling: int
    speed_mps: float
    rcs_by_band: dict[str, tuple[float, float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Deployment:
    """Units, radars, batteries and threat types of a scenario, and the catalog figures they used."""

    units: tuple[UnitPlacement, ...]
    radars: tuple[RadarPlacement, ...]
    battalions: tuple[BattalionPlacement, ...]
    threat_types: dict[str, ThreatType]
    figures: dict[str, FigureUse] = field(default_factory=dict)
    environment: Environment = field(default_factory=Environment)

    def guided_by(self, radar: int) -> tuple[InterceptorModel, ...]:
        """Missile types that radar ``radar`` guides (those of the batteries whose engagement radar it is)."""
        out: dict[str, InterceptorModel] = {}
        for b in self.battalions:
            if b.radar == radar:
                out.update((m.id, m) for m in b.missiles)
        return tuple(out.values())


def deploy(
    scenario: Scenario,
    catalog: Catalog,
    values: Mapping[str, float] | None = None,
    target_classes: tuple[str, ...] = (),
) -> Deployment:
    """The deployment of a scenario (see the module docstring); ``values`` replace catalog figures by name
    (``entity.field``, as :attr:`Deployment.figures` names them). The missiles are modelled against the
    classes of the scenario's raids and ``target_classes``."""
    ledger = FigureLedger(values)
    target_ids = list(dict.fromkeys(r.target for r in scenario.raids))
    classes = tuple(dict.fromkeys([*(catalog.target(t).target_class for t in target_ids), *target_classes]))
    units: list[UnitPlacement] = []
    radars: list[RadarPlacement] = []
    batteries: list[BattalionPlacement] = []
    missile_models: dict[str, InterceptorModel] = {}

    def missile(mid: str) -> InterceptorModel:
        if mid not in missile_models:
            missile_models[mid] = InterceptorModel.from_catalog(
                catalog.missile(mid), classes, ledger.reader(mid)
            )
        return missile_models[mid]

    assets = [(a.position, a.name) for a in scenario.defended_assets]
    for ui, u in enumerate(scenario.units):
        system = catalog.system(u.system)
        cp = catalog.command_posts.get(system.command_post or "")
        delay = ledger.read(cp.id, "processing_delay_s", cp.processing_delay_s) if cp else 0.0
        unit_radars: list[int] = []
        unit_batteries: list[int] = []
        for rid in system.regiment_radars:
            radars.append(
                _radar(
                    catalog,
                    ledger,
                    system,
                    rid,
                    ui,
                    None,
                    u.position,
                    u.mast_m,
                    u.facing_deg,
                    assets,
                    f"{u.name} {rid}",
                )
            )
            unit_radars.append(len(radars) - 1)
        specs: list[Battalion | None] = list(u.battalions) or [None]
        for bn in specs:
            name = bn.name if bn else u.name
            position = bn.position if bn else u.position
            mast = bn.mast_m if bn and bn.mast_m is not None else u.mast_m
            facing = bn.facing_deg if bn and bn.facing_deg is not None else u.facing_deg
            bi = len(batteries)
            engagement = -1
            for rid in system.battalion_radars:
                label = f"{u.name}/{name} {rid}" if bn else f"{u.name} {rid}"
                radars.append(
                    _radar(catalog, ledger, system, rid, ui, bi, position, mast, facing, assets, label)
                )
                engagement = len(radars) - 1
                unit_radars.append(engagement)
            launcher = catalog.launchers[system.launcher]
            sys_read = ledger.reader(system.id)
            n_launchers = (bn.launchers if bn and bn.launchers else None) or int(
                sys_read("launchers_per_battalion", system.launchers_per_battalion)
            )
            loadout = bn.missiles if bn and bn.missiles is not None else None
            if not loadout:
                loadout = {m: int(sys_read(f"loadout.{m}", f)) for m, f in system.loadout.items()}
            reserve_spec = (bn.reserve if bn else None) or {}
            mids = [m for m in system.missiles if loadout.get(m, 0) > 0 or reserve_spec.get(m, 0) > 0]
            if not mids:
                raise InputError(f"battalion {name} of {u.name} has no missiles")
            rounds = np.zeros((n_launchers, len(mids)), dtype=np.int64)
            for j, mid in enumerate(mids):  # spread each type over the launchers, round robin
                for n in range(loadout.get(mid, 0)):
                    rounds[n % n_launchers, j] += 1
            batteries.append(
                BattalionPlacement(
                    name=name,
                    unit=ui,
                    lat=position[0],
                    lon=position[1],
                    radar=engagement,
                    missiles=tuple(missile(m) for m in mids),
                    rounds=rounds,
                    reserve=np.array([reserve_spec.get(m, 0) for m in mids], dtype=np.int64),
                    reload_s=ledger.read(launcher.id, "reload_time_s", launcher.reload_time_s),
                    launch_interval_s=sys_read("min_launch_interval_s", system.min_launch_interval_s),
                    reaction_time_s=sys_read("reaction_time_s", system.reaction_time_s),
                )
            )
            unit_batteries.append(bi)
        units.append(
            UnitPlacement(u.name, u.system, *u.position, tuple(unit_radars), tuple(unit_batteries), delay)
        )

    bands = sorted({p.model.band for p in radars})
    spec = scenario.environment
    environment = Environment.of(
        catalog, spec.surface, scenario.coverage.k, spec.multipath, spec.clutter, ledger.reader(spec.surface)
    )
    # (a ballistic raid's speed follows from its trajectory)
    fixed_speed = {r.target for r in scenario.raids if r.speed_mps is None and r.trajectory == "route"}
    threat_types = {}
    for tid in target_ids:
        tgt = catalog.target(tid)
        read = ledger.reader(tid)
        threat_types[tid] = ThreatType(
            target_id=tid,
            target_class=tgt.target_class,
            rcs_m2=read("rcs_m2", tgt.rcs_m2),
            swerling=int(read("swerling", tgt.swerling)),
            speed_mps=read("speed_mps", tgt.speed_mps) if tid in fixed_speed else float("nan"),
            rcs_by_band={
                band: (
                    read(*tgt.rcs(band, "nose")),
                    read(*tgt.rcs(band, "beam")),
                    read(*tgt.rcs(band, "tail")),
                )
                for band in bands
            },
        )
    return Deployment(
        tuple(units), tuple(radars), tuple(batteries), threat_types, dict(ledger.used), environment
    )


def _radar(
    catalog: Catalog,
    ledger: FigureLedger,
    system: System,
    rid: str,
    unit: int,
    battery: int | None,
    position: tuple[float, float],
    mast_m: float | None,
    facing_deg: float | None,
    assets: list[tuple[tuple[float, float], str]],
    label: str,
) -> RadarPlacement:
    """One radar of ``system`` (the unit's own system: its channel counts where the radar gives none)."""
    entry = catalog.radar(rid)
    read = ledger.reader(rid)
    model = RadarModel.from_catalog(entry, mast_m, read)
    facing: float | None = 0.0
    if model.sector_rad < 2 * np.pi:
        facing = (
            facing_deg if facing_deg is not None else default_facing_deg(position, [a for a, _ in assets])
        )
        if facing is None:
            raise InputError(
                f"{label} covers a {np.degrees(model.sector_rad):g}° sector: give facing_deg (no defended "
                "asset to face)"
            )
    engaged = guided = 0.0
    if battery is not None:  # (only a battery's radars guide missiles)
        sys_read = ledger.reader(system.id)
        engaged = (
            read("targets_engaged", entry.targets_engaged)
            if entry.targets_engaged
            else sys_read("targets_engaged", system.targets_engaged)
        )
        guided = (
            read("missiles_guided", entry.missiles_guided)
            if entry.missiles_guided
            else sys_read("missiles_guided", system.missiles_guided)
        )
    sr, sa, se = DEFAULT_SIGMAS
    instrumented = entry.instrumented_range_m
    floor_range = model.instrumented_range_m
    if instrumented is not None and instrumented.range is not None:
        floor_range = max(floor_range, instrumented.range[1])
    return RadarPlacement(
        label=label,
        radar_id=rid,
        unit=unit,
        battalion=battery,
        lat=position[0],
        lon=position[1],
        facing_deg=float(facing or 0.0),
        model=model,
        scan_period_s=read("scan_period_s", entry.scan_period_s)
        if entry.scan_period_s
        else DEFAULT_SCAN_PERIOD_S,
        sigma_range_m=read("range_sigma_m", entry.range_sigma_m) if entry.range_sigma_m else sr,
        sigma_azimuth_rad=float(
            np.radians(read("azimuth_sigma_deg", entry.azimuth_sigma_deg) if entry.azimuth_sigma_deg else sa)
        ),
        sigma_elevation_rad=float(
            np.radians(
                read("elevation_sigma_deg", entry.elevation_sigma_deg) if entry.elevation_sigma_deg else se
            )
        ),
        targets_engaged=int(engaged),
        missiles_guided=int(guided),
        floor_range_m=float(floor_range),
    )
