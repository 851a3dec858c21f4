"""The web map's API and page: a read-only FastAPI app over one data folder.

Endpoints (all ``GET``, each also answering ``HEAD``; documented at ``/docs`` and ``/openapi.json``):

- ``/``: the map page; ``/static/...``: its script, style, the vendored Leaflet and Swagger UI.
- ``/api/layers``: what the data folder holds (coverage layers, sites, rings, files, hillshade extent).
- ``/api/coverage``: the folder's coverage GeoJSON (optionally one ``kind``).
- ``/api/borders``: country borders (World Borders 0.3, CC BY-SA 3.0), simplified, as GeoJSON.
- ``/api/hillshade.png``: a shaded-relief image of the embedded GLOBE terrain over the data's extent.
- ``/api/scenarios``: built-in scenarios and scenario files of the data folder (files that do not load are
  listed as skipped, with the reason, and logged once).
- ``/api/routes?scenario=NAME``: a scenario's raid routes, units and defended assets as GeoJSON.
- ``/api/replay?scenario=NAME&seed=N``: one engine run, threat positions sampled in time, outcomes, events.
- ``/files/{path}``: a file of the data folder (never one outside it, never a dotfile).
- ``/docs``: the API's Swagger UI page, from the vendored Swagger UI.

Nothing is fetched from the internet: the page draws borders and relief served by this app, no web tiles,
and the docs page loads its script and style from this app.

Limits: every cache is bounded (borders are simplified to a few fixed tolerances, at most
:data:`BORDER_CACHE_SIZE` kept; replays are kept as JSON within :data:`REPLAY_CACHE_SIZE` entries and
:data:`REPLAY_CACHE_BYTES`; a replay samples at most :data:`MAX_REPLAY_POSITIONS` positions). A replay runs in
a worker thread that stops between engine steps when its last client leaves or the server is stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import math
import signal
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iadsim import __version__
from iadsim.catalog import Catalog
from iadsim.errors import IadsimError
from iadsim.workflows import layout

STATIC_DIR = Path(__file__).parent / "static"
#: Where the vendored Swagger UI (``swagger-ui-dist``, Apache-2.0) is served from.
SWAGGER_UI_URL = "/static/vendor/swagger-ui"
#: Credits shown on the map for the data it draws.
BORDERS_CREDIT = "Borders: World Borders 0.3, thematicmapping.org, CC BY-SA 3.0"
TERRAIN_CREDIT = "Relief: GLOBE 30″ DEM, NOAA NGDC"
#: Default sampling interval of replayed threat positions, s.
REPLAY_STEP_S = 10.0
#: Replays kept in memory (least recently used dropped first), and the most bytes of JSON they may hold.
REPLAY_CACHE_SIZE = 32
REPLAY_CACHE_BYTES = 256 * 2**20
#: Most threat positions one replay samples (threats x sampling times): about 30 bytes of JSON each.
MAX_REPLAY_POSITIONS = 2_000_000
#: Replays computed at the same time; others wait for a worker.
REPLAY_WORKERS = 2
#: How often a waiting replay request checks whether its client is still there, s.
DISCONNECT_POLL_S = 0.1
#: Tolerances the borders are simplified to, degrees: a request is served at the coarsest level not coarser
#: than it asks for, so that a few simplified sets serve every request.
BORDER_TOLERANCES_DEG = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: Simplified border sets kept in memory (least recently used dropped first).
BORDER_CACHE_SIZE = 4
#: Data-folder items kept in memory: coverage documents, loaded scenarios, relief images.
DATA_CACHE_SIZE = 64
#: Seeds of a replay: those the page shows exactly (a JavaScript number is exact up to 2**53).
MAX_SEED = 2**32 - 1
_GEOD = Geod(ellps="WGS84")
_LOG = logging.getLogger("iadsim.web")


class ReplayStopped(Exception):
    """A replay abandoned before its end: nobody waits for it any more, or the server is stopping."""


# ------------------------------------------------------------------------------------------- data folder


def coverage_file(data_dir: Path) -> Path | None:
    """The coverage GeoJSON of a data folder: ``coverage/coverage.geojson`` (a demo folder) or
    ``coverage.geojson`` (a ``coverage map`` folder); None when it has neither."""
    for folder in layout.coverage_folders(data_dir):
        path = folder / layout.COVERAGE_GEOJSON
        if path.is_file():
            return path
    return None


def _hidden(parts: Any) -> bool:
    """Whether a path (its components) names a dotfile or passes through a dot folder."""
    return any(str(p).startswith(".") for p in parts)


def safe_data_path(data_dir: Path, rel: str) -> Path | None:
    """The file ``rel`` (a relative, forward-slash path) inside ``data_dir``, or None when ``rel`` is
    absolute, has ``..`` or backslashes, names a dotfile or a file in a dot folder, or resolves (through
    symbolic links) outside the folder, to a dotfile or to something that is not a regular file."""
    if not rel or "\x00" in rel or "\\" in rel or rel.startswith("/") or ":" in rel.split("/")[0]:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts) or _hidden(parts):
        return None
    root = data_dir.resolve()
    try:
        path = (root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(root) or _hidden(path.relative_to(root).parts) or not path.is_file():
        return None
    return path


def data_files(data_dir: Path, limit: int = 500) -> list[str]:
    """Relative paths of the regular files inside the data folder (symbolic links leaving it skipped)."""
    root = data_dir.resolve()
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if _hidden(rel.split("/")):
            continue
        if safe_data_path(root, rel) is not None:
            out.append(rel)
            if len(out) >= limit:
                break
    return out


def scenario_files(data_dir: Path) -> list[str]:
    """Scenario files of the data folder: ``*.yaml`` / ``*.yml`` at its top and in ``scenarios/``."""
    root = data_dir.resolve()
    names = []
    for folder in (root, root / "scenarios"):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in (".yaml", ".yml"):
                    rel = path.relative_to(root).as_posix()
                    if safe_data_path(root, rel) is not None:
                        names.append(rel)
    return names


def _extent(features: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of GeoJSON features, degrees."""
    import shapely.geometry

    bounds = [shapely.geometry.shape(f["geometry"]).bounds for f in features if f.get("geometry")]
    if not bounds:
        return None
    b = np.array(bounds)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


