"""The engine's time loop, compiled: the steps of :class:`iadsim.sim.engine._Run` (threats move, radars scan,
command posts track, interceptors resolve, fire control assigns) over arrays, one block of time steps per
call.

A run of ``ankara-s400`` makes about two thousand scans and as many fire-control passes; in Python each
costs tens of microseconds of bookkeeping around the small kernels, most of a replication. Here the whole
loop is one call per block of :data:`iadsim.sim.plan.BLOCK_STEPS` steps (the timeline's block, which the
caller materialises before each call). The random draws come from the run's own
:class:`numpy.random.Generator` in the same order as the reference (numba's ``Generator`` methods give
numpy's very numbers), so a run gives the reference's events; tests hold the two together event by event.

Layout (``U`` units, ``R`` radars, ``B`` battalions, ``K`` missile types, ``C`` target classes, ``n``
threats):

* events: ``ev_i`` rows ``(kind, threat, track, unit, battalion, missile, radar, code)`` and ``ev_f`` rows
  ``(t, a, b)`` (:data:`EVENT_KINDS`; an intercept's ``code`` is its outcome, :data:`OUTCOMES`, with the
  miss distance and reach, or ground range and height, in ``a`` and ``b``; an assignment's ``a`` is the
  intercept time, a launch's ``code`` the missiles fired);
* engagements: ``eng_i`` rows ``(threat, track, unit, battalion, radar, missile, count)`` and ``eng_f``
  rows ``(launch_s, intercept_s, aim x, aim y, aim z)``, in the order they were made;
* tracks: the compiled tracker's arrays (:data:`iadsim.sim.tracking.types.TRACKSET_DTYPES`) with a unit
  axis first; ``threat_of[u, id]`` is the threat of track ``id``'s latest detection (-1: a false alarm or
  none) and ``confirmed_s[u, id]`` when it was confirmed (NaN: not a confirmed track of the unit).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import literal_unroll, njit
from numba.typed import List

from iadsim.sim._kernels import _see, convert_measurements, ground_at, intercept_time
from iadsim.sim.tracking._kernels import tracker_step

#: Event kinds, by their code in ``ev_i[:, 0]``.
EVENT_KINDS = ("leak", "detection", "track_start", "track_lost", "assignment", "launch", "intercept", "kill")
LEAK, DETECTION, TRACK_START, TRACK_LOST, ASSIGNMENT, LAUNCH, INTERCEPT, KILL = range(8)
#: Outcomes of one interceptor, by their code in an intercept event's ``ev_i[:, 7]``.
OUTCOMES = ("kill", "miss", "no target", "not held", "beyond reach", "outside envelope")
O_KILL, O_MISS, O_NO_TARGET, O_NOT_HELD, O_BEYOND_REACH, O_OUTSIDE = range(6)

_CONFIRMED = 1  # (iadsim.sim.tracking.TrackStatus.CONFIRMED)


# ------------------------------------------------------------------------------------------ lists
# (typed lists made and filled in compiled code: numba.typed.List's own methods are compiled on their first
# use in every process, which takes most of a second)


@njit(cache=True, nogil=True)
def list_of(a: np.ndarray, keep: bool) -> Any:
    """A typed list holding ``a`` (empty, but of its type, when not ``keep``)."""
    out = List()
    out.append(a)
    if not keep:
        out.pop()
    return out


@njit(cache=True, nogil=True)
def push(lst: Any, a: np.ndarray) -> None:
    """Append ``a`` to a typed list."""
    lst.append(a)


# ------------------------------------------------------------------------------------------ growth


@njit(cache=True, nogil=True)
def _grown(a: np.ndarray, rows: int) -> np.ndarray:
    """``a`` with room for ``rows`` rows along its first axis (a copy when it grows), new rows zero."""
    if a.shape[0] >= rows:
        return a
    shape = (max(rows, 2 * a.shape[0]),) + a.shape[1:]
    out = np.zeros(shape, a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True, nogil=True)
def _grown_cols(a: np.ndarray, cols: int, fill: float) -> np.ndarray:
    """``(U, k)`` ``a`` with room for ``cols`` columns, new columns ``fill``."""
    if a.shape[1] >= cols:
        return a
    out = np.full((a.shape[0], max(cols, 2 * a.shape[1])), fill, a.dtype)
    out[:, : a.shape[1]] = a
    return out


@njit(cache=True, nogil=True)
def _grown_tracks(tracks: tuple[np.ndarray, ...], rows: int) -> tuple[np.ndarray, ...]:
    """The track arrays ``(U, cap, ...)`` with room for ``rows`` tracks per unit."""
    if tracks[0].shape[1] >= rows:
        return tracks
    cap = max(rows, 2 * tracks[0].shape[1])
    return (
        _grown_axis1(tracks[0], cap),
        _grown_axis1(tracks[1], cap),
        _grown_axis1(tracks[2], cap),
        _grown_axis1(tracks[3], cap),
        _grown_axis1(tracks[4], cap),
        _grown_axis1(tracks[5], cap),
        _grown_axis1(tracks[6], cap),
        _grown_axis1(tracks[7], cap),
        _grown_axis1(tracks[8], cap),
        _grown_axis1(tracks[9], cap),
        _grown_axis1(tracks[10], cap),
        _grown_axis1(tracks[11], cap),
        _grown_axis1(tracks[12], cap),
    )


@njit(cache=True, nogil=True)
def _grown_axis1(a: np.ndarray, cap: int) -> np.ndarray:
    """``(U, k, ...)`` ``a`` with ``cap`` rows per unit, new rows zero."""
    out = np.zeros((a.shape[0], cap) + a.shape[2:], a.dtype)
    out[:, : a.shape[1]] = a
    return out


# ------------------------------------------------------------------------------------------ helpers


@njit(cache=True, nogil=True)
def _log(
    ev_i: np.ndarray,
    ev_f: np.ndarray,
    n_ev: np.ndarray,
    kind: int | np.integer[Any],
    t: float,
    threat: int | np.integer[Any],
    track: int | np.integer[Any],
    unit: int | np.integer[Any],
    bn: int | np.integer[Any],
    missile: int | np.integer[Any],
    radar: int | np.integer[Any],
    code: int | np.integer[Any],
    a: float,
    b: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Append an event; the (possibly grown) buffers."""
    k = n_ev[0]
    ev_i = _grown(ev_i, k + 1)
    ev_f = _grown(ev_f, k + 1)
    ev_i[k, 0], ev_i[k, 1], ev_i[k, 2], ev_i[k, 3] = kind, threat, track, unit
    ev_i[k, 4], ev_i[k, 5], ev_i[k, 6], ev_i[k, 7] = bn, missile, radar, code
    ev_f[k, 0], ev_f[k, 1], ev_f[k, 2] = t, a, b
    n_ev[0] = k + 1
    return ev_i, ev_f


