"""Hand-computed cases of the engine: small scenarios whose answers follow from closed forms.

The scenarios put one battalion at ``SITE`` (the centre of the world's azimuthal-equidistant plane, where
distances from the site are geodesic distances) and fly targets along radials, so that a target's ground
distance from the site is its start distance minus speed x time. Systems and missiles come from
``validation-catalog.yaml``: a radar that detects whatever it can see (Pd 1), a constant-speed missile and
a boost-coast one.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Geod

from iadsim.scenario import Scenario

HERE = Path(__file__).parent
SITE = (40.0, 33.0)
GEOD = Geod(ellps="WGS84")
#: Effective earth radius k R for k = 4/3, m.
KR = 4.0 / 3.0 * 6_371_000.0


def point(bearing_deg: float, distance_km: float) -> list[float]:
    """[lat, lon] at a geodesic distance and bearing from the site."""
    lon, lat, _ = GEOD.fwd(SITE[1], SITE[0], bearing_deg, distance_km * 1e3)
    return [lat, lon]


def radial(
    name: str,
    bearing_deg: float,
    from_km: float,
    to_km: float,
    altitude: dict[str, float],
    speed_mps: float,
    target: str = "val-fighter",
    count: int = 1,
    start_s: float = 0.0,
    interval_s: float = 0.0,
) -> dict[str, Any]:
    """A raid along the radial ``bearing_deg`` from ``from_km`` to ``to_km`` from the site."""
    return {
        "name": name,
        "target": target,
        "count": count,
        "start_s": start_s,
        "interval_s": interval_s,
        "speed_mps": speed_mps,
        "route": [
            {"position": point(bearing_deg, from_km), "altitude": altitude},
            {"position": point(bearing_deg, to_km), "altitude": altitude},
        ],
    }


def scenario(
    raids: list[dict[str, Any]],
    system: str = "val-sam",
    missiles: dict[str, int] | None = None,
    terrain: str = "flat",
    duration_s: float = 1200.0,
    **battalion: Any,
) -> Scenario:
    """One unit of ``system`` with one battalion at the site, against ``raids``; salvo 1, shoot-look-shoot;
    free space (no surface: the hand computations are of the free-space radar equation)."""
    bn = {"name": "b", "position": list(SITE), "launchers": 1, "missiles": missiles or {"val-constant": 4}}
    return Scenario.model_validate(
        {
            "version": 1,
            "name": "validation",
            "terrain": terrain,
            "duration_s": duration_s,
            "step_s": 1.0,
            "units": [
                {"name": "u", "system": system, "position": list(SITE), "battalions": [{**bn, **battalion}]}
            ],
            "doctrine": {"salvo": 1, "shoot_look_shoot": True, "kill_assessment_s": 5},
            "raids": raids,
            "environment": {"surface": "none"},
        }
    )


def horizon_ground_range_m(radar_m: float, target_m: float) -> float:
    """Ground range (arc over the k-factor earth) at which a target at ``target_m`` rises above the smooth
    earth's horizon of an antenna at ``radar_m``: ``kR (acos(kR / (kR + h_r)) + acos(kR / (kR + h_t)))``
    (the two tangent points, Skolnik 3rd ed. sec. 8.2)."""
    return KR * (math.acos(KR / (KR + radar_m)) + math.acos(KR / (KR + target_m)))


def events(result: Any, kind: str) -> list[Any]:
    """The events of one kind, in order."""
    return [e for e in result.events if e.kind == kind]


def head_on_time_s(distance_m: float, height_m: float, target_mps: float, missile_mps: float) -> float:
    """Flight time T of a constant-speed missile from the ground to a target closing head-on at constant
    height: (d - v T)^2 + h^2 = (V T)^2, i.e. (V^2 - v^2) T^2 + 2 d v T - (d^2 + h^2) = 0, the positive
    root."""
    a = missile_mps**2 - target_mps**2
    b = 2 * distance_m * target_mps
    c = -(distance_m**2 + height_m**2)
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


@functools.lru_cache(maxsize=4096)
def steady_track_cov(sigma_m: float, q: float = 10.0, dt: float = 1.0) -> np.ndarray:
    """Steady-state covariance [[P_pp, P_pv], [P_pv, P_vv]] of one axis of a track updated every ``dt``
    seconds with position noise ``sigma_m``: the discrete nearly-constant-velocity Kalman filter
    (F = [[1, dt], [0, 1]], Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]], H = [1, 0], R = sigma^2; Bar-Shalom et
    al. 2001, ch. 6) iterated until it settles."""
    f = np.array([[1.0, dt], [0.0, 1.0]])
    qm = q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
    p = np.diag([sigma_m**2, 1e6])
    for _ in range(300):  # (settles to 1e-12 within a hundred steps for these noises)
        p = f @ p @ f.T + qm
        k = p[:, 0] / (p[0, 0] + sigma_m**2)
        p = p - np.outer(k, p[0, :])
    return p


def aim_margin_m(ahead_s: float, sigmas_m: tuple[float, float, float], q: float = 10.0) -> float:
    """Fire control's reserve, 2 sqrt(trace) of the covariance of a steady track's position ``ahead_s``
    seconds ahead, the axes' noise ``sigmas_m``: per axis var = P_pp + 2 T P_pv + T^2 P_vv
    (:func:`steady_track_cov` with the tracker's acceleration noise ``q``)."""
    total = 0.0
    for sigma in sigmas_m:
        p = steady_track_cov(round(sigma, 1), q)
        total += p[0, 0] + 2 * ahead_s * p[0, 1] + ahead_s**2 * p[1, 1]
    return 2.0 * math.sqrt(total)


def launch_jitter_s(ahead_s: float, target_mps: float, range_sigma_m: float = 5.0, q: float = 10.0) -> float:
    """How far a track's error moves the first launch: the along-track velocity error (3 standard
    deviations of a steady track, :func:`steady_track_cov`) shifts the intercept point ``ahead_s`` seconds
    out by 3 sigma_v ahead_s, which the target covers in that distance over its speed."""
    sigma_v = math.sqrt(steady_track_cov(range_sigma_m, q)[1, 1])
    return 3.0 * sigma_v * ahead_s / target_mps


def first_launch_s(
    ready_s: float,
    start_m: float,
    target_mps: float,
    height_m: float,
    missile_mps: float,
    max_flight_s: float,
    max_ground_m: float,
    range_sigma_m: float = 5.0,
    angle_sigma_rad: float = math.radians(0.01),
    q: float = 10.0,
) -> int:
    """First step (s) at or after ``ready_s`` at which a constant-speed missile can be fired at a target
    closing head-on from ``start_m`` at constant height: the intercept point (flight time T) must leave
    :func:`aim_margin_m` in reserve, both in the missile's reach (V t_max - V T) and inside the envelope's
    ground range. The track's noise: range along the line of sight, range x angle across it."""
    t = math.ceil(ready_s)
    while t < 10_000:
        d = start_m - target_mps * t
        flight = head_on_time_s(d, height_m, target_mps, missile_mps)
        cross = d * angle_sigma_rad
        margin = aim_margin_m(flight, (cross, range_sigma_m, cross), q)
        ground = d - target_mps * flight
        if (
            flight <= max_flight_s
            and missile_mps * (max_flight_s - flight) >= margin
            and ground <= max_ground_m - margin
        ):
            return t
        t += 1
    raise AssertionError("no launch")