# ------------------------------------------------------------------------------------------------ borders


def borders_geojson(tolerance_deg: float = 0.02) -> dict[str, Any]:
    """Every country of World Borders 0.3 simplified to ``tolerance_deg`` degrees, coordinates rounded to
    0.001°, as a GeoJSON FeatureCollection (properties: name, iso3; each feature with its ``bbox``).
    Computed at each call (about a second): the app keeps a few of them, see :func:`border_level`."""
    import shapely

    from iadsim.coverage.areas import country_borders

    features = []
    for country in country_borders():
        geom = shapely.set_precision(country.geometry.simplify(tolerance_deg, preserve_topology=True), 0.001)
        if geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"name": country.name, "iso3": country.iso3},
                "geometry": json.loads(shapely.to_geojson(geom)),
                "bbox": [round(v, 3) for v in geom.bounds],
            }
        )
    return {"type": "FeatureCollection", "features": features, "attribution": BORDERS_CREDIT}


def border_level(tolerance_deg: float) -> float:
    """The tolerance of :data:`BORDER_TOLERANCES_DEG` the borders are served at for a requested one,
    degrees: the coarsest level not coarser than asked (the finest level for anything finer)."""
    fits = [level for level in BORDER_TOLERANCES_DEG if level <= tolerance_deg * (1 + 1e-9)]
    return fits[-1] if fits else BORDER_TOLERANCES_DEG[0]


@dataclass(frozen=True)
class _BorderSet:
    """Borders simplified to one level, kept as each feature's JSON text and bounding box."""

    tolerance_deg: float
    bboxes: NDArray[np.float64]
    features: tuple[bytes, ...]

    @classmethod
    def build(cls, tolerance_deg: float) -> _BorderSet:
        doc = borders_geojson(tolerance_deg)
        bboxes = np.array([f["bbox"] for f in doc["features"]], dtype=float).reshape(-1, 4)
        return cls(tolerance_deg, bboxes, tuple(_json_bytes(f) for f in doc["features"]))

    def body(self, bbox: tuple[float, float, float, float] | None = None) -> bytes:
        """The GeoJSON FeatureCollection (countries meeting ``bbox``: west, south, east, north in degrees,
        when given) as JSON, with ``attribution`` and the ``tolerance_deg`` it was simplified to."""
        if bbox is None:
            feats = self.features
        else:
            w, s, e, n = bbox
            b = self.bboxes
            keep = (b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s)
            feats = tuple(f for f, k in zip(self.features, keep.tolist(), strict=True) if k)
        tail = {"attribution": BORDERS_CREDIT, "tolerance_deg": self.tolerance_deg}
        return b'{"type":"FeatureCollection","features":[' + b",".join(feats) + b"]," + _json_bytes(tail)[1:]


# ---------------------------------------------------------------------------------------------- hillshade