@njit(cache=True, nogil=True)
def _distance(t: float, v: float, tb: float, tau: float) -> float:
    """:meth:`iadsim.physics.BoostCoast.distance_m` at one time (the same operations in the same order)."""
    s = max(t - tb, 0.0)
    coast = v * s if math.isinf(tau) else v * tau * math.log1p(s / tau)
    boost = v * min(t, tb) ** 2 / (2.0 * tb) if tb > 0 else 0.0
    return boost + coast


@njit(cache=True, nogil=True)
def _reach_after(t: float, prof: np.ndarray) -> float:
    """:meth:`iadsim.physics.BoostCoast.reach_after_m`; ``prof`` is ``(V, t_b, tau, t_max, D(t_max), max
    target speed)``."""
    return max(prof[4] - _distance(t, prof[0], prof[1], prof[2]), 0.0)


@njit(cache=True, nogil=True)
def _in_env(env: np.ndarray, ground: float, agl: float, amsl: float, margin: float) -> bool:
    """:func:`iadsim.interceptors.in_envelope`; ``env`` is ``(min range, max range, min altitude, max
    altitude)``."""
    return ground >= env[0] + margin and ground <= env[1] - margin and agl >= env[2] and amsl <= env[3]


@njit(cache=True, nogil=True)
def _position_at(
    i: int, t_s: float, step_s: float, s0: int, pos_prev: np.ndarray, pos: np.ndarray, pos_next: np.ndarray
) -> np.ndarray:
    """:meth:`iadsim.sim.timeline.Timeline.position_at` from the block's positions (``pos`` for steps
    ``s0..``, with the step before and the step after the block)."""
    step = t_s / step_s
    lo = int(math.floor(step + 1e-9))
    f = step - lo
    a = _pos_row(lo, s0, pos_prev, pos, pos_next)
    out = np.empty(3)
    if f <= 1e-9:
        out[:] = a[i]
        return out
    b = _pos_row(lo + 1, s0, pos_prev, pos, pos_next)
    for k in range(3):
        out[k] = a[i, k] + (b[i, k] - a[i, k]) * f
    return out


