"""Scale of the engine: how the cost of a world and of a replication grows with threats and batteries.

    uv run python benchmarks/engine_scale.py --out engine-scale/          # the family (minutes, 2 cores)
    uv run python benchmarks/engine_scale.py --quick --out engine-scale/  # a small run (under a minute)
    uv run python benchmarks/engine_scale.py --profile 20 1000            # cProfile of one replication

A generated family of S-400 deployments around Ankara (39.93 N 32.86 E, inside the embedded GLOBE DEM):
threats 30, 100, 300, 1,000 against one regiment of two batteries; 1, 2, 5, 10, 20 batteries against 300
threats; and the corner, 20 batteries against 1,000 threats. A *battery* is a battalion (fire unit: its
92N6E engagement radar and eight launchers); batteries are grouped two to a regiment (a unit: its 91N6E,
96L6E and command post, whose tracker fuses the regiment's radars), regiments stand on a sunflower spiral
30-140 km from Ankara (the first at Murted air base, as in ``ankara-s400``), each battery facing outward.
Threats are subsonic cruise missiles at 50 m above ground (60 %) and aircraft at 7-10 km (F-16C, F-35A,
F-15E, Rafale) from eight directions, 380-420 km out, launched over ten minutes at eight defended assets
from Eskisehir to Kirsehir and Konya.

Each member runs in a process of its own (so that its peak memory is its own): the scenario is generated,
written as YAML and read back through :func:`iadsim.scenario.load_scenario` (every check of the format);
the world is built (timed apart); a first replication computes the shared timeline (cold); then several
replications over the same world (warm: what each further replication of a study costs) give the median.
Peak memory is the process's peak resident set (``getrusage``) above what it held before the world.

The log-log slopes (least squares of log cost on log n) of the warm replication against threats (fixed
batteries) and against batteries (fixed threats) are printed beside the goals: a slope of at most 1.2 in
threats, and a 20-battery, 1,000-threat replication under 2 s. ``--out`` receives ``engine-scale.png``,
``engine-scale.csv``, ``engine-scale.json`` and the generated scenarios (``scenarios/*.yaml``, each one a
scenario ``iadsim run`` takes).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

#: Centre of the family (Ankara), [lat, lon] degrees.
CENTRE = (39.93, 32.86)
#: Defended assets: name, [lat, lon], radius (km).
ASSETS: tuple[tuple[str, tuple[float, float], float], ...] = (
    ("ankara", (39.93, 32.86), 15.0),
    ("murted-air-base", (40.076, 32.566), 5.0),
    ("kirikkale", (39.846, 33.515), 8.0),
    ("polatli", (39.584, 32.146), 6.0),
    ("eskisehir", (39.776, 30.520), 10.0),
    ("kirsehir", (39.146, 34.160), 6.0),
    ("cankiri", (40.601, 33.613), 5.0),
    ("konya", (37.871, 32.485), 12.0),
)
#: Directions the raids come from (bearing from Ankara, degrees) with the asset each aims at.
AXES: tuple[tuple[float, str], ...] = (
    (300.0, "ankara"),
    (330.0, "murted-air-base"),
    (10.0, "cankiri"),
    (60.0, "kirikkale"),
    (120.0, "kirsehir"),
    (180.0, "konya"),
    (230.0, "polatli"),
    (270.0, "eskisehir"),
)
#: Aircraft types cycled over the axes: catalog id, altitude above sea level (m), speed (m/s).
AIRCRAFT: tuple[tuple[str, float, float], ...] = (
    ("f-16c", 9_000.0, 250.0),
    ("f-35a", 10_000.0, 250.0),
    ("f-15e", 7_000.0, 260.0),
    ("rafale", 8_000.0, 250.0),
)
#: Share of the threats that are cruise missiles; the rest are aircraft.
CRUISE_SHARE = 0.6
#: Most regiments (two batteries each) the family places.
MAX_REGIMENTS = 10
#: Regiment sites: nearest and farthest from Ankara, km, and the bearing of the first (Murted air base).
REGIMENT_RADIUS_KM = (30.0, 140.0)
FIRST_BEARING_DEG = 303.0
#: The second battery of a regiment stands this far out from the first, km.
SECOND_BATTERY_KM = 25.0
#: Launch window of every raid, s.
LAUNCH_WINDOW_S = 600.0

#: The family: (batteries, threats).
FULL = ((2, 30), (2, 100), (2, 300), (2, 1000), (1, 300), (5, 300), (10, 300), (20, 300), (20, 1000))
QUICK = ((2, 30), (2, 100), (1, 30), (5, 30))
#: Fixed batteries of the threat sweep and fixed threats of the battery sweep (full and quick).
SWEEPS = {"full": (2, 300), "quick": (2, 30)}
#: The goals: slope in threats at most this, and a 20-battery, 1,000-threat replication under this (s).
GOAL_SLOPE, GOAL_CORNER_S, CORNER = 1.2, 2.0, (20, 1000)


# ------------------------------------------------------------------------------------------ generator
def _geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _offset(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along ``bearing_deg`` (WGS84 geodesic), rounded to 1e-4 degree."""
    lon2, lat2, _ = _geod().fwd(lon, lat, bearing_deg, km * 1e3)
    return round(float(lat2), 4), round(float(lon2), 4)


