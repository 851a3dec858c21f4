"""``iadsim demo``: the S-400's radars against every catalog target, beside the advertised ring."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from iadsim import physics
from iadsim._atomic import atomic_path
from iadsim.catalog import ASPECTS, Catalog, default_catalog, figures
from iadsim.sensors import DetectionRange, Environment, RadarModel, detection_range_table
from iadsim.workflows import layout

if TYPE_CHECKING:
    from iadsim.montecarlo.runner import StudyCluster
    from iadsim.scenario import Scenario
    from iadsim.workflows.coverage_study import CoverageResult

DEMO_SYSTEM = "s-400"
DEMO_ALTITUDES_M = (50.0, 1000.0, 10000.0)
DEMO_PD = 0.5
BLAKE_TARGETS = ("f-16c", "f-35a", "subsonic-cruise-missile")


#: The coverage part: the S-400 at Mürted (built-in scenario ``ankara-s400``) against these cases.
DEMO_SCENARIO = "ankara-s400"
DEMO_COVERAGE = (
    ("f-16c", 50.0),
    ("f-16c", 1000.0),
    ("f-16c", 10000.0),
    ("f-35a", 10000.0),
    ("subsonic-cruise-missile", 50.0),
)


#: Near the ground: these targets at this altitude against the S-400's radars, in free space and over these
#: surfaces (multipath, diffraction and clutter); and the cruise missile's coverage over terrain in free
#: space beside the one over the scenario's surface.
SURFACE_TARGETS = ("subsonic-cruise-missile", "f-16c")
SURFACE_ALTITUDE_M = 50.0
SURFACES = ("farmland", "sea-calm")
LOW_RADAR = "96l6e"
#: Signatures: these targets at this altitude, seen by each S-400 radar in its band from each aspect.
SIGNATURE_TARGETS = ("f-35a", "f-16c")
SIGNATURE_ALTITUDE_M = 10000.0
SIGNATURE_SURFACE = "farmland"  # one of SURFACES

#: The ballistic study: one battery of each of these systems where ``turkey-bmd`` deploys its S-400,
#: against that scenario's first raid's class launched from a disc of this radius around its launch point;
#: footprints of these cells per side and launch points, with this many draws of the disputed figures.
BALLISTIC_SCENARIO = "turkey-bmd"
BALLISTIC_SYSTEMS = ("s-400", "patriot", "samp-t")
BALLISTIC_LAUNCH_RADIUS_M = 30e3
BALLISTIC_CELLS = 120
BALLISTIC_LAUNCH_POINTS = 16
BALLISTIC_DRAWS = 10
BALLISTIC_SEED = 1

#: The saturation study: cruise-missile raids of these sizes against one and two battalions.
SATURATION_SIZES = (8, 16, 32, 64)
SATURATION_START_KM = 120.0


@dataclass(frozen=True)
class SaturationRow:
    """One point of the saturation study."""

    defence: str
    raid_size: int
    replications: int
    leak_fraction: float
    leak_fraction_low: float
    leak_fraction_high: float
    any_leak: float
    any_leak_low: float
    any_leak_high: float
    interceptors: float


@dataclass(frozen=True)
class FootprintRow:
    """One battery of the ballistic study: areas in km² (true areas) defended with the catalog's figures, and
    in at least half and 90% of the draws of the disputed ones."""

    system: str
    system_name: str
    missiles: str
    threat: str
    launch_km: float
    radar_range_km: float
    defended_km2: float
    defended_50_km2: float
    defended_90_km2: float
    draws: int


@dataclass(frozen=True)
class DemoResult:
    """What the demo computed and where it wrote it."""

    system: str
    ring_m: float
    pd: float
    rows: list[DetectionRange]
    files: list[Path]
    coverage: CoverageResult | None = None
    saturation: list[SaturationRow] | None = None
    ballistic: list[FootprintRow] | None = None
    step_times_s: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0  # the whole demo (the coverage and the saturation study run side by side)


#: The demo's steps, in order: its progress and its timings name them.
STEPS = ("detection ranges", "coverage over terrain", "saturation study", "ballistic defence", "report")

#: How the demo reports progress: ``(step, done, total, message)``, ``total`` the units of work the step
#: has (``None``: not known), at its start (``done`` 0) and as each unit finishes.
Progress = Callable[[str, int, "int | None", str], None]


class _Step:
    """One of the demo's steps as it runs: its progress, reported, and its time (s) once it ends."""

    def __init__(self, steps: _Steps, name: str, total: int | None) -> None:
        self.steps, self.name, self.total = steps, name, total
        self.done = 0
        self.t0 = time.perf_counter()
        steps.report(name, 0, total, "")

    def tick(self, message: str = "", done: int | None = None) -> None:
        self.done = self.done + 1 if done is None else done
        self.steps.report(self.name, self.done, self.total, message)

    def end(self) -> None:
        self.steps.times[self.name] = time.perf_counter() - self.t0