def hillshade_bounds(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """The relief image's (west, south, east, north): the data's extent plus 1°, clipped to the embedded
    GLOBE tile (0–50 N, 0–90 E); None when they do not overlap."""
    from iadsim.terrain.globe import EAST, NORTH, SOUTH, WEST

    w, s, e, n = extent
    w, s, e, n = max(w - 1, WEST), max(s - 1, SOUTH), min(e + 1, EAST), min(n + 1, NORTH)
    if e - w < 0.1 or n - s < 0.1:
        return None
    return w, s, e, n


def render_hillshade(bounds: tuple[float, float, float, float], width_px: int = 1200) -> bytes:
    """A PNG of shaded relief (sun from the north-west, shadows only) of the embedded GLOBE terrain over
    ``bounds`` (west, south, east, north), its rows spaced evenly in Web Mercator so that a Leaflet image
    overlay puts each pixel in place; transparent over the sea."""
    from matplotlib.colors import LightSource  # (no figure: no backend needed)
    from PIL import Image

    from iadsim.terrain import GlobeTerrain

    w, s, e, n = bounds
    cols = int(min(width_px, max(64, (e - w) * 120)))

    def merc(lat: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    y_n, y_s = float(merc(np.array(n))), float(merc(np.array(s)))
    rows = max(16, int(round(cols * (y_n - y_s) / np.radians(e - w))))
    ys = np.linspace(y_n, y_s, rows)
    lats = np.degrees(2 * np.arctan(np.exp(ys)) - np.pi / 2)
    lons = np.linspace(w, e, cols)
    z = GlobeTerrain().elevation_m(lats[:, None], lons[None, :])
    z = np.nan_to_num(z, nan=0.0)
    dy_m = float(np.mean(np.abs(np.diff(lats)))) * 111_320.0
    dx_m = (e - w) / cols * 111_320.0 * math.cos(math.radians((n + s) / 2))
    shade = LightSource(azdeg=315, altdeg=45).hillshade(z, vert_exag=3.0, dx=dx_m, dy=dy_m)
    # dark shading only, transparent on flat ground (shade of a level cell: sin 45°) and over the sea, so
    # the image has no visible edge on the land colour beneath it
    dark = np.clip((np.sin(np.radians(45.0)) - shade) / 0.5, 0.0, 1.0)
    alpha = np.where(z > 0.5, dark * 200, 0).astype(np.uint8)
    zero = np.zeros_like(alpha)
    rgba = np.dstack([zero + 40, zero + 40, zero + 30, alpha])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ replay


@dataclass(frozen=True)
class Replay:
    """One run, ready for the page: positions every ``step_s`` and what happened to each threat."""

    scenario: str
    seed: int
    step_s: float
    times_s: list[float]
    threats: list[dict[str, Any]]
    summary: dict[str, Any]
    events: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "step_s": self.step_s,
            "times_s": self.times_s,
            "threats": self.threats,
            "summary": self.summary,
            "events": self.events,
        }


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x


def _json_bytes(content: Any) -> bytes:
    """``content`` as compact UTF-8 JSON, byte for byte as FastAPI's ``JSONResponse`` writes it."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def _run_engine(world: Any, seed: int, should_stop: Callable[[], bool] | None) -> Any:
    """The engine's run of ``world`` with ``seed`` (:func:`iadsim.sim.engine.run`), checking
    ``should_stop`` before each time step and raising :class:`ReplayStopped` when it says so; a run not
    stopped is the engine's very run (the check only reads a flag)."""
    from iadsim.sim import engine

    if should_stop is None:
        return engine.run(world, seed)
    stop = should_stop
    try:
        return engine.run(world, seed, should_stop=lambda t: stop())
    except engine.RunStopped as e:
        raise ReplayStopped(str(e)) from None


def replay_run(
    scenario: Any,
    catalog: Catalog,
    seed: int,
    step_s: float = REPLAY_STEP_S,
    should_stop: Callable[[], bool] | None = None,
    max_positions: int | None = None,
) -> Replay:
    """Build the scenario's world, run the engine once with ``seed`` and sample every threat's position
    every ``step_s`` seconds in WGS84.

    A threat flies its route at its speed from its launch time (as in the engine's ``move``); its track
    ends at its outcome time (killed or leaked) or at the end of the run. Positions are ``[lat, lon,
    altitude_m]`` (the altitude of the route, above ground or sea level as the scenario says) or None
    where the threat is not in the air; ``end`` is where it was killed or leaked.

    ``should_stop`` (when given) is called between the stages, before every engine time step and before
    sampling each threat; when it returns True the replay raises :class:`ReplayStopped`. A replay whose
    threats x sampling times exceed ``max_positions`` (default :data:`MAX_REPLAY_POSITIONS`) raises an
    :class:`~iadsim.errors.InputError` naming the ``step_s`` that fits, before sampling.
    """
    from iadsim.errors import InputError
    from iadsim.sim.world import build_world

    def check() -> None:
        if should_stop is not None and should_stop():
            raise ReplayStopped("stopped")

    check()
    world = build_world(scenario, catalog)
    check()
    result = _run_engine(world, seed, should_stop)
    check()
    th = world.threats
    to_wgs = Transformer.from_crs(world.terrain.crs, "EPSG:4326", always_xy=True)
    outcome_times = [
        t
        for o in result.outcomes
        for t in (o["killed_s"], o["leaked_s"])
        if t is not None and math.isfinite(t)
    ]
    last_event = max([e.t_s for e in result.events] + outcome_times + [0.0])
    horizon = min(float(scenario.duration_s), max(last_event, float(np.max(th.launch_s, initial=0.0))))
    times = np.arange(0.0, horizon + step_s, step_s)
    times = times[times <= horizon + step_s - 1e-9]
    limit = MAX_REPLAY_POSITIONS if max_positions is None else max_positions
    if th.count * len(times) > limit:
        more = limit // th.count - 1  # sampling times after t = 0 that fit
        fix = (
            f"use a larger step_s (at least {max(math.ceil(horizon / more), math.floor(step_s) + 1)} s)"
            if more >= 1
            else "it has too many threats to replay"
        )
        raise InputError(
            f"a replay every {step_s:g} s samples {th.count} threats x {len(times)} times, more than the "
            f"{limit:,} positions a replay may hold: {fix}"
        )
    threats = []
    for i in range(th.count):
        check()
        o = result.outcomes[i]
        end = o["killed_s"] if o["killed_s"] is not None else o["leaked_s"]
        end_s = float(end) if end is not None else float(times[-1])
        r = int(th.raid[i])
        rs = th.route_s[r]

        def at(t: NDArray[np.float64], i: int = i, rs: NDArray[np.float64] = rs, r: int = r) -> NDArray[Any]:
            s = th.flown_m((t - th.launch_s[i])[:, None], which=[i])[:, 0]
            x = np.interp(s, rs, th.route_x[r])
            y = np.interp(s, rs, th.route_y[r])
            alt = np.interp(s, rs, th.route_alt[r])
            lon, lat = to_wgs.transform(x, y)
            return np.stack([np.asarray(lat), np.asarray(lon), alt], axis=-1)

        flying = (times >= th.launch_s[i]) & (times <= end_s)
        pos = at(times)
        track: list[list[float] | None] = [
            [round(float(p[0]), 5), round(float(p[1]), 5), round(float(p[2]), 1)] if f else None
            for p, f in zip(pos, flying, strict=True)
        ]
        last = at(np.array([max(end_s, float(th.launch_s[i]))]))[0]
        threats.append(
            {
                **o,
                "target_class": th.target_class[i],
                "launch_s": float(th.launch_s[i]),
                "end_s": end_s,
                "end": [round(float(last[0]), 5), round(float(last[1]), 5), round(float(last[2]), 1)],
                "track": track,
            }
        )
    return Replay(
        scenario=scenario.name,
        seed=seed,
        step_s=step_s,
        times_s=[float(t) for t in times],
        threats=_finite(threats),
        summary=_finite(result.summary()),
        events=_finite(result.events_as_dicts()),
    )


def _arc_feature(scenario: Any, raid: Any, catalog: Catalog) -> dict[str, Any]:
    """A ballistic raid's ground track (every 2 s of flight) with its apogee, time of flight and height
    profile (``heights_m``, one per point) as a GeoJSON LineString feature."""
    flight = scenario.flight_of(raid, catalog)
    tr = flight.trajectory
    t = np.linspace(0.0, tr.time_of_flight_s, max(int(tr.time_of_flight_s // 2.0), 16) + 1)
    lat, lon, height = flight.track(t)
    target = catalog.targets.get(raid.target)
    return {
        "type": "Feature",
        "properties": {
            "kind": "route",
            "trajectory": "ballistic",
            "name": raid.name,
            "target": raid.target,
            "target_name": target.name if target else raid.target,
            "count": raid.count,
            "altitudes": [f"{raid.profile} trajectory, apogee {tr.apogee_height_m / 1e3:.0f} km"],
            "apogee_km": round(tr.apogee_height_m / 1e3, 1),
            "time_of_flight_s": round(tr.time_of_flight_s, 1),
            "heights_m": [round(float(h), 0) for h in height],
        },
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(float(a), 5), round(float(b), 5)] for a, b in zip(lon, lat, strict=True)],
        },
    }


def routes_geojson(scenario: Any, catalog: Catalog) -> dict[str, Any]:
    """A scenario's raid routes (great-circle legs), units, battalions and defended assets as GeoJSON."""
    features: list[dict[str, Any]] = []
    for raid in scenario.raids:
        if raid.trajectory == "ballistic":
            features.append(_arc_feature(scenario, raid, catalog))
            continue
        coords: list[list[float]] = []
        for a, b in zip(raid.route, raid.route[1:], strict=False):
            (lat1, lon1), (lat2, lon2) = a.position, b.position
            dist = _GEOD.inv(lon1, lat1, lon2, lat2)[2]
            inner = _GEOD.npts(lon1, lat1, lon2, lat2, max(int(dist // 20e3), 0))
            coords += [[lon1, lat1], *([lo, la] for lo, la in inner)]
        last = raid.route[-1].position
        coords.append([last[1], last[0]])
        target = catalog.targets.get(raid.target)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "route",
                    "name": raid.name,
                    "target": raid.target,
                    "target_name": target.name if target else raid.target,
                    "count": raid.count,
                    "altitudes": [w.altitude.label() for w in raid.route],
                },
                "geometry": {"type": "LineString", "coordinates": [[round(c, 5) for c in p] for p in coords]},
            }
        )
    for unit in scenario.units:
        features.append(_point_feature(unit.position, kind="unit", name=unit.name, system=unit.system))
        for bn in unit.battalions:
            features.append(_point_feature(bn.position, kind="battalion", name=bn.name, unit=unit.name))
    for asset in scenario.defended_assets:
        features.append(
            _point_feature(asset.position, kind="asset", name=asset.name, radius_km=asset.radius_km)
        )
    return {"type": "FeatureCollection", "name": scenario.name, "features": features}


def _point_feature(position: tuple[float, float], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [position[1], position[0]]},
    }