def regiment_sites(regiments: int) -> list[tuple[float, float, float]]:
    """(lat, lon, outward bearing in degrees) of the first ``regiments`` regiment sites: a sunflower spiral
    (golden angle) from 30 to 140 km around Ankara, the first at Murted air base (as ``ankara-s400``); the
    sites of a smaller member are those of a larger."""
    if not 1 <= regiments <= MAX_REGIMENTS:
        raise ValueError(f"regiments must lie in [1, {MAX_REGIMENTS}], got {regiments}")
    lo, hi = REGIMENT_RADIUS_KM
    sites = []
    for k in range(regiments):
        bearing = (FIRST_BEARING_DEG + k * 137.50776405) % 360.0
        km = lo + (hi - lo) * math.sqrt(k / (MAX_REGIMENTS - 1))
        lat, lon = _offset(*CENTRE, bearing, km)
        sites.append((lat, lon, round(bearing, 2)))
    return sites


def _split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` whole numbers differing by at most one (the larger first)."""
    q, r = divmod(total, parts)
    return [q + (1 if i < r else 0) for i in range(parts)]


def scale_scenario_dict(batteries: int, threats: int) -> dict[str, Any]:
    """A member of the family as a scenario mapping (format v1): ``batteries`` S-400 battalions, two to a
    regiment, against ``threats`` cruise missiles and aircraft from eight directions."""
    if not 1 <= batteries <= 2 * MAX_REGIMENTS:
        raise ValueError(f"batteries must lie in [1, {2 * MAX_REGIMENTS}], got {batteries}")
    if threats < 1:
        raise ValueError(f"threats must be at least 1, got {threats}")
    assets = {name: pos for name, pos, _ in ASSETS}
    units = []
    for r, (lat, lon, bearing) in enumerate(regiment_sites(math.ceil(batteries / 2)), start=1):
        n_bn = min(2, batteries - 2 * (r - 1))
        battalions = []
        for j in range(n_bn):
            pos = _offset(lat, lon, bearing, 4.0 + j * SECOND_BATTERY_KM)
            battalions.append(
                {
                    "name": f"bn-{2 * r - 1 + j}",
                    "position": list(pos),
                    "facing_deg": bearing,
                    "launchers": 8,
                    "missiles": {"48n6e3": 24, "9m96e2": 32},
                    "reserve": {"48n6e3": 16, "9m96e2": 16},
                }
            )
        units.append(
            {
                "name": f"regiment-{r}",
                "system": "s-400",
                "position": [lat, lon],
                "facing_deg": bearing,
                "battalions": battalions,
            }
        )
    cruise = round(threats * CRUISE_SHARE) if threats > 1 else threats
    raids = []
    for k, ((bearing, aim), n_cm, n_ac) in enumerate(
        zip(AXES, _split(cruise, len(AXES)), _split(threats - cruise, len(AXES)), strict=True)
    ):
        target_pos = list(assets[aim])
        start_s = 20.0 * k
        if n_cm:
            raids.append(
                {
                    "name": f"cruise-{k + 1}",
                    "target": "subsonic-cruise-missile",
                    "count": n_cm,
                    "start_s": start_s,
                    "interval_s": round(min(20.0, LAUNCH_WINDOW_S / n_cm), 3),
                    "speed_mps": 240.0,
                    "route": [
                        {"position": list(_offset(*CENTRE, bearing, 380.0)), "altitude": {"agl": 50.0}},
                        {"position": list(_offset(*CENTRE, bearing, 120.0)), "altitude": {"agl": 50.0}},
                        {"position": target_pos, "altitude": {"agl": 50.0}},
                    ],
                }
            )
        if n_ac:
            aircraft, amsl, speed = AIRCRAFT[k % len(AIRCRAFT)]
            raids.append(
                {
                    "name": f"strike-{k + 1}",
                    "target": aircraft,
                    "count": n_ac,
                    "start_s": start_s + 60.0,
                    "interval_s": round(min(20.0, LAUNCH_WINDOW_S / n_ac), 3),
                    "speed_mps": speed,
                    "route": [
                        {
                            "position": list(_offset(*CENTRE, bearing + 15.0, 420.0)),
                            "altitude": {"amsl": amsl},
                        },
                        {"position": target_pos, "altitude": {"amsl": amsl}},
                    ],
                }
            )
    return {
        "version": 1,
        "name": f"scale-{batteries}bty-{threats}thr",
        "description": (
            f"Engine scale family: {batteries} S-400 batteries in {len(units)} regiment(s) around Ankara "
            f"against {threats} threats (cruise missiles and aircraft) from {len(AXES)} directions."
        ),
        "terrain": "globe",
        "duration_s": 2400.0,
        "step_s": 1.0,
        "defended_assets": [
            {"name": name, "position": list(pos), "radius_km": radius} for name, pos, radius in ASSETS
        ],
        "units": units,
        "doctrine": {"salvo": 2, "shoot_look_shoot": True},
        "raids": raids,
    }


def write_scale_scenario(batteries: int, threats: int, folder: Path) -> Path:
    """Write a member of the family as ``folder/scale-<b>bty-<t>thr.yaml``; returns the path."""
    data = scale_scenario_dict(batteries, threats)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=110), encoding="utf-8")
    return path


def scale_scenario(batteries: int, threats: int, catalog: Any, folder: Path | None = None) -> Any:
    """A member of the family read back through :func:`iadsim.scenario.load_scenario` (every check of the
    format and against ``catalog``): written to ``folder``, or to a temporary folder when none is given."""
    from iadsim.scenario import load_scenario

    if folder is not None:
        return load_scenario(write_scale_scenario(batteries, threats, folder), catalog)
    with tempfile.TemporaryDirectory() as tmp:
        return load_scenario(write_scale_scenario(batteries, threats, Path(tmp)), catalog)


# ---------------------------------------------------------------------------------------- measurement
def loadavg() -> str:
    """The 1, 5 and 15 minute load averages (``/proc/loadavg``), or ``"?"``."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _rss_mb() -> float:
    """Resident set of this process now, MiB."""
    try:
        import psutil

        return float(psutil.Process().memory_info().rss) / 2**20
    except ImportError:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """Peak resident set of this process so far, MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timeline_mb(world: Any) -> float:
    """Memory the world's shared timelines hold (positions, geometry, signal, aspects, motion), MiB."""
    seen: dict[int, int] = {}  # (an aspect array is held by the signal of every look from its radar's site)
    for tl in world._shared.timelines.values():
        for cache in (tl._positions, tl._geometry, tl._signal, tl._aspects, tl._motion):
            for value in cache.values():
                for arr in value if isinstance(value, tuple) else (value,):
                    seen[id(arr)] = arr.nbytes
    return sum(seen.values()) / 2**20


def measure_member(batteries: int, threats: int, reps: int, folder: Path | None) -> dict[str, Any]:
    """Build one member's world and run ``1 + reps`` replications in this process: times (s), memory (MiB)
    and the outcome of the first warm replication."""
    import numpy as np

    from iadsim.catalog import default_catalog
    from iadsim.sim import engine
    from iadsim.sim.world import build_world
    from iadsim.terrain import open_terrain

    load_before = loadavg()
    engine.warm_up()
    cat = default_catalog()
    terrain = open_terrain("globe")
    t = time.perf_counter()
    sc = scale_scenario(batteries, threats, cat, folder)
    generate_s = time.perf_counter() - t
    rss0 = _rss_mb()
    t = time.perf_counter()
    world = build_world(sc, cat, terrain)
    build_s = time.perf_counter() - t
    peak_build = _peak_mb()
    t = time.perf_counter()
    engine.run(world, np.random.SeedSequence(1, spawn_key=(0, 0, 0)), record_events=False)
    cold_s = time.perf_counter() - t
    warm, summary = [], {}
    for rep in range(1, reps + 1):
        t = time.perf_counter()
        res = engine.run(world, np.random.SeedSequence(1, spawn_key=(0, rep, 0)), record_events=False)
        warm.append(time.perf_counter() - t)
        if rep == 1:
            summary = res.summary()
    steps = max(int(world.timeline.arrival_step.max()), 0) if world.threats.count else 0
    return {
        "batteries": batteries,
        "threats": threats,
        "regiments": len(world.units),
        "battalions": len(world.battalions),
        "radars": len(world.radars),
        "threats_built": world.threats.count,
        "grid_cells": int(world.terrain.values.size),
        "last_arrival_step": steps,
        "generate_s": generate_s,
        "build_s": build_s,
        "rep_cold_s": cold_s,
        "rep_warm_median_s": statistics.median(warm),
        "rep_warm_s": warm,
        "reps_warm": reps,
        "rss_before_world_mb": rss0,
        "peak_after_build_mb": peak_build - rss0,
        "peak_mb": _peak_mb() - rss0,
        "timeline_mb": _timeline_mb(world),
        "floors_mb": sum(r.coverage.floor_agl_m.nbytes for r in world.radars) / 2**20,
        "outcome": {k: summary.get(k) for k in engine.COUNT_FIELDS},
        "load_before": load_before,
        "load_after": loadavg(),
    }


def _reps_for(batteries: int, threats: int, reps: int) -> int:
    """Warm replications of a member: ``reps`` up to 2,000 battery-threats, then fewer (at least 3)."""
    work = batteries * threats
    if work <= 2_000:
        return reps
    return max(3, reps * 5 // 7) if work <= 6_000 else 3


def run_member_process(batteries: int, threats: int, reps: int, folder: Path) -> dict[str, Any]:
    """:func:`measure_member` in a fresh process of this script (its peak memory its own)."""
    cmd = [sys.executable, __file__, "--member", str(batteries), str(threats), "--reps", str(reps)]
    cmd += ["--out", str(folder)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"member {batteries} x {threats} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def loglog_slope(n: Sequence[float], cost: Sequence[float]) -> float:
    """Least-squares slope of log(cost) on log(n)."""
    import numpy as np

    if len(n) < 2:
        return math.nan
    slope, _ = np.polyfit(np.log(np.asarray(n, float)), np.log(np.asarray(cost, float)), 1)
    return float(slope)


def _series(rows: list[dict[str, Any]], fixed: str, value: int, vary: str) -> list[dict[str, Any]]:
    return sorted((r for r in rows if r[fixed] == value), key=lambda r: r[vary])


COSTS = (
    ("rep_warm_median_s", "replication (warm, median)"),
    ("rep_cold_s", "first replication (with the timeline)"),
    ("build_s", "world build"),
    ("peak_mb", "peak memory (MiB)"),
)


def slopes(rows: list[dict[str, Any]], fixed_batteries: int, fixed_threats: int) -> dict[str, dict[str, Any]]:
    """Log-log slopes of every cost against threats (at ``fixed_batteries``) and batteries (at
    ``fixed_threats``): over the whole series, and between neighbours (``segments``, of the warm
    replication: where the growth steepens); and of the warm replication against threats at the most
    batteries (``threats_at_most_batteries``, where the family has two members or more there)."""
    out: dict[str, dict[str, Any]] = {}
    for name, fixed, value, vary in (
        ("threats", "batteries", fixed_batteries, "threats"),
        ("batteries", "threats", fixed_threats, "batteries"),
    ):
        s = _series(rows, fixed, value, vary)
        n = [r[vary] for r in s]
        out[name] = {key: loglog_slope(n, [max(r[key], 1e-6) for r in s]) for key, _ in COSTS}
        warm = [r["rep_warm_median_s"] for r in s]
        out[name]["segments"] = [
            [n[i], n[i + 1], loglog_slope(n[i : i + 2], warm[i : i + 2])] for i in range(len(n) - 1)
        ]
    most = max(r["batteries"] for r in rows)
    s = _series(rows, "batteries", most, "threats")
    if most != fixed_batteries and len(s) >= 2:
        out["threats_at_most_batteries"] = {
            "batteries": most,
            "rep_warm_median_s": loglog_slope([r["threats"] for r in s], [r["rep_warm_median_s"] for r in s]),
            "threats": [r["threats"] for r in s],
        }
    return out


def plot(rows: list[dict[str, Any]], fixed_batteries: int, fixed_threats: int, path: Path) -> None:
    """Log-log plot of the costs against threats and against batteries."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    for ax, fixed, value, vary, title in (
        (axes[0], "batteries", fixed_batteries, "threats", f"{fixed_batteries} batteries"),
        (axes[1], "threats", fixed_threats, "batteries", f"{fixed_threats} threats"),
    ):
        s = _series(rows, fixed, value, vary)
        n = [r[vary] for r in s]
        for key, label in COSTS[:3]:
            cost = [r[key] for r in s]
            ax.loglog(n, cost, "o-", label=f"{label} (slope {loglog_slope(n, cost):.2f})")
        if vary == "threats":  # the warm replication at the most batteries, where there are two members
            most = max(r["batteries"] for r in rows)
            s = _series(rows, "batteries", most, "threats")
            if most != value and len(s) >= 2:
                n, cost = [r["threats"] for r in s], [r["rep_warm_median_s"] for r in s]
                ax.loglog(
                    n,
                    cost,
                    "s--",
                    label=f"replication at {most} batteries (slope {loglog_slope(n, cost):.2f})",
                )
            ax.axhline(GOAL_CORNER_S, ls=":", color="grey", label=f"goal at {CORNER[0]} x {CORNER[1]}")
        ax.set_xlabel(vary)
        ax.set_ylabel("seconds")
        ax.set_title(f"Cost against {vary} ({title})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ax = axes[2]
    for fixed, value, vary, marker in (
        ("batteries", fixed_batteries, "threats", "o-"),
        ("threats", fixed_threats, "batteries", "s-"),
    ):
        s = _series(rows, fixed, value, vary)
        ax.loglog([r[vary] for r in s], [r["peak_mb"] for r in s], marker, label=f"against {vary}")
    ax.set_xlabel("threats or batteries")
    ax.set_ylabel("peak memory above the start, MiB")
    ax.set_title("Peak memory")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle("iadsim engine scale (S-400 batteries around Ankara)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(result: dict[str, Any], out: Path) -> None:
    """``engine-scale.json``, ``engine-scale.csv`` and ``engine-scale.png`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rows = result["members"]
    (out / "engine-scale.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    fields = [k for k in rows[0] if k not in ("rep_warm_s", "outcome")] + list(rows[0]["outcome"])
    with open(out / "engine-scale.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({**{k: r[k] for k in fields if k in r}, **r["outcome"]})
    plot(rows, result["fixed_batteries"], result["fixed_threats"], out / "engine-scale.png")


def print_table(rows: list[dict[str, Any]]) -> None:
    """The measurements, one line a member."""
    print(
        f"{'bty':>4} {'thr':>5} {'radars':>6} {'build s':>8} {'cold s':>8} {'warm s':>8} "
        f"{'peak MiB':>9} {'tl MiB':>7} {'killed':>6} {'leaked':>6}  load"
    )
    for r in rows:
        o = r["outcome"]
        print(
            f"{r['batteries']:>4} {r['threats']:>5} {r['radars']:>6} {r['build_s']:>8.2f} "
            f"{r['rep_cold_s']:>8.3f} {r['rep_warm_median_s']:>8.3f} {r['peak_mb']:>9.0f} "
            f"{r['timeline_mb']:>7.0f} {o['killed']:>6} {o['leaked']:>6}  {r['load_before']}"
        )


def report_goals(result: dict[str, Any]) -> None:
    """Slopes and the ratios against the goals."""
    sl = result["slopes"]
    print()
    for name, fixed in (("threats", result["fixed_batteries"]), ("batteries", result["fixed_threats"])):
        s = sl[name]
        what = f"{fixed} batteries" if name == "threats" else f"{fixed} threats"
        print(
            f"slope against {name} ({what}): warm replication {s['rep_warm_median_s']:.2f}, first "
            f"{s['rep_cold_s']:.2f}, world build {s['build_s']:.2f}, peak memory {s['peak_mb']:.2f}"
        )
        pieces = ", ".join(f"{a}-{b}: {v:.2f}" for a, b, v in s["segments"])
        print(f"  warm replication between neighbours: {pieces}")
    if "threats_at_most_batteries" in sl:
        m = sl["threats_at_most_batteries"]
        print(
            f"slope against threats ({m['batteries']} batteries, threats {m['threats']}): warm replication "
            f"{m['rep_warm_median_s']:.2f}"
        )
    slope = sl["threats"]["rep_warm_median_s"]
    print(f"goal: slope in threats <= {GOAL_SLOPE}: {slope:.2f} (ratio {slope / GOAL_SLOPE:.2f})")
    corner = [r for r in result["members"] if (r["batteries"], r["threats"]) == CORNER]
    if corner:
        c = corner[0]
        print(
            f"goal: a {CORNER[0]}-battery, {CORNER[1]}-threat replication under {GOAL_CORNER_S:g} s: "
            f"{c['rep_warm_median_s']:.2f} s warm (ratio {c['rep_warm_median_s'] / GOAL_CORNER_S:.2f}), "
            f"{c['rep_cold_s']:.2f} s for the first (ratio {c['rep_cold_s'] / GOAL_CORNER_S:.2f}); "
            f"world build {c['build_s']:.1f} s"
        )
    else:
        print(f"goal: the {CORNER[0]} x {CORNER[1]} corner is not in this run (--quick)")


def profile(batteries: int, threats: int, top: int) -> None:
    """cProfile of one warm replication of a member (after the first, which builds the timeline), and of
    the first; the top entries by own time and by cumulative time."""
    import cProfile
    import pstats

    import numpy as np

    from iadsim.catalog import default_catalog
    from iadsim.sim import engine
    from iadsim.sim.world import build_world

    print(f"load average: {loadavg()}")
    engine.warm_up()
    cat = default_catalog()
    world = build_world(scale_scenario(batteries, threats, cat), cat)
    for label in ("first replication (builds the timeline)", "warm replication"):
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.enable()
        engine.run(world, np.random.SeedSequence(1, spawn_key=(0, 1, 0)), record_events=False)
        prof.disable()
        print(f"\n=== {batteries} batteries x {threats} threats, {label}: {time.perf_counter() - t:.2f} s")
        for order in ("tottime", "cumulative"):
            print(f"--- by {order}")
            pstats.Stats(prof, stream=sys.stdout).sort_stats(order).print_stats(top)
    print(f"load average: {loadavg()}")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run the family (or one member, or a profile)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("engine-scale"), help="folder for the outputs")
    parser.add_argument("--quick", action="store_true", help="a small family (about a minute)")
    parser.add_argument("--reps", type=int, default=7, help="warm replications per small member")
    parser.add_argument(
        "--member", type=int, nargs=2, metavar=("BATTERIES", "THREATS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--profile", type=int, nargs=2, metavar=("BATTERIES", "THREATS"))
    parser.add_argument("--top", type=int, default=30, help="entries of the profile")
    args = parser.parse_args(argv)
    if args.member:
        b, t = args.member
        print(json.dumps(measure_member(b, t, args.reps, args.out / "scenarios")))
        return
    if args.profile:
        b, t = args.profile
        profile(b, t, args.top)
        return
    kind = "quick" if args.quick else "full"
    members = QUICK if args.quick else FULL
    fixed_batteries, fixed_threats = SWEEPS[kind]
    start, load_start = time.perf_counter(), loadavg()
    print(f"{kind} family, {len(members)} members; load average {load_start}")
    rows = []
    for b, t in members:
        reps = _reps_for(b, t, args.reps)
        row = run_member_process(b, t, reps, args.out)
        rows.append(row)
        print(
            f"  {b:>2} batteries x {t:>4} threats: build {row['build_s']:.2f} s, "
            f"first {row['rep_cold_s']:.3f} s, warm {row['rep_warm_median_s']:.3f} s (median of {reps}), "
            f"peak {row['peak_mb']:.0f} MiB (load {row['load_before']})",
            flush=True,
        )
    result = {
        "command": " ".join(["python", "benchmarks/engine_scale.py", *(argv or sys.argv[1:])]),
        "kind": kind,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_start": load_start,
        "load_end": loadavg(),
        "wall_s": time.perf_counter() - start,
        "fixed_batteries": fixed_batteries,
        "fixed_threats": fixed_threats,
        "members": rows,
        "slopes": slopes(rows, fixed_batteries, fixed_threats),
        "goals": {"slope_in_threats": GOAL_SLOPE, "corner": list(CORNER), "corner_s": GOAL_CORNER_S},
    }
    print()
    print_table(rows)
    report_goals(result)
    write_outputs(result, args.out)
    print(f"\n{result['wall_s']:.0f} s in all; load average {result['load_end']}")
    print(f"wrote {args.out}/engine-scale.png, .csv and .json")


if __name__ == "__main__":
    main()