class _Steps:
    """The demo's steps (two may run at once: ``report`` must be thread-safe) and their times."""

    def __init__(self, report: Progress | None) -> None:
        self.report: Progress = report or (lambda _s, _d, _t, _m: None)
        self.times: dict[str, float] = {}

    def begin(self, name: str, total: int | None) -> _Step:
        return _Step(self, name, total)


def run_demo(
    out_dir: Path,
    catalog: Catalog | None = None,
    coverage: bool = True,
    progress: Progress | None = None,
    saturation_runs: int = 0,
    workers: int = 1,
    ballistic: bool = True,
) -> DemoResult:
    """The S-400's radars against every catalog target, then its coverage over real terrain at Mürted.

    1. Detection ranges over a smooth 4/3 earth with each radar at its catalog mast height: the smaller of
       the free-space range at single-look Pd 0.5 and the radar horizon to the target altitude (CSV, PNG).
       Then near the ground, the S-400's radars against a cruise missile and an F-16C at 50 m in free
       space and over farmland and a calm sea (``surface-effects.csv/png``, the 96L6E's vertical coverage
       with lobing); and the F-35A beside the F-16C at 10 km, by radar band and aspect
       (``signatures.csv/png``).
    2. With ``coverage``: the regiment of the built-in scenario ``ankara-s400`` over the embedded GLOBE
       terrain: radar floor, detection and engagement coverage of an F-16C at 50 m, 1 km and 10 km, an
       F-35A at 10 km and a cruise missile at 50 m above ground over the scenario's surface, the ring vs
       real table and the maps, in ``out_dir / "coverage"``; the cruise missile again in free space (same
       grid and floors), in ``out_dir / "coverage-free-space"``.
    3. With ``saturation_runs`` > 0: a Monte Carlo saturation study: raids of 8 to 64 cruise missiles
       against one and two battalions (``ankara-s400`` and ``ankara-s400-2bn``, the raid starting 120 km
       out), every disputed catalog figure drawn per replication; leak fractions with 95% intervals as
       ``saturation.png`` and ``saturation.csv``, replications in ``saturation.duckdb``. With ``workers``
       > 1, one Dask cluster serves both defences. Steps 2 and 3 run side by side: the coverage in this
       thread (mostly one core), the study on the cluster's workers.
    4. With ``ballistic``: defended footprints (:mod:`iadsim.workflows.footprint`) of one battery each of
       the S-400, Patriot and SAMP/T where the built-in ``turkey-bmd`` deploys its S-400, against that
       scenario's short-range ballistic missile launched from within 30 km of its launch point, with
       :data:`BALLISTIC_DRAWS` draws of the disputed figures: ``ballistic.png`` (the share of the draws in
       which each point is defended, side by side, 50% and 90% contours), ``ballistic.csv`` and each
       study's files in ``ballistic/<system>/``. It follows the saturation study in its thread.
    5. ``report.html``: everything above in one self-contained page (:mod:`iadsim.workflows.report`).

    ``progress`` hears of each step (:data:`STEPS`) as it starts and advances, from two threads while
    steps 2 and 3 run; the result holds each step's time and the whole demo's.
    """
    start = time.perf_counter()
    steps = _Steps(progress)
    cat = catalog or default_catalog()
    system = cat.system(DEMO_SYSTEM)
    radar_ids = [*system.regiment_radars, *system.battalion_radars]
    targets = [cat.targets[t] for t in sorted(cat.targets)]
    ring_m = system.advertised_range_m.value
    step = steps.begin(STEPS[0], 4)
    rows = detection_range_table(cat, radar_ids, targets, DEMO_ALTITUDES_M, pd=DEMO_PD, ring_m=ring_m)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [
        _write_csv(out_dir / layout.DETECTION_CSV, rows),
        _write_assumptions(
            out_dir / layout.ASSUMPTIONS_CSV,
            cat,
            list(
                dict.fromkeys(
                    [
                        DEMO_SYSTEM,
                        *radar_ids,
                        *(t.id for t in targets),
                        *SURFACES,
                        *_ballistic_ids(cat, ballistic),
                    ]
                )
            ),
        ),
    ]
    step.tick("detection ranges")
    from iadsim.report.plots import blake_chart, detection_range_chart

    with atomic_path(out_dir / layout.DETECTION_PNG) as tmp:
        detection_range_chart(
            tmp, rows, f"{system.name}: detection range over a smooth 4/3 earth, Pd {DEMO_PD:g}", ring_m / 1e3
        )
    files.append(out_dir / layout.DETECTION_PNG)
    step.tick("detection range chart")
    acq = cat.radar(system.regiment_radars[0])
    model = RadarModel.from_catalog(acq)
    curves = []
    for tid in BLAKE_TARGETS:
        tgt = cat.target(tid)
        free = float(model.free_space_range_m(tgt.rcs_m2.value, DEMO_PD, int(tgt.swerling.value)))
        curves.append(
            (
                f"{tgt.name}, {tgt.rcs_m2.value:g} m²",
                physics.vertical_coverage(
                    free, model.mast_height_m, model.min_elevation_rad, model.max_elevation_rad
                ),
            )
        )
    blake = out_dir / layout.blake_png(acq.id)
    with atomic_path(blake) as tmp:
        blake_chart(
            tmp,
            f"{acq.name}: vertical coverage, Pd {DEMO_PD:g}",
            curves,
            model.mast_height_m,
            max_height_km=30.0,
        )
    files.append(blake)
    step.tick("vertical coverage")
    files += _surface_and_signatures(cat, radar_ids, out_dir)
    step.tick("near the ground and signatures")
    step.end()

    # The coverage (one core, in this thread) and the saturation study (Dask workers, started at once;
    # their results are stored from a second thread) run side by side: each leaves the other a core.
    # The ballistic study follows the saturation study in the second thread.
    sat = bmd = None
    with ThreadPoolExecutor(1) as pool:
        saturating = (
            pool.submit(_saturation, cat, out_dir, saturation_runs, workers, steps)
            if saturation_runs > 0
            else None
        )
        defending = pool.submit(_ballistic, cat, out_dir, steps) if ballistic else None
        try:
            study = _coverage(cat, out_dir, steps) if coverage else None
        finally:
            if saturating is not None:
                sat, sat_files = saturating.result()  # (its error, if it failed, wins over none)
                files += sat_files
            if defending is not None:
                bmd, bmd_files = defending.result()
                files += bmd_files
    from iadsim.workflows.report import write_report

    step = steps.begin(STEPS[4], 1)
    files.append(write_report(out_dir, out_dir / layout.REPORT_HTML, catalog=cat))
    step.tick("report.html")
    step.end()
    return DemoResult(
        system=system.name,
        ring_m=ring_m,
        pd=DEMO_PD,
        rows=rows,
        files=files,
        coverage=study,
        saturation=sat,
        ballistic=bmd,
        step_times_s=dict(steps.times),
        wall_s=time.perf_counter() - start,
    )