# ------------------------------------------------------------------------------------------------ the app


class _Cache:
    """A small thread-safe LRU cache whose values are computed once per key, even under concurrent calls;
    bounded in entries and, when ``max_bytes`` is given, in the bytes its values hold (``weigh`` of each)."""

    def __init__(self, size: int, max_bytes: int | None = None, weigh: Callable[[Any], int] = len) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.weigh = weigh
        self.values: OrderedDict[Any, Any] = OrderedDict()
        self.weights: dict[Any, int] = {}
        self.nbytes = 0
        self.lock = threading.Lock()
        self.key_locks: dict[Any, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self.values)

    def peek(self, key: Any) -> Any:
        """The value of ``key`` (now the most recently used), or None."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value``, dropping the least recently used values beyond the bounds (a value larger than
        the byte bound is not kept)."""
        weight = self.weigh(value) if self.max_bytes is not None else 0
        with self.lock:
            if key in self.values:
                self.nbytes -= self.weights.pop(key)
                del self.values[key]
            if self.max_bytes is not None and weight > self.max_bytes:
                return
            self.values[key] = value
            self.weights[key] = weight
            self.nbytes += weight
            while len(self.values) > self.size or (
                self.max_bytes is not None and self.nbytes > self.max_bytes
            ):
                old, _ = self.values.popitem(last=False)
                self.nbytes -= self.weights.pop(old)

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
            key_lock = self.key_locks.setdefault(key, threading.Lock())
        try:
            with key_lock:
                with self.lock:
                    if key in self.values:
                        return self.values[key]
                value = compute()
                self.put(key, value)
                return value
        finally:
            with self.lock:
                if self.key_locks.get(key) is key_lock:
                    del self.key_locks[key]