@njit(cache=True, nogil=True)
def _pos_row(step: int, s0: int, pos_prev: np.ndarray, pos: np.ndarray, pos_next: np.ndarray) -> np.ndarray:
    """Positions ``(n, 3)`` at ``step``: of the block (from step ``s0``), or the step before or after it."""
    k = step - s0
    if k < 0:
        return pos_prev
    if k >= pos.shape[0]:
        return pos_next
    return pos[k]


@njit(cache=True, nogil=True)
def _sees(
    ri: int, x: float, y: float, z: float, floors: Any, terrains: Any, grids: np.ndarray, radars: np.ndarray
) -> bool:
    """Whether radar ``ri`` sees a point (:func:`iadsim.sim._kernels.visible`)."""
    ok, _ = _see(x, y, z, floors[ri], terrains[ri], grids[ri], radars[ri])
    return ok


@njit(cache=True, nogil=True)
def _end_tracks(
    threat: int,
    tracks: tuple[np.ndarray, ...],
    n_tracks: np.ndarray,
    threat_of: np.ndarray,
    confirmed_s: np.ndarray,
) -> None:
    """:meth:`iadsim.sim.engine._Run.end_tracks`: drop every track whose latest detection was ``threat``,
    keeping the order of the others."""
    ids = tracks[0]
    for u in range(n_tracks.shape[0]):
        n = n_tracks[u]
        w = 0
        for r in range(n):
            tid = ids[u, r]
            if threat_of[u, tid] == threat:
                confirmed_s[u, tid] = np.nan
                continue
            if w != r:
                for a in literal_unroll(tracks):
                    a[u, w] = a[u, r]
            w += 1
        n_tracks[u] = w


@njit(cache=True, nogil=True)
def _can_fire(
    t: float,
    bi: int,
    bn_radar: np.ndarray,
    targets_engaged: np.ndarray,
    missiles_guided: np.ndarray,
    channels: np.ndarray,
    guided: np.ndarray,
    last_launch: np.ndarray,
    interval: np.ndarray,
    rounds: np.ndarray,
    ready: np.ndarray,
    n_launchers: np.ndarray,
) -> bool:
    """:meth:`iadsim.sim.engine._Run.can_fire`."""
    r = bn_radar[bi]
    if not (channels[r] < targets_engaged[r] and guided[r] + 1 <= missiles_guided[r]):
        return False
    if not t >= last_launch[bi] + interval[bi]:
        return False
    for li in range(n_launchers[bi]):
        if ready[bi, li] <= t:
            for j in range(rounds.shape[2]):
                if rounds[bi, li, j] > 0:
                    return True
    return False


@njit(cache=True, nogil=True)
def _take_rounds(
    t: float,
    bi: int,
    mi: int,
    n: int,
    rounds: np.ndarray,
    ready: np.ndarray,
    reserve: np.ndarray,
    capacity: np.ndarray,
    n_launchers: np.ndarray,
    reload_s: np.ndarray,
) -> int:
    """:meth:`iadsim.sim.engine._Run.take_rounds`."""
    fired = 0
    nt = rounds.shape[2]
    for li in range(n_launchers[bi]):
        while fired < n and rounds[bi, li, mi] > 0 and ready[bi, li] <= t:
            rounds[bi, li, mi] -= 1
            fired += 1
        if fired:
            left = 0
            spare = 0
            for j in range(nt):
                left += rounds[bi, li, j]
                spare += reserve[bi, j]
            if left == 0 and spare > 0:
                for j in range(nt):
                    need = min(capacity[bi, li, j], reserve[bi, j])
                    reserve[bi, j] -= need
                    rounds[bi, li, j] += need
                ready[bi, li] = t + reload_s[bi]
        if fired == n:
            break
    return fired


# ------------------------------------------------------------------------------------------ the loop