def _saturation(
    cat: Catalog, out_dir: Path, runs: int, workers: int, steps: _Steps
) -> tuple[list[SaturationRow], list[Path]]:
    """Step 3 of :func:`run_demo`: with ``workers`` > 1 on one Dask cluster for both defences."""
    if workers <= 1:
        return saturation_study(cat, out_dir, runs, 1, steps)
    from iadsim.montecarlo.runner import StudyCluster

    with StudyCluster(workers, None) as cluster:
        return saturation_study(cat, out_dir, runs, workers, steps, cluster)


def _ballistic_ids(cat: Catalog, ballistic: bool) -> list[str]:
    """The catalog entities the ballistic study reads: each system, its engagement radars and missiles."""
    if not ballistic:
        return []
    ids: list[str] = []
    for sid in BALLISTIC_SYSTEMS:
        system = cat.system(sid)
        ids += [sid, *system.battalion_radars, *system.missiles]
    return list(dict.fromkeys(ids))


def _ballistic(cat: Catalog, out_dir: Path, steps: _Steps) -> tuple[list[FootprintRow], list[Path]]:
    """Step 4: the footprints of the three batteries, their comparison figure and table."""
    from pyproj import Geod

    from iadsim.coverage.footprint import TrajectoryTable
    from iadsim.coverage.raster import read_geotiff
    from iadsim.report.plots import footprint_comparison_chart
    from iadsim.scenario import resolve_scenario
    from iadsim.workflows.footprint import DRAWS_TIF, FootprintStudy, LaunchArea, plan_footprint, run_study

    step = steps.begin(STEPS[3], len(BALLISTIC_SYSTEMS) + 1)
    sc = resolve_scenario(BALLISTIC_SCENARIO, cat)
    raid = sc.raids[0]
    assert raid.launch is not None
    site = sc.units[0].battalions[0].position if sc.units[0].battalions else sc.units[0].position
    area = LaunchArea(raid.launch[0], raid.launch[1], BALLISTIC_LAUNCH_RADIUS_M)
    azimuth, _, launch_m = Geod(ellps="WGS84").inv(site[1], site[0], area.lon, area.lat)
    rows, panels = [], []
    tables: dict[float, TrajectoryTable] = {}  # (the same threat draws for every battery: shared)

    def plan(system: str, half_width_m: float | None = None) -> FootprintStudy:
        return plan_footprint(
            cat,
            system,
            site,
            raid.target,
            area,
            launch_points=BALLISTIC_LAUNCH_POINTS,
            cells=BALLISTIC_CELLS,
            half_width_m=half_width_m,
            uncertainty=BALLISTIC_DRAWS,
            seed=BALLISTIC_SEED,
        )

    # one grid for all (the widest any battery needs): the maps compare alike, the borders are laid once
    width = max(plan(system).geometry.half_width_m for system in BALLISTIC_SYSTEMS)
    for system in BALLISTIC_SYSTEMS:
        study = plan(system, width)
        result = run_study(study, out_dir / layout.BALLISTIC_DIR / system, tables=tables)
        share = read_geotiff(out_dir / layout.BALLISTIC_DIR / system / DRAWS_TIF)
        rows.append(
            FootprintRow(
                system=system,
                system_name=result.system_name,
                missiles=" ".join(result.missiles),
                threat=raid.target,
                launch_km=launch_m / 1e3,
                radar_range_km=result.detection_m / 1e3,
                defended_km2=result.defended_km2,
                defended_50_km2=result.draws_km2.get("50%", 0.0),
                defended_90_km2=result.draws_km2.get("90%", 0.0),
                draws=BALLISTIC_DRAWS,
            )
        )
        panels.append(
            (
                f"{result.system_name}\n≥50% of draws: {rows[-1].defended_50_km2:,.0f} km², "
                f"≥90%: {rows[-1].defended_90_km2:,.0f} km²",
                share.values,
                result.cell_m,
                float(azimuth) % 360.0,
            )
        )
        step.tick(system)
    target = cat.target(raid.target)
    png = out_dir / layout.BALLISTIC_PNG
    with atomic_path(png) as tmp:
        footprint_comparison_chart(
            tmp,
            f"Where one battery defends against the {target.name}\nlaunched {launch_m / 1e3:,.0f} km away "
            f"(within {BALLISTIC_LAUNCH_RADIUS_M / 1e3:g} km of {area.lat:g}, {area.lon:g}); shading: share "
            f"of {BALLISTIC_DRAWS} draws of the disputed figures; contours 50% and 90%",
            panels,
        )
    files = [png, _write_rows(out_dir / layout.BALLISTIC_CSV, [asdict(r) for r in rows])]
    step.tick("comparison")
    step.end()
    return rows, files