class _Job:
    """One replay being computed, and how many requests wait for it."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.future: Future[bytes] = Future()
        self.waiters = 0


class _Replays:
    """Replays by key: their JSON in an LRU bounded in entries and bytes; each computed once in a worker
    thread (at most ``workers`` at a time) that stops when no request waits for it any more, or when the
    app closes (:meth:`close`: the server is stopping)."""

    def __init__(self, size: int, max_bytes: int, workers: int) -> None:
        self.cache = _Cache(size, max_bytes)
        self.jobs: dict[Any, _Job] = {}
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(workers)
        self.closed = threading.Event()

    def __len__(self) -> int:
        return len(self.cache)

    @property
    def nbytes(self) -> int:
        """Bytes of JSON kept."""
        return self.cache.nbytes

    def open(self) -> None:
        self.closed.clear()

    def close(self) -> None:
        """Stop every replay being computed and refuse new ones (safe to call from a signal handler: it
        only sets flags)."""
        self.closed.set()
        for job in list(self.jobs.values()):
            job.stop.set()

    async def get(
        self,
        key: Any,
        compute: Callable[[Callable[[], bool]], bytes],
        client_gone: Callable[[], Awaitable[bool]],
    ) -> bytes:
        """The JSON of ``key``: kept, or computed by ``compute(should_stop)`` in a worker thread (shared
        with other requests for the same key). Raises :class:`ReplayStopped` when ``client_gone()`` says
        the client left (the work stops when no other request waits for it) or the app closes."""
        body: bytes | None = self.cache.peek(key)
        if body is not None:
            return body
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()

        def wake(_: Future[bytes]) -> None:
            with contextlib.suppress(RuntimeError):  # (the loop is closed: nobody waits any more)
                loop.call_soon_threadsafe(ready.set)

        with self.lock:
            if self.closed.is_set():
                raise ReplayStopped("the server is stopping")
            body = self.cache.peek(key)  # (kept since the look above, by a job that has just ended)
            if body is not None:
                return body
            job = self.jobs.get(key)
            if job is None:
                job = self.jobs[key] = _Job()
                worker = threading.Thread(
                    target=self._work, args=(key, job, compute), name="iadsim-replay", daemon=True
                )
                worker.start()
            job.waiters += 1
        job.future.add_done_callback(wake)
        try:
            while not job.future.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ready.wait(), DISCONNECT_POLL_S)
                if not job.future.done() and (self.closed.is_set() or await client_gone()):
                    raise ReplayStopped("the client left" if not self.closed.is_set() else "stopping")
            exc = job.future.exception()
            if isinstance(exc, HTTPException):
                raise HTTPException(exc.status_code, exc.detail)  # (one exception object per request)
            return job.future.result()
        finally:
            with self.lock:
                job.waiters -= 1
                if job.waiters == 0 and not job.future.done():
                    job.stop.set()
                    if self.jobs.get(key) is job:
                        del self.jobs[key]

    def _work(self, key: Any, job: _Job, compute: Callable[[Callable[[], bool]], bytes]) -> None:
        def should_stop() -> bool:
            return job.stop.is_set() or self.closed.is_set()

        try:
            job.future.set_running_or_notify_cancel()
            while not self.slots.acquire(timeout=DISCONNECT_POLL_S):
                if should_stop():
                    raise ReplayStopped("stopped before it started")
            try:
                body = compute(should_stop)
            finally:
                self.slots.release()
            self.cache.put(key, body)
        except BaseException as exc:  # handed to the requests waiting for it
            if isinstance(exc, ReplayStopped | HTTPException):
                exc = exc.with_traceback(None)  # (expected: no need to keep the run's frames alive)
            job.future.set_exception(exc)
        else:
            job.future.set_result(body)
        finally:
            with self.lock:
                if self.jobs.get(key) is job:
                    del self.jobs[key]


class NoDotStaticFiles(StaticFiles):
    """Static files that never serve a path with a component starting with '.' (a 404 as for a missing
    file)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if _hidden(Path(path).parts):
            raise HTTPException(status_code=404, detail="Not Found")
        return await super().get_response(path, scope)