@njit(cache=True, nogil=True)
def run_block(  # noqa: PLR0913, PLR0915, C901
    rng: np.random.Generator,
    s0: int,
    s1: int,
    b0: int,
    cfg: np.ndarray,
    # threats
    swerling: np.ndarray,
    tclass: np.ndarray,
    start_order: np.ndarray,
    start_step: np.ndarray,
    arrival_order: np.ndarray,
    arrival_step: np.ndarray,
    # radars
    scan_period: np.ndarray,
    radar_unit: np.ndarray,
    radar_xyz: np.ndarray,
    sigmas: np.ndarray,
    snr_1m: np.ndarray,
    rcs_seen: np.ndarray,
    pd_tab: np.ndarray,
    pd_grid: np.ndarray,
    targets_engaged: np.ndarray,
    missiles_guided: np.ndarray,
    fa_par: np.ndarray,
    floors: Any,
    terrains: Any,
    grids: np.ndarray,
    radar_par: np.ndarray,
    scan_floors: Any,
    scan_terrains: Any,
    scan_grids: np.ndarray,
    scan_radar: np.ndarray,
    scan_detect: np.ndarray,
    scan_tab: np.ndarray,
    # units and battalions
    processing_delay: np.ndarray,
    unit_bn_ptr: np.ndarray,
    unit_bn: np.ndarray,
    unit_target: np.ndarray,
    bn_radar: np.ndarray,
    bn_xyz: np.ndarray,
    bn_reaction: np.ndarray,
    bn_interval: np.ndarray,
    bn_reload: np.ndarray,
    n_launchers: np.ndarray,
    bn_missile: np.ndarray,
    bn_order: np.ndarray,
    capacity: np.ndarray,
    # missiles
    profiles: np.ndarray,
    envelopes: np.ndarray,
    has_env: np.ndarray,
    pk: np.ndarray,
    # assets and terrain
    assets_xy: np.ndarray,
    assets_r: np.ndarray,
    ground_values: np.ndarray,
    ground_tr: np.ndarray,
    tracker_params: np.ndarray,
    # this block of the timeline
    pos_prev: np.ndarray,
    pos: np.ndarray,
    pos_next: np.ndarray,
    ok_b: Any,
    slant_b: Any,
    loss_b: Any,
    aspect_b: Any,
    # state of the run
    ints: np.ndarray,
    flying: np.ndarray,
    dead: np.ndarray,
    arrived: np.ndarray,
    killed_s: np.ndarray,
    leaked_s: np.ndarray,
    first_detected: np.ndarray,
    shots: np.ndarray,
    last_seen: np.ndarray,
    next_scan: np.ndarray,
    busy_until: np.ndarray,
    channels: np.ndarray,
    guided: np.ndarray,
    rounds: np.ndarray,
    reserve: np.ndarray,
    ready: np.ndarray,
    last_launch: np.ndarray,
    launched: np.ndarray,
    n_tracks: np.ndarray,
    next_id: np.ndarray,
    tracks: tuple[np.ndarray, ...],
    threat_of: np.ndarray,
    confirmed_s: np.ndarray,
    ev_i: np.ndarray,
    ev_f: np.ndarray,
    eng_i: np.ndarray,
    eng_f: np.ndarray,
) -> tuple[Any, ...]:
    """Steps ``s0 .. s1 - 1`` of a run (see the module's docstring), in the timeline's block that starts at
    step ``b0`` (``pos``, ``ok_b``, ... hold its steps); returns whether the run ended, and the buffers
    that may have grown: ``(ended, tracks, threat_of, confirmed_s, ev_i, ev_f, eng_i, eng_f)``.

    ``cfg`` is ``(step_s, hold_s, false alarms per scan, salvo, shoot-look-shoot, kill assessment s,
    last launch step, record events, aim margin in sigmas, intercept samples)``; ``ints`` is ``(events,
    engagements, interceptors resolved, arrival pointer, start pointer)``, updated in place.
    """
    step_s, hold_s, lam = cfg[0], cfg[1], cfg[2]
    salvo, sls, assess = int(cfg[3]), cfg[4] != 0.0, cfg[5]
    last_launch_step, record = int(cfg[6]), cfg[7] != 0.0
    margin_sigmas, samples = cfg[8], int(cfg[9])
    n = swerling.shape[0]
    nr = scan_period.shape[0]
    nu = processing_delay.shape[0]
    n_ev = ints[0:1]
    n_units = nu
    snr0, dsnr = pd_grid[0], pd_grid[1]
    ended = False
    # (event fields as int64 variables: literal constants would compile _log once per combination)
    none = np.int64(-1)
    zero = np.int64(0)
    kinds = np.arange(8)
    cover_on = nr > 0  # (a bool variable, as the tracker's own caller passes)
    for step in range(s0, s1):
        t = step * step_s
        p = pos[step - b0]
        # ------------------------------------------------------------------ move
        while ints[4] < n and start_step[start_order[ints[4]]] <= step:
            if start_step[start_order[ints[4]]] == step:
                flying[start_order[ints[4]]] = True
            ints[4] += 1
        while ints[3] < n and arrival_step[arrival_order[ints[3]]] <= step:
            i = arrival_order[ints[3]]
            ints[3] += 1
            if arrival_step[i] != step or dead[i]:
                continue
            arrived[i] = True
            flying[i] = False
            leaked_s[i] = t
            if record:
                ev_i, ev_f = _log(
                    ev_i, ev_f, n_ev, kinds[LEAK], t, i, none, none, none, none, none, zero, 0.0, 0.0
                )
            _end_tracks(i, tracks, n_tracks, threat_of, confirmed_s)
        any_flying = False
        for i in range(n):
            if flying[i]:
                any_flying = True
                break
        # ------------------------------------------------------------------ scans
        for ri in range(nr):
            while next_scan[ri] <= t + 1e-9:
                ui = radar_unit[ri]
                ok = ok_b[ri][step - b0]
                slant = slant_b[ri][step - b0]
                cand = np.empty(n, np.int64)
                nc = 0
                for i in range(n):
                    if flying[i] and ok[i]:
                        cand[nc] = i
                        nc += 1
                det = np.empty(nc, np.int64)
                nd = 0
                if nc:
                    loss = loss_b[ri][step - b0]
                    aspect = aspect_b[ri][step - b0]
                    u = rng.random(nc)
                    for k in range(nc):
                        i = cand[k]
                        snr = snr_1m[ri, i, aspect[i]] - 40.0 * math.log10(slant[i]) - loss[i]
                        x = (snr - snr0) / dsnr
                        nt = pd_tab.shape[2]
                        sw = swerling[i]
                        if x <= 0.0:
                            pdv = pd_tab[ri, sw, 0]
                        elif x >= nt - 1:
                            pdv = pd_tab[ri, sw, nt - 1]
                        else:
                            j = int(x)
                            f = x - j
                            pdv = pd_tab[ri, sw, j] * (1.0 - f) + pd_tab[ri, sw, j + 1] * f
                        if u[k] < pdv:
                            det[nd] = i
                            nd += 1
                n_fa = 0
                if lam > 0:
                    n_fa = int(rng.poisson(lam))
                m = nd + n_fa
                xyz = np.empty((m, 3))
                truth = np.empty(m, np.int64)
                rcs = np.empty(m)
                for k in range(nd):
                    i = det[k]
                    xyz[k, 0], xyz[k, 1], xyz[k, 2] = p[i, 0], p[i, 1], p[i, 2]
                    truth[k] = i
                    rcs[k] = rcs_seen[ri, i, aspect_b[ri][step - b0][i]]
                if n_fa:
                    rr = fa_par[ri, 2] * np.sqrt(rng.random(n_fa))
                    az = rng.uniform(0, 2 * np.pi, n_fa)
                    zz = rng.uniform(0, 15e3, n_fa)
                    for k in range(n_fa):
                        xyz[nd + k, 0] = fa_par[ri, 0] + rr[k] * np.sin(az[k])
                        xyz[nd + k, 1] = fa_par[ri, 1] + rr[k] * np.cos(az[k])
                        xyz[nd + k, 2] = zz[k]
                        truth[nd + k] = -1
                        rcs[nd + k] = np.nan
                for k in range(nd):
                    i = det[k]
                    if record and last_seen[ri, i] == -np.inf:
                        ev_i, ev_f = _log(
                            ev_i, ev_f, n_ev, kinds[DETECTION], t, i, none, ui, none, none, ri, zero, 0.0, 0.0
                        )
                for k in range(nd):
                    i = det[k]
                    if math.isnan(first_detected[i]):
                        first_detected[i] = t
                    last_seen[ri, i] = t
                if m == 0 and n_tracks[ui] == 0:
                    next_scan[ri] += scan_period[ri]
                    continue  # nothing seen and nothing tracked
                meas = np.empty((m, 3))
                cov = np.empty((m, 3, 3))
                if m:
                    noise = rng.standard_normal((3, m))
                    convert_measurements(radar_xyz[ri], xyz, noise, sigmas[ri], meas, cov)
                # ---------------------------------------------------------- the unit's tracker
                nt0 = n_tracks[ui]
                tracks = _grown_tracks(tracks, nt0 + m)
                threat_of = _grown_cols(threat_of, next_id[ui] + m, -1)
                confirmed_s = _grown_cols(confirmed_s, next_id[ui] + m, np.nan)
                out = np.empty(2 * m + 4 * nt0, np.int64)
                sid = np.full(m, ri, np.int64)
                res = tracker_step(
                    t,
                    meas,
                    cov,
                    sid,
                    nt0,
                    next_id[ui],
                    tracks[0][ui],
                    tracks[1][ui],
                    tracks[2][ui],
                    tracks[3][ui],
                    tracks[4][ui],
                    tracks[5][ui],
                    tracks[6][ui],
                    tracks[7][ui],
                    tracks[8][ui],
                    tracks[9][ui],
                    tracks[10][ui],
                    tracks[11][ui],
                    tracks[12][ui],
                    rcs,
                    tracker_params,
                    cover_on,
                    scan_floors[ri],
                    scan_terrains[ri],
                    scan_grids[ri],
                    scan_radar[ri],
                    scan_detect[ri],
                    scan_tab[ri],
                    out,
                )
                n_tracks[ui], next_id[ui] = res[0], res[1]
                n_conf, n_del = res[4], res[5]
                for k in range(m):
                    threat_of[ui, out[k]] = truth[k]
                b3 = m + 2 * nt0
                b4 = 2 * m + 3 * nt0
                for k in range(n_conf):
                    tid = out[b3 + k]
                    confirmed_s[ui, tid] = t
                    if record:
                        ev_i, ev_f = _log(
                            ev_i,
                            ev_f,
                            n_ev,
                            kinds[TRACK_START],
                            t,
                            threat_of[ui, tid],
                            tid,
                            ui,
                            none,
                            none,
                            none,
                            zero,
                            0.0,
                            0.0,
                        )
                for k in range(n_del):
                    tid = out[b4 + k]
                    if not math.isnan(confirmed_s[ui, tid]):
                        if record:
                            ev_i, ev_f = _log(
                                ev_i,
                                ev_f,
                                n_ev,
                                kinds[TRACK_LOST],
                                t,
                                threat_of[ui, tid],
                                tid,
                                ui,
                                none,
                                none,
                                none,
                                zero,
                                0.0,
                                0.0,
                            )
                        confirmed_s[ui, tid] = np.nan
                next_scan[ri] += scan_period[ri]
        # ------------------------------------------------------------------ resolve
        if ints[1]:
            keep = 0
            for e in range(ints[1]):
                if eng_f[e, 1] > t:
                    if keep != e:
                        eng_i[keep] = eng_i[e]
                        eng_f[keep] = eng_f[e]
                    keep += 1
                    continue
                i, track, eu, ebn, er, mi, count = (
                    eng_i[e, 0],
                    eng_i[e, 1],
                    eng_i[e, 2],
                    eng_i[e, 3],
                    eng_i[e, 4],
                    eng_i[e, 5],
                    eng_i[e, 6],
                )
                channels[er] -= 1
                guided[er] -= count
                # why the interceptors cannot kill (miss_reason)
                reason = O_KILL
                ra, rb = 0.0, 0.0
                c = tclass[i]
                if i < 0 or dead[i] or arrived[i]:
                    reason = O_NO_TARGET
                elif last_seen[er, i] < t - hold_s:
                    reason = O_NOT_HELD
                else:
                    true = _position_at(i, eng_f[e, 1], step_s, b0, pos_prev, pos, pos_next)
                    dx = true[0] - eng_f[e, 2]
                    dy = true[1] - eng_f[e, 3]
                    dz = true[2] - eng_f[e, 4]
                    miss = math.sqrt(dx * dx + dy * dy + dz * dz)
                    reach = _reach_after(eng_f[e, 1] - eng_f[e, 0], profiles[mi])
                    if miss > reach:
                        reason, ra, rb = O_BEYOND_REACH, miss, reach
                    else:
                        ground = math.hypot(true[0] - bn_xyz[ebn, 0], true[1] - bn_xyz[ebn, 1])
                        height = true[2]
                        agl = height - ground_at(true[0], true[1], ground_values, ground_tr)
                        if not has_env[mi, c] or not _in_env(envelopes[mi, c], ground, agl, height, 0.0):
                            reason, ra, rb = O_OUTSIDE, ground, height
                pkv = pk[mi, c] if reason == O_KILL else 0.0
                killed = False
                for _ in range(count):
                    ints[2] += 1
                    hit = reason == O_KILL and not killed and rng.random() < pkv
                    if record:
                        code = O_KILL if hit else (reason if reason != O_KILL else O_MISS)
                        ev_i, ev_f = _log(
                            ev_i, ev_f, n_ev, kinds[INTERCEPT], t, i, track, eu, ebn, mi, er, code, ra, rb
                        )
                    killed = killed or hit
                if killed:
                    dead[i] = True
                    flying[i] = False
                    killed_s[i] = t
                    if record:
                        ev_i, ev_f = _log(
                            ev_i, ev_f, n_ev, kinds[KILL], t, i, track, none, ebn, mi, er, zero, 0.0, 0.0
                        )
                    _end_tracks(i, tracks, n_tracks, threat_of, confirmed_s)
                busy_until[eu, i] = t + (assess if sls else 0.0)
            ints[1] = keep
        # ------------------------------------------------------------------ fire control
        hold = t - hold_s
        for ui in range(n_units):
            if n_tracks[ui] == 0:
                continue
            b_lo, b_hi = unit_bn_ptr[ui], unit_bn_ptr[ui + 1]
            held = np.zeros(n, np.bool_)
            anyone = False
            for q in range(b_lo, b_hi):
                bi = unit_bn[q]
                if _can_fire(
                    t,
                    bi,
                    bn_radar,
                    targets_engaged,
                    missiles_guided,
                    channels,
                    guided,
                    last_launch,
                    bn_interval,
                    rounds,
                    ready,
                    n_launchers,
                ):
                    anyone = True
                    r = bn_radar[bi]
                    for i in range(n):
                        if last_seen[r, i] >= hold:
                            held[i] = True
            if not anyone:
                continue
            engaged = np.zeros(n, np.bool_)
            for e in range(ints[1]):
                if eng_i[e, 2] == ui:
                    engaged[eng_i[e, 0]] = True
            # the eligible confirmed tracks, in the tracker's row order
            rows = np.empty(n_tracks[ui], np.int64)
            nrow = 0
            ids = tracks[0][ui]
            status = tracks[4][ui]
            for row in range(n_tracks[ui]):
                if status[row] != _CONFIRMED:
                    continue
                tid = ids[row]
                since = confirmed_s[ui, tid]
                if math.isnan(since) or t < since + processing_delay[ui]:
                    continue
                threat = threat_of[ui, tid]
                if threat < 0 or dead[threat] or engaged[threat] or busy_until[ui, threat] > t:
                    continue
                if not held[threat]:
                    continue
                rows[nrow] = row
                nrow += 1
            if nrow == 0:
                continue
            x = np.empty((nrow, 6))
            age = np.empty(nrow)
            ttg = np.empty(nrow)
            for k in range(nrow):
                row = rows[k]
                for a in range(6):
                    x[k, a] = tracks[1][ui, row, a]
                age[k] = t - tracks[3][ui, row]
                for a in range(3):
                    x[k, a] += x[k, 3 + a] * age[k]
                speed = max(math.hypot(x[k, 3], x[k, 4]), 1.0)
                best = np.inf
                if assets_xy.shape[0] == 0:
                    d = math.hypot(unit_target[ui, 0] - x[k, 0], unit_target[ui, 1] - x[k, 1]) - 0.0
                    best = max(d, 0.0)
                else:
                    for a in range(assets_xy.shape[0]):
                        d = math.hypot(assets_xy[a, 0] - x[k, 0], assets_xy[a, 1] - x[k, 1]) - assets_r[a]
                        best = min(best, max(d, 0.0))
                ttg[k] = best / speed
            for k in np.argsort(ttg, kind="mergesort"):
                row = rows[k]
                tid = ids[row]
                threat = threat_of[ui, tid]
                if engaged[threat]:
                    continue
                # ---------------------------------------------------------- assign
                done = False
                have_traces = False
                pp = pv = vv = 0.0
                cv = tracks[2][ui, row]
                for q in range(b_lo, b_hi):
                    bi = unit_bn[q]
                    r = bn_radar[bi]
                    if channels[r] >= targets_engaged[r]:
                        continue
                    if guided[r] + 1 > missiles_guided[r]:
                        continue
                    if t < confirmed_s[ui, tid] + processing_delay[ui] + bn_reaction[bi]:
                        continue
                    if t < last_launch[bi] + bn_interval[bi]:
                        continue
                    if threat < 0 or last_seen[r, threat] < t - hold_s:
                        continue
                    seen = last_seen[r, threat]
                    if not have_traces:
                        pp = cv[0, 0] + cv[1, 1] + cv[2, 2]
                        pv = cv[0, 3] + cv[1, 4] + cv[2, 5]
                        vv = cv[3, 3] + cv[4, 4] + cv[5, 5]
                        have_traces = True
                    # ------------------------------------------------------ choose_missile
                    c = tclass[threat]
                    vx, vy, vz = x[k, 3], x[k, 4], x[k, 5]
                    spd = math.sqrt(vx * vx + vy * vy + vz * vz)
                    chosen = -1
                    tof = 0.0
                    aim = np.empty(3)
                    for jj in range(bn_order.shape[1]):
                        j = bn_order[bi, jj]
                        if j < 0:
                            break
                        mi = bn_missile[bi, j]
                        if not has_env[mi, c] or spd > profiles[mi, 5]:
                            continue
                        loaded = False
                        for li in range(n_launchers[bi]):
                            if rounds[bi, li, j] > 0 and ready[bi, li] <= t:
                                loaded = True
                                break
                        if not loaded:
                            continue
                        prof = profiles[mi]
                        tf = intercept_time(
                            x[k, :3], x[k, 3:], bn_xyz[bi], prof[0], prof[1], prof[2], prof[3], samples
                        )
                        if not math.isfinite(tf):
                            continue
                        for a in range(3):
                            aim[a] = x[k, a] + x[k, 3 + a] * tf
                        ahead = tf + age[k]
                        margin = margin_sigmas * math.sqrt(
                            max(pp + 2.0 * ahead * pv + ahead * ahead * vv, 0.0)
                        )
                        if _reach_after(tf, prof) < margin:
                            continue
                        ground = math.hypot(aim[0] - bn_xyz[bi, 0], aim[1] - bn_xyz[bi, 1])
                        agl = aim[2] - ground_at(aim[0], aim[1], ground_values, ground_tr)
                        if not _in_env(envelopes[mi, c], ground, agl, aim[2], margin):
                            continue
                        if t + tf - hold_s <= seen:
                            chosen, tof = j, tf
                            break
                        lead = max(tf - hold_s, 0.0)
                        if _sees(
                            r,
                            x[k, 0] + vx * lead,
                            x[k, 1] + vy * lead,
                            x[k, 2] + vz * lead,
                            floors,
                            terrains,
                            grids,
                            radar_par,
                        ):
                            chosen, tof = j, tf
                            break
                        if _sees(r, aim[0], aim[1], aim[2], floors, terrains, grids, radar_par):
                            chosen, tof = j, tf
                            break
                    if chosen < 0:
                        continue
                    mi = bn_missile[bi, chosen]
                    want = min(salvo, missiles_guided[r] - guided[r])
                    fired = _take_rounds(
                        t, bi, chosen, want, rounds, ready, reserve, capacity, n_launchers, bn_reload
                    )
                    if fired == 0:
                        continue
                    channels[r] += 1
                    guided[r] += fired
                    last_launch[bi] = t
                    e = ints[1]
                    eng_i = _grown(eng_i, e + 1)
                    eng_f = _grown(eng_f, e + 1)
                    eng_i[e, 0], eng_i[e, 1], eng_i[e, 2], eng_i[e, 3] = threat, tid, ui, bi
                    eng_i[e, 4], eng_i[e, 5], eng_i[e, 6] = r, mi, fired
                    eng_f[e, 0], eng_f[e, 1] = t, t + tof
                    eng_f[e, 2], eng_f[e, 3], eng_f[e, 4] = aim[0], aim[1], aim[2]
                    ints[1] = e + 1
                    launched[mi] += fired
                    shots[threat] += fired
                    if record:
                        ev_i, ev_f = _log(
                            ev_i,
                            ev_f,
                            n_ev,
                            kinds[ASSIGNMENT],
                            t,
                            threat,
                            tid,
                            ui,
                            bi,
                            mi,
                            r,
                            zero,
                            t + tof,
                            0.0,
                        )
                        ev_i, ev_f = _log(
                            ev_i, ev_f, n_ev, kinds[LAUNCH], t, threat, tid, ui, bi, mi, r, fired, 0.0, 0.0
                        )
                    done = True
                    break
                if done:
                    engaged[threat] = True
                    again = False
                    for q in range(b_lo, b_hi):
                        if _can_fire(
                            t,
                            unit_bn[q],
                            bn_radar,
                            targets_engaged,
                            missiles_guided,
                            channels,
                            guided,
                            last_launch,
                            bn_interval,
                            rounds,
                            ready,
                            n_launchers,
                        ):
                            again = True
                            break
                    if not again:
                        break
        if step >= last_launch_step and ints[1] == 0 and not any_flying:
            ended = True
            break
    return ended, tracks, threat_of, confirmed_s, ev_i, ev_f, eng_i, eng_f