def _coverage(cat: Catalog, out_dir: Path, steps: _Steps) -> CoverageResult:
    """Step 2 of :func:`run_demo`: the coverage studies over the scenario's surface and in free space."""
    from iadsim.catalog import FREE_SPACE_SURFACE
    from iadsim.scenario import Altitude, resolve_scenario
    from iadsim.workflows.coverage_study import CoverageCache, progress_total, run_coverage

    scenario = resolve_scenario(DEMO_SCENARIO, cat)
    cases = [(t, Altitude(agl=a)) for t, a in DEMO_COVERAGE]
    free_env = scenario.environment.model_copy(update={"surface": FREE_SPACE_SURFACE})
    free_scenario = scenario.model_copy(update={"environment": free_env})
    free_cases = [(SURFACE_TARGETS[0], Altitude(agl=SURFACE_ALTITUDE_M))]
    total = progress_total(scenario, cat, cases) + progress_total(free_scenario, cat, free_cases)
    step = steps.begin(STEPS[1], total)
    cache = CoverageCache()  # the free-space study reuses the grid and the floors
    study = run_coverage(
        scenario, cat, out_dir / layout.COVERAGE_DIR, cases=cases, progress=step.tick, cache=cache
    )
    run_coverage(
        free_scenario,
        cat,
        out_dir / layout.FREE_SPACE_DIR,
        cases=free_cases,
        progress=step.tick,
        cache=cache,
    )
    step.end()
    return study