class _HeadAsGet:
    """ASGI middleware answering ``HEAD`` wherever ``GET`` is answered: the same status and headers, no
    body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                message = {
                    "type": "http.response.body",
                    "body": b"",
                    "more_body": message.get("more_body", False),
                }
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def _chain_stop_signals(on_stop: Callable[[], None]) -> Callable[[], None]:
    """While the app is served from the main thread by a server that handles SIGINT and SIGTERM with
    handlers of its own (as uvicorn does), call ``on_stop`` first when one arrives, then the server's
    handler. Returns the function that puts the server's handlers back (at the end of the app's
    lifespan); does nothing in any other thread, or where no Python handler is installed."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    installed: list[tuple[signal.Signals, Callable[[int, FrameType | None], Any], Any]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)
        if not callable(previous) or previous is signal.default_int_handler:
            continue

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            on_stop()
            previous(signum, frame)

        signal.signal(sig, handler)
        installed.append((sig, handler, previous))

    def restore() -> None:
        for sig, handler, previous in installed:
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)

    return restore


def _error(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


@dataclass(frozen=True)
class _LoadFailure:
    """Why a scenario file did not load."""

    reason: str


def _load_error(name: str, path: Path, exc: Exception) -> str:
    """Why the scenario ``name`` (at ``path``) does not load, naming it and not the server's folders."""
    if isinstance(exc, UnicodeDecodeError):
        bad = exc.object[exc.start : exc.start + 1].hex()
        return f"scenario {name!r} is not valid: {name}: not UTF-8 text (byte 0x{bad} at offset {exc.start})"
    if isinstance(exc, OSError):
        return f"scenario {name!r} cannot be read: {exc.strerror or exc}"
    return f"scenario {name!r} is not valid: " + str(exc).replace(str(path), name)


def create_app(
    data_dir: Path,
    catalog: Catalog | None = None,
    hillshade: bool = True,
    replay_step_s: float = REPLAY_STEP_S,
    max_replay_positions: int = MAX_REPLAY_POSITIONS,
) -> FastAPI:
    """The web map over ``data_dir`` (a folder written by ``iadsim demo`` or ``iadsim coverage map``).

    ``catalog`` is used to load scenarios (default: the built-in catalog); ``hillshade`` turns the relief
    image of the embedded terrain on or off; ``replay_step_s`` is the default sampling of replays, s;
    ``max_replay_positions`` the most threat positions one replay may sample.
    The app only answers ``GET`` (and ``HEAD``) requests and only serves files inside ``data_dir``, never
    a dotfile. Its caches are in ``app.state.caches`` (name: an object with ``len()`` and ``nbytes``).

    While uvicorn serves it from the main thread, SIGINT and SIGTERM first stop the replays being computed
    (their requests answer 503), then reach uvicorn's own handlers; the handlers are put back when the
    app's lifespan ends.
    """
    root = Path(data_dir).resolve()
    if not root.is_dir():
        raise IadsimError(f"{data_dir}: no such data folder")

    def get_catalog() -> Catalog:
        nonlocal catalog
        if catalog is None:
            from iadsim.catalog import default_catalog

            catalog = default_catalog()
        return catalog

    replays = _Replays(REPLAY_CACHE_SIZE, REPLAY_CACHE_BYTES, REPLAY_WORKERS)
    small = _Cache(DATA_CACHE_SIZE)
    borders_cache = _Cache(BORDER_CACHE_SIZE)
    warned: dict[str, int] = {}  # scenario file -> modification time (ns) of the version warned about

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        replays.open()
        restore = _chain_stop_signals(replays.close)
        try:
            yield
        finally:
            restore()
            replays.close()

    app = FastAPI(
        title="iadsim web map",
        version=__version__,
        description="Read-only API behind the offline map of an iadsim data folder: coverage, sites, "
        "advertised rings, scenario routes and replays of engine runs. " + BORDERS_CREDIT + ".",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(_HeadAsGet)
    app.mount("/static", NoDotStaticFiles(directory=STATIC_DIR), name="static")
    app.state.caches = {"replays": replays, "data": small, "borders": borders_cache}

    def coverage_doc() -> dict[str, Any] | None:
        path = coverage_file(root)
        if path is None:
            return None
        stamp = path.stat().st_mtime_ns

        def load() -> dict[str, Any]:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise _error(422, f"{path.name}: not valid GeoJSON ({exc})") from None
            if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
                raise _error(422, f"{path.name}: not a GeoJSON FeatureCollection")
            return doc

        doc: dict[str, Any] | None = small.get(("coverage", stamp), load)
        return doc

    def study_info() -> dict[str, Any] | None:
        for folder in layout.coverage_folders(root):
            path = folder / layout.RING_VS_REAL_JSON
            if path.is_file():
                try:
                    info = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return None
                return info if isinstance(info, dict) else None
        return None

    def resolve(name: str) -> Any:
        """A scenario by built-in name or data-folder file; 404 unknown, 422 one that does not load."""
        from iadsim.scenario import builtin_scenarios, load_scenario

        if name in scenario_files(root):
            path = safe_data_path(root, name)
        elif name in builtin_scenarios():
            path = builtin_scenarios()[name]
        else:
            raise _error(404, f"unknown scenario {name!r}: see /api/scenarios")
        try:
            if path is None:
                raise FileNotFoundError
            stamp = path.stat().st_mtime_ns
        except OSError:
            raise _error(404, f"unknown scenario {name!r}: see /api/scenarios") from None

        def load() -> Any:
            try:
                return load_scenario(path, get_catalog())
            except (IadsimError, OSError, ValueError) as exc:  # (ValueError: bytes that are not UTF-8)
                return _LoadFailure(_load_error(name, path, exc))  # kept, as a scenario is, per version

        loaded = small.get(("scenario", name, stamp), load)
        if isinstance(loaded, _LoadFailure):
            raise _error(422, loaded.reason)
        return loaded

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{SWAGGER_UI_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI_URL}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI_URL}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/api/layers", summary="What the data folder holds")
    def layers() -> dict[str, Any]:
        """Coverage layers (kind, target, altitude, colour, area), sites, rings, the study's name and
        terrain, the relief image's bounds, the data folder's files and the credits to show."""
        doc = coverage_doc()
        feats = doc["features"] if doc else []
        cov = []
        for i, f in enumerate(feats):
            p = f.get("properties") or {}
            if p.get("kind") in ("detection", "engagement"):
                cov.append(
                    {"index": i, **{k: p.get(k) for k in ("kind", "target", "altitude", "name", "color")}}
                    | {"area_km2": p.get("area_km2")}
                )
        info = study_info() or {}
        extent = _extent(feats) if feats else None
        shade = hillshade_bounds(extent) if (extent and hillshade) else None
        return {
            "data_dir": root.name,
            "study": info.get("name"),
            "terrain": info.get("terrain"),
            "coverage": cov,
            "sites": [
                (f.get("properties") or {}).get("name")
                for f in feats
                if (f.get("properties") or {}).get("kind") == "site"
            ],
            "rings": [
                (f.get("properties") or {}).get("name")
                for f in feats
                if (f.get("properties") or {}).get("kind") == "ring"
            ],
            "extent": extent,
            "hillshade": {"url": "/api/hillshade.png", "bounds": shade} if shade else None,
            "scenario_files": scenario_files(root),
            "files": data_files(root),
            "credits": [BORDERS_CREDIT, *([TERRAIN_CREDIT] if shade else [])],
        }

    @app.get("/api/coverage", summary="Coverage GeoJSON of the data folder")
    def coverage(
        kind: Annotated[
            Literal["detection", "engagement", "site", "ring"] | None,
            Query(description="Only features of this kind."),
        ] = None,
    ) -> JSONResponse:
        """The folder's ``coverage.geojson``: detection and engagement (multi)polygons per target and
        altitude (properties kind, target, altitude, area_km2, color, name), site points and ring lines."""
        doc = coverage_doc()
        if doc is None:
            raise _error(
                404, "this data folder has no coverage.geojson (run `iadsim coverage map` or `iadsim demo`)"
            )
        if kind is not None:
            doc = {
                **doc,
                "features": [f for f in doc["features"] if (f.get("properties") or {}).get("kind") == kind],
            }
        return JSONResponse(doc)

    @app.get("/api/borders", summary="Country borders (GeoJSON)")
    def borders(
        bbox: Annotated[
            str | None,
            Query(
                description="Only countries meeting west,south,east,north (degrees)", examples=["20,30,50,48"]
            ),
        ] = None,
        tolerance_deg: Annotated[
            float,
            Query(
                ge=0.001,
                le=1.0,
                description="Simplification, degrees: served at the coarsest of "
                + ", ".join(f"{t:g}" for t in BORDER_TOLERANCES_DEG)
                + " not coarser than this (given as tolerance_deg in the answer)",
            ),
        ] = 0.02,
    ) -> Response:
        """World Borders 0.3 (thematicmapping.org, CC BY-SA 3.0), simplified, coordinates to 0.001°."""
        box = None
        if bbox is not None:
            try:
                w, s, e, n = (float(v) for v in bbox.split(","))
            except ValueError:
                raise _error(400, "bbox must be four numbers: west,south,east,north") from None
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                raise _error(
                    400, "bbox must satisfy -180 <= west < east <= 180 and -90 <= south < north <= 90"
                )
            box = (w, s, e, n)
        level = border_level(tolerance_deg)
        border_set: _BorderSet = borders_cache.get(level, lambda: _BorderSet.build(level))
        return Response(border_set.body(box), media_type="application/json")

    @app.get("/api/hillshade.png", summary="Shaded relief of the data's extent (PNG)")
    def hillshade_png() -> Response:
        """Shaded relief of the embedded GLOBE terrain around the data (bounds in ``/api/layers``)."""
        doc = coverage_doc()
        extent = _extent(doc["features"]) if doc and doc["features"] else None
        bounds = hillshade_bounds(extent) if (extent and hillshade) else None
        if bounds is None:
            raise _error(404, "no relief for this data folder (no coverage, or outside the embedded terrain)")
        png = small.get(("hillshade", bounds), lambda: render_hillshade(bounds))
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})

    @app.get("/api/scenarios", summary="Scenarios that can be replayed")
    def scenarios() -> dict[str, Any]:
        """Built-in scenarios (each with whether it loads against the catalog in use, and why not) and the
        data folder's scenario files that load; files that do not load are listed in ``skipped`` (file,
        reason) and logged once. ``default`` is the one the page opens."""
        from iadsim.scenario import builtin_scenarios

        out = []
        skipped = []
        for source, names in (("data", scenario_files(root)), ("builtin", sorted(builtin_scenarios()))):
            for name in names:
                entry: dict[str, Any] = {"name": name, "source": source}
                try:
                    sc = resolve(name)
                except HTTPException as exc:
                    if source == "data":
                        skipped.append({"file": name, "reason": exc.detail})
                        _warn_once(name, exc.detail)
                        continue
                    entry |= {"valid": False, "error": exc.detail}
                else:
                    entry |= {
                        "valid": True,
                        "title": sc.name,
                        "description": sc.description,
                        "duration_s": sc.duration_s,
                        "threats": sum(r.count for r in sc.raids),
                        "units": [u.name for u in sc.units],
                    }
                out.append(entry)
        valid = [e["name"] for e in out if e["valid"]]
        study = (study_info() or {}).get("name")
        default = study if study in valid else (valid[0] if valid else None)
        return {"scenarios": out, "default": default, "skipped": skipped}

    def _warn_once(name: str, reason: str) -> None:
        try:
            stamp = (root / name).stat().st_mtime_ns
        except OSError:
            stamp = -1
        if warned.get(name) != stamp:
            warned[name] = stamp
            _LOG.warning("skipped scenario file %s of %s: %s", name, root, reason)

    @app.get("/api/routes", summary="A scenario's routes, units and assets (GeoJSON)")
    def routes(
        scenario: Annotated[str, Query(min_length=1, max_length=200, description="Built-in name or file")],
    ) -> JSONResponse:
        """Raid routes as great-circle lines, units and battalions, defended assets."""
        return JSONResponse(routes_geojson(resolve(scenario), get_catalog()))

    @app.get("/api/replay", summary="Replay of one engine run")
    async def replay(
        request: Request,
        scenario: Annotated[str, Query(min_length=1, max_length=200, description="Built-in name or file")],
        seed: Annotated[int, Query(description="Random seed of the run (0 to 2^32 - 1)")] = 1,
        step_s: Annotated[float | None, Query(description="Sampling of positions, s (1 to 600)")] = None,
    ) -> Response:
        """Runs the engine once (cached per scenario, seed and step) and returns each threat's positions
        every ``step_s`` seconds (``[lat, lon, altitude_m]`` or null when not in the air), its outcome and
        outcome time, the run's summary and its events. The run stops if the client leaves before it ends
        (503 when the server is stopping); a replay sampling too many positions is a 422 that says which
        ``step_s`` fits."""
        if seed < 0 or seed > MAX_SEED:
            raise _error(400, f"seed must be between 0 and {MAX_SEED}, not {seed}")
        step = replay_step_s if step_s is None else step_s
        if not (math.isfinite(step) and 1.0 <= step <= 600.0):
            raise _error(400, f"step_s must be between 1 and 600 s, not {step_s}")
        sc = await run_in_threadpool(resolve, scenario)

        def compute(should_stop: Callable[[], bool]) -> bytes:
            try:
                run = replay_run(sc, get_catalog(), seed, step, should_stop, max_replay_positions)
            except IadsimError as exc:
                raise _error(422, f"scenario {scenario!r} cannot run: {exc}") from None
            return _json_bytes(run.as_dict())

        try:
            body = await replays.get((scenario, sc.digest, seed, step), compute, request.is_disconnected)
        except ReplayStopped:
            if replays.closed.is_set():
                return JSONResponse({"detail": "the server is stopping: the replay was stopped"}, 503)
            # nobody reads this: the client has gone (499, as proxies log a request closed by its client)
            return JSONResponse({"detail": "the client left: the replay was stopped"}, 499)
        return Response(body, media_type="application/json")

    @app.get("/files/{path:path}", summary="A file of the data folder")
    def files(path: str) -> FileResponse:
        """A file inside the data folder (see ``files`` in ``/api/layers``); anything else, and any dotfile,
        is a 404."""
        target = safe_data_path(root, path)
        if target is None:
            raise _error(404, "no such file in the data folder")
        return FileResponse(target)

    return app
