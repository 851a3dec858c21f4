"""Numba kernel of the defended footprint (:mod:`iadsim.coverage.footprint`, which states the model and its
formulas). Arrays and floats in, arrays out; no I/O, no validation.

One call fills the rows ``first:last`` of ``out`` (impact points by launch points) and releases the GIL, so
that a pool of threads can share the impact points.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _weights(r: float, r0: float, dr: float, rows: int) -> tuple[int, float, float, float, float]:
    """First row and the four weights of the cubic Lagrange interpolation at ``r`` in a table of ``rows``
    rows (``rows >= 4``) spaced ``dr`` from ``r0``: nodes ``j - 1 .. j + 2`` around ``r``, the end
    intervals with the nearest four nodes."""
    x = (r - r0) / dr
    j = int(math.floor(x))
    j = min(max(j, 1), rows - 3)
    f = x - j
    w0 = -f * (f - 1.0) * (f - 2.0) / 6.0
    w1 = (f + 1.0) * (f - 1.0) * (f - 2.0) / 2.0
    w2 = -(f + 1.0) * f * (f - 2.0) / 2.0
    w3 = (f + 1.0) * f * (f - 1.0) / 6.0
    return j - 1, w0, w1, w2, w3


@njit(cache=True, inline="always")
def _at(table: np.ndarray, j: int, k: int, w0: float, w1: float, w2: float, w3: float) -> float:
    """Column ``k`` of ``table`` interpolated across rows ``j .. j + 3``."""
    value: float = w0 * table[j, k] + w1 * table[j + 1, k] + w2 * table[j + 2, k] + w3 * table[j + 3, k]
    return value


@njit(cache=True, inline="always")
def _slant(g: float, h: float, antenna_m: float, re: float) -> float:
    """Slant range over the effective earth ``re`` from an antenna ``antenna_m`` up to a point ``h`` up at the
    ground range ``g``: ``r^2 = (h - h_r)^2 + 4 (re + h_r)(re + h) sin^2(g / (2 re))`` (the law of cosines
    without its cancellation)."""
    s = math.sin(0.5 * g / re)
    return math.sqrt((h - antenna_m) ** 2 + 4.0 * (re + antenna_m) * (re + h) * s * s)


@njit(cache=True, inline="always")
def _seen(
    east: float,
    north: float,
    g: float,
    h: float,
    r: float,
    antenna_m: float,
    re: float,
    horizon_g: float,
    r_det: float,
    sin_el_min: float,
    sin_el_max: float,
    face_e: float,
    face_n: float,
    cos_half: float,
) -> bool:
    """Whether the radar at the origin sees a point (see :func:`iadsim.coverage.footprint.radar_sees`)."""
    if not r <= r_det or not r > 0.0:
        return False
    if g > horizon_g and h < re / math.cos((g - horizon_g) / re) - re:
        return False
    sin_el = ((h - antenna_m) * (2.0 * re + h + antenna_m) - r * r) / (2.0 * r * (re + antenna_m))
    if sin_el < sin_el_min or sin_el > sin_el_max:
        return False
    return not (cos_half > -1.0 and east * face_e + north * face_n < g * cos_half)


@njit(cache=True, inline="always")
def _time_of_flight(x: float, v: float, tb: float, tau: float, t_max: float) -> float:
    """Flight time of a boost-coast profile over ``x`` metres, NaN beyond its maximum flight time
    (:meth:`iadsim.physics.BoostCoast.time_to_distance_s`)."""
    xb = v * tb / 2.0
    if x <= xb:
        t = math.sqrt(2.0 * tb * max(x, 0.0) / v)
    elif math.isinf(tau):
        t = tb + (x - xb) / v
    else:
        t = tb + tau * math.expm1((x - xb) / (v * tau))
    return t if t <= t_max * (1.0 + 1e-12) else math.nan


@njit(cache=True, nogil=True, error_model="numpy")
def pair_windows(
    cell_x: np.ndarray,
    cell_y: np.ndarray,
    launch_x: np.ndarray,
    launch_y: np.ndarray,
    r0: float,
    dr: float,
    up_range: np.ndarray,
    up_height: np.ndarray,
    down_dist: np.ndarray,
    down_height: np.ndarray,
    down_speed: np.ndarray,
    flight: np.ndarray,
    apogee: np.ndarray,
    dt: float,
    r_min: float,
    r_max: float,
    antenna_m: float,
    re: float,
    r_det: float,
    sin_el_min: float,
    sin_el_max: float,
    face_e: float,
    face_n: float,
    cos_half: float,
    confirm_samples: int,
    delay_s: float,
    jump_speed: float,
    env: np.ndarray,
    target_speed: np.ndarray,
    profile: np.ndarray,
    first: int,
    last: int,
    out: np.ndarray,
) -> None:
    """The intercept window (s) of every pair of impact point ``first <= i < last`` and launch point ``j``
    into ``out[i, j]``: NaN where the range lies outside ``[r_min, r_max]``, 0 where no intercept is
    possible.

    Tables (rows: ranges ``r0 + n dr``; columns: times ``k dt``): ``up_*`` at ``k dt`` after launch (ground
    range from the launch point, height), ``down_*`` at ``k dt`` before impact (ground distance back from
    the impact point, height, speed); ``flight`` the time of flight and ``apogee`` the time from apogee to
    impact of each row. ``env`` (missiles, 4): minimum and maximum ground range, minimum and maximum height;
    ``target_speed`` the fastest target; ``profile`` (missiles, 4): maximum speed, burn time, drag time and
    maximum flight time of the boost-coast profile.
    """
    rows = flight.shape[0]
    cols = down_dist.shape[1]
    n_launch = launch_x.shape[0]
    n_missiles = env.shape[0]
    h_lo = np.inf
    h_hi = -np.inf
    for m in range(n_missiles):
        h_lo = min(h_lo, env[m, 2])
        h_hi = max(h_hi, env[m, 3])
    g_hi = 0.0
    for m in range(n_missiles):
        g_hi = max(g_hi, env[m, 1])
    horizon_g = re * math.acos(re / (re + antenna_m))
    slack = np.empty(cols)
    # how far back from the impact each row's descent is still below the envelopes' top (a margin of 1% and
    # 100 m for the interpolation between rows)
    reach_back = np.zeros(rows)
    for n in range(rows):
        for k in range(cols):
            if k * dt > apogee[n] or down_height[n, k] > h_hi:
                break
            reach_back[n] = max(reach_back[n], down_dist[n, k])
    for i in range(first, last):
        ix = cell_x[i]
        iy = cell_y[i]
        for jl in range(n_launch):
            dx = launch_x[jl] - ix
            dy = launch_y[jl] - iy
            rng = math.sqrt(dx * dx + dy * dy)
            if not (rng >= r_min and rng <= r_max):
                out[i, jl] = np.nan
                continue
            ux = dx / rng
            uy = dy / rng
            j, w0, w1, w2, w3 = _weights(rng, r0, dr, rows)
            tf = w0 * flight[j] + w1 * flight[j + 1] + w2 * flight[j + 2] + w3 * flight[j + 3]
            t_apo = w0 * apogee[j] + w1 * apogee[j + 1] + w2 * apogee[j + 2] + w3 * apogee[j + 3]
            last_k = min(int(tf / dt), cols - 1)
            # a track that never comes within the envelopes' range below their top: nothing to meet
            back = 1.01 * max(reach_back[j], reach_back[j + 1], reach_back[j + 2], reach_back[j + 3]) + 100.0
            s_near = min(max(-(ix * ux + iy * uy), 0.0), back)
            if math.hypot(ix + ux * s_near, iy + uy * s_near) > g_hi:
                out[i, jl] = 0.0
                continue
            # 1. where on its descent the RV can be met: in a missile's envelope, seen by the radar, not too
            #    fast, within the missile's flight time; the latest launch time that meets it there
            n_win = 0
            best = -np.inf
            for k in range(last_k + 1):
                tau = k * dt
                if tau > t_apo:
                    break
                h = _at(down_height, j, k, w0, w1, w2, w3)
                if h > h_hi:
                    break
                if h < h_lo:
                    continue
                d = _at(down_dist, j, k, w0, w1, w2, w3)
                east = ix + ux * d
                north = iy + uy * d
                g = math.sqrt(east * east + north * north)
                if g > g_hi:
                    continue
                r = _slant(g, h, antenna_m, re)
                if not _seen(
                    east, north, g, h, r, antenna_m, re, horizon_g, r_det, sin_el_min, sin_el_max, face_e,
                    face_n, cos_half,
                ):  # fmt: skip
                    continue
                v = _at(down_speed, j, k, w0, w1, w2, w3)
                reach = math.sqrt(g * g + h * h)
                tof = np.inf
                for m in range(n_missiles):
                    if (
                        g >= env[m, 0] and g <= env[m, 1] and h >= env[m, 2] and h <= env[m, 3]
                        and v <= target_speed[m]
                    ):  # fmt: skip
                        t_m = _time_of_flight(
                            reach, profile[m, 0], profile[m, 1], profile[m, 2], profile[m, 3]
                        )
                        if t_m < tof:
                            tof = t_m
                if tof < np.inf:
                    s = (tf - tau) - tof
                    slack[n_win] = s
                    n_win += 1
                    if s > best:
                        best = s
            if n_win == 0:
                out[i, jl] = 0.0
                continue
            # 2. the first confirmed track, early enough for a launch by the latest launch time
            limit = best - delay_s
            k = last_k
            start = -1
            confirmed = np.nan
            half = 0.5 * tf
            while k >= 0:
                t = tf - k * dt
                if t > limit:
                    break
                if k * dt > half:  # first half of the flight: the table by time since launch
                    c = t / dt
                    c0 = min(int(c), cols - 2)
                    fc = c - c0
                    a = _at(up_range, j, c0, w0, w1, w2, w3)
                    b = _at(up_range, j, c0 + 1, w0, w1, w2, w3)
                    d = rng - (a + (b - a) * fc)
                    a = _at(up_height, j, c0, w0, w1, w2, w3)
                    b = _at(up_height, j, c0 + 1, w0, w1, w2, w3)
                    h = a + (b - a) * fc
                else:
                    d = _at(down_dist, j, k, w0, w1, w2, w3)
                    h = _at(down_height, j, k, w0, w1, w2, w3)
                east = ix + ux * d
                north = iy + uy * d
                g = math.sqrt(east * east + north * north)
                r = _slant(g, h, antenna_m, re)
                if r > r_det:
                    # out of range: it closes at most jump_speed, so the samples before it comes in are not
                    # looked at
                    start = -1
                    k -= max(int((r - r_det) / (jump_speed * dt)), 1)
                    continue
                if _seen(
                    east, north, g, h, r, antenna_m, re, horizon_g, r_det, sin_el_min, sin_el_max, face_e,
                    face_n, cos_half,
                ):  # fmt: skip
                    if start < 0:
                        start = k
                    if start - k >= confirm_samples:
                        confirmed = t
                        break
                else:
                    start = -1
                k -= 1
            if not confirmed == confirmed:  # (NaN: no track in time)
                out[i, jl] = 0.0
                continue
            launch = confirmed + delay_s
            count = 0
            for q in range(n_win):
                if slack[q] >= launch:
                    count += 1
            out[i, jl] = count * dt