def _surface_and_signatures(cat: Catalog, radar_ids: list[str], out_dir: Path) -> list[Path]:
    """Near the ground and stealth: detection ranges in free space and over :data:`SURFACES` (CSV, PNG),
    the low-altitude radar's vertical coverage with lobing, and :data:`SIGNATURE_TARGETS` by band and
    aspect (CSV, PNG)."""
    from iadsim.report.plots import blake_chart, grouped_bars

    envs = {s: Environment.of(cat, s) for s in SURFACES}
    models = {rid: RadarModel.from_catalog(cat.radar(rid)) for rid in radar_ids}
    surface_rows: list[dict[str, object]] = []
    labels: list[str] = []
    series: dict[str, list[float]] = {"free space": [], **{f"over {sid}": [] for sid in SURFACES}}
    for tid in SURFACE_TARGETS:
        tgt = cat.target(tid)
        sw = int(tgt.swerling.value)
        for rid, model in models.items():
            rcs = tgt.rcs(model.band, "nose")[1].value
            free = model.detection_range_m(rcs, sw, DEMO_PD, SURFACE_ALTITUDE_M)
            row: dict[str, object] = {
                "radar": rid,
                "target": tid,
                "altitude_m": SURFACE_ALTITUDE_M,
                "rcs_m2": rcs,
                "free_space_m": free,
            }
            series["free space"].append(free / 1e3)
            for sid, env in envs.items():
                reach = model.detection_range_m(rcs, sw, DEMO_PD, SURFACE_ALTITUDE_M, env)
                row[f"{sid}_m"] = reach
                series[f"over {sid}"].append(reach / 1e3)
            surface_rows.append(row)
            labels.append(f"{tgt.name}: {cat.radar(rid).name.split(' ')[0]}")
    files = [_write_rows(out_dir / layout.SURFACE_CSV, surface_rows)]
    with atomic_path(out_dir / layout.SURFACE_PNG) as tmp:
        grouped_bars(
            tmp,
            f"Detection range at {SURFACE_ALTITUDE_M:g} m, nose-on, Pd {DEMO_PD:g}:\nfree space (to the "
            "horizon) and over a surface (multipath, diffraction, clutter)",
            labels,
            series,
            "detection range (km)",
        )
    files.append(out_dir / layout.SURFACE_PNG)

    low = models[LOW_RADAR] if LOW_RADAR in models else next(iter(models.values()))
    cm = cat.target(SURFACE_TARGETS[0])
    rcs = cm.rcs(low.band, "nose")[1].value
    sw = int(cm.swerling.value)
    free = float(low.free_space_range_m(rcs, DEMO_PD, sw))
    curves = [
        (
            "free space",
            physics.vertical_coverage(free, low.mast_height_m, low.min_elevation_rad, low.max_elevation_rad),
        ),
        *((f"over {sid}", low.vertical_coverage(rcs, sw, DEMO_PD, env)) for sid, env in envs.items()),
    ]
    blake = out_dir / layout.blake_png(low.id)
    with atomic_path(blake) as tmp:
        blake_chart(
            tmp,
            f"{low.name}:\nvertical coverage against a {cm.name} ({rcs:g} m²), Pd {DEMO_PD:g}",
            curves,
            low.mast_height_m,
            max_range_km=1.3 * free / 1e3,
            max_height_km=3.0,
        )
    files.append(blake)

    env = envs[SIGNATURE_SURFACE]
    signature_rows: list[dict[str, object]] = []
    by: dict[tuple[str, str, str], float] = {}
    for tid in SIGNATURE_TARGETS:
        tgt = cat.target(tid)
        sw = int(tgt.swerling.value)
        for rid, model in models.items():
            for aspect in ASPECTS:
                path, fig = tgt.rcs(model.band, aspect)
                reach = model.detection_range_m(fig.value, sw, DEMO_PD, SIGNATURE_ALTITUDE_M, env)
                by[(tid, rid, aspect)] = reach
                signature_rows.append(
                    {
                        "target": tid,
                        "radar": rid,
                        "band": model.band,
                        "aspect": aspect,
                        "rcs_m2": fig.value,
                        "rcs_figure": path,
                        "altitude_m": SIGNATURE_ALTITUDE_M,
                        "detection_m": reach,
                    }
                )
    files.append(_write_rows(out_dir / layout.SIGNATURES_CSV, signature_rows))
    groups = list(dict.fromkeys((str(r["target"]), str(r["radar"])) for r in signature_rows))
    with atomic_path(out_dir / layout.SIGNATURES_PNG) as tmp:
        grouped_bars(
            tmp,
            f"Detection range at {SIGNATURE_ALTITUDE_M / 1e3:g} km over {SIGNATURE_SURFACE}, Pd "
            f"{DEMO_PD:g}, by aspect:\neach radar sees the RCS the catalog gives for its band",
            [
                f"{cat.target(t).name}: {cat.radar(r).name.split(' ')[0]} ({models[r].band})"
                for t, r in groups
            ],
            {a: [by[(t, r, a)] / 1e3 for t, r in groups] for a in ASPECTS},
            "detection range (km)",
            note="F-35A RCS by band and aspect: disputed estimates (see the assumptions); "
            "F-16C: one value per aspect for every band",
        )
    files.append(out_dir / layout.SIGNATURES_PNG)
    return files


def _write_rows(path: Path, rows: list[dict[str, object]]) -> Path:
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _cruise_only(scenario: Scenario, start_km: float) -> Scenario:
    """The scenario's cruise-missile raid alone, starting ``start_km`` from its aim point, same track."""
    from pyproj import Geod

    raid = next(r for r in scenario.raids if r.target == "subsonic-cruise-missile")
    first, last = raid.route[0], raid.route[-1]
    geod = Geod(ellps="WGS84")
    az, _, _ = geod.inv(last.position[1], last.position[0], first.position[1], first.position[0])
    lon, lat, _ = geod.fwd(last.position[1], last.position[0], az, start_km * 1e3)
    start = first.model_copy(update={"position": (lat, lon)})
    raid = raid.model_copy(update={"route": (start, last), "interval_s": 2.0})
    return scenario.model_copy(update={"raids": (raid,)})


def saturation_study(
    cat: Catalog,
    out_dir: Path,
    runs: int,
    workers: int = 1,
    steps: _Steps | None = None,
    cluster: StudyCluster | None = None,
) -> tuple[list[SaturationRow], list[Path]]:
    """Leak fraction against raid size for one and two S-400 battalions, with uncertainty (see run_demo);
    on ``cluster`` if given (both defences), else on ``workers`` processes."""
    from iadsim.montecarlo import StudySpec, Sweep
    from iadsim.montecarlo.runner import run_study
    from iadsim.montecarlo.stats import summarize
    from iadsim.scenario import resolve_scenario
    from iadsim.store import StudyStore

    defences = (("1 battalion", "ankara-s400"), ("2 battalions", "ankara-s400-2bn"))
    per_defence = runs * len(SATURATION_SIZES)
    step = (steps or _Steps(None)).begin(STEPS[2], per_defence * len(defences))
    rows: list[SaturationRow] = []
    db = out_dir / layout.SATURATION_DB
    with StudyStore(db) as store:
        for d_i, (defence, name) in enumerate(defences):
            scenario = _cruise_only(resolve_scenario(name, cat), SATURATION_START_KM)
            spec = StudySpec(
                scenario, runs, seed=2019, sweep=Sweep("raids.0.count", SATURATION_SIZES), uncertainty=True
            )

            def tick(done: int, _total: int, defence: str = defence, before: int = d_i * per_defence) -> None:
                step.tick(defence, done=before + done)

            res = run_study(spec, cat, store, workers=workers, progress=tick, cluster=cluster)
            for s in summarize(store.replications(res.study_id)):
                lf, al = s["leak_fraction"], s["any_leak"]
                rows.append(
                    SaturationRow(
                        defence,
                        SATURATION_SIZES[s["point"]],
                        s["replications"],
                        lf["mean"],
                        lf["low"],
                        lf["high"],
                        al["p"],
                        al["low"],
                        al["high"],
                        s["interceptors_launched"]["mean"],
                    )
                )
    table = out_dir / layout.SATURATION_CSV
    with atomic_path(table) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(rows[0])))
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
    from iadsim.report.plots import saturation_chart

    png = out_dir / layout.SATURATION_PNG
    with atomic_path(png) as tmp:
        saturation_chart(
            tmp,
            rows,
            f"S-400 near Ankara against cruise missiles 50 m above ground ({runs} "
            "replications per point, disputed figures drawn)",
        )
    step.end()
    return rows, [table, png, db]


def _write_csv(path: Path, rows: list[DetectionRange]) -> Path:
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].as_dict()))
        writer.writeheader()
        for row in rows:
            writer.writerow(row.as_dict())
    return path


def _write_assumptions(path: Path, cat: Catalog, ids: list[str]) -> Path:
    """Every catalog figure the demo used, with its confidence and sources."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "id",
                "figure",
                "value_si",
                "confidence",
                "range_low",
                "range_high",
                "flagged",
                "sources",
                "note",
            ]
        )
        for entity_id in ids:
            for name, fig in figures(cat.get(entity_id)):
                low, high = fig.range if fig.range else ("", "")
                writer.writerow(
                    [
                        entity_id,
                        name,
                        fig.value,
                        fig.confidence,
                        low,
                        high,
                        fig.flagged,
                        " | ".join(f"{s.title} {s.url or ''}".strip() for s in fig.sources),
                        fig.note or "",
                    ]
                )
    return path
