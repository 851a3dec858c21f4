"""Numba kernels of :class:`~iadsim.sim.tracking.CompiledTracker`: one scan of the tracker (predict, gate,
assign, update, confirm, delete, initiate) on track arrays updated in place, and the assignment it solves.
Arrays and floats in; no I/O, no validation (:class:`~iadsim.sim.tracking.CompiledTracker` checks its inputs).

The engine steps the tracker once per radar scan on a few tens of tracks, where numpy's fixed cost per call
(about a microsecond for each of the hundred-odd small operations of a scan) would be most of the time; a
kernel call costs about as much as one of them. The arithmetic is that of the reference
:class:`~iadsim.sim.tracking.Tracker`; tests hold the two to each other.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from iadsim.sim._kernels import _detectable
from iadsim.sim.tracking.types import STANDARD_GRAVITY_MPS2

_INF = np.inf


@njit(cache=True, nogil=True)
def all_finite(z: np.ndarray, r: np.ndarray) -> bool:
    """Whether every entry of the detections ``z`` ``(m, 3)`` and their covariances ``r`` ``(m, 3, 3)`` is
    finite."""
    for j in range(z.shape[0]):
        for i in range(3):
            if not math.isfinite(z[j, i]):
                return False
            for w in range(3):
                if not math.isfinite(r[j, i, w]):
                    return False
    return True


# ------------------------------------------------------------------------------------------ assignment


@njit(cache=True, nogil=True)
def linear_sum_assignment(cost: np.ndarray) -> np.ndarray:
    """Column of each row in the minimum-cost assignment of a ``(nr, nc)`` cost matrix, ``nr <= nc``
    (``inf``: forbidden); ``-1`` for every row when no complete assignment exists.

    The shortest augmenting path method with dual potentials of Crouse (2016), "On implementing 2D
    rectangular assignment algorithms", IEEE Trans. Aerosp. Electron. Syst. 52(4), step for step as
    ``scipy.optimize.linear_sum_assignment`` implements it (so ties resolve the same way).
    """
    nr, nc = cost.shape
    u = np.zeros(nr)
    v = np.zeros(nc)
    shortest = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    col4row = np.full(nr, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    sr = np.zeros(nr, np.bool_)
    sc = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for cur in range(nr):
        # augmenting path from row ``cur``
        min_val = 0.0
        num_remaining = nc
        for it in range(nc):
            remaining[it] = nc - it - 1
        sr[:] = False
        sc[:] = False
        shortest[:] = _INF
        sink = -1
        i = cur
        while sink == -1:
            index = -1
            lowest = _INF
            sr[i] = True
            for it in range(num_remaining):
                j = remaining[it]
                rr = min_val + cost[i, j] - u[i] - v[j]
                if rr < shortest[j]:
                    path[j] = i
                    shortest[j] = rr
                if shortest[j] < lowest or (shortest[j] == lowest and row4col[j] == -1):
                    lowest = shortest[j]
                    index = it
            min_val = lowest
            if min_val == _INF:
                col4row[:] = -1
                return col4row
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            sc[j] = True
            num_remaining -= 1
            remaining[index] = remaining[num_remaining]
        # update the dual variables
        u[cur] += min_val
        for i in range(nr):
            if sr[i] and i != cur:
                u[i] += min_val - shortest[col4row[i]]
        for j in range(nc):
            if sc[j]:
                v[j] -= min_val - shortest[j]
        # augment
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            col4row[i], j = j, col4row[i]
            if i == cur:
                break
    return col4row


# ------------------------------------------------------------------------------------------ tracking


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> int:
    n = 0
    while x:
        x &= x - np.uint64(1)
        n += 1
    return n


@njit(cache=True, nogil=True)
def _assign_pass(
    rows: np.ndarray,
    det_free: np.ndarray,
    xs: np.ndarray,
    ps: np.ndarray,
    z: np.ndarray,
    r: np.ndarray,
    gate_d2: float,
    miss_cost: float,
    track_det: np.ndarray,
    s_inv_out: np.ndarray,
) -> None:
    """GNN association of tracks ``rows`` with the detections still free: ``track_det[row]`` is the chosen
    detection (or stays -1) and ``s_inv_out[row]`` its ``S^-1``; chosen detections are marked taken.

    A pair is admissible when ``d2 = nu^T S^-1 nu < G`` (``S = H P H^T + R``); the assignment minimises the
    summed cost ``sqrt(d2)``, a track left without a detection costing ``sqrt(G)`` (B&P's GNN; Stone Soup's
    ``GNNWith2DAssignment`` over a Mahalanobis ``DistanceHypothesiser``), as
    :class:`iadsim.sim.tracking.GNNAssociator`.
    """
    m = z.shape[0]
    n = rows.shape[0]
    if n == 0:
        return
    tr_r = 0.0
    for j in range(m):
        if det_free[j]:
            tr_r = max(tr_r, r[j, 0, 0] + r[j, 1, 1] + r[j, 2, 2])
    d2 = np.full((n, m), _INF)
    sinv = np.empty((n, m, 9))
    pairs_t = np.zeros(n, np.int64)
    pairs_d = np.zeros(m, np.int64)
    n_pairs = 0
    for a in range(n):
        k = rows[a]
        radius = math.sqrt(gate_d2 * ((ps[k, 0, 0] + ps[k, 1, 1] + ps[k, 2, 2]) + tr_r))
        for j in range(m):
            if not det_free[j]:
                continue
            n0 = z[j, 0] - xs[k, 0]
            n1 = z[j, 1] - xs[k, 1]
            n2 = z[j, 2] - xs[k, 2]
            if abs(n0) > radius or abs(n1) > radius or abs(n2) > radius:
                continue
            sa = ps[k, 0, 0] + r[j, 0, 0]
            sb = ps[k, 0, 1] + r[j, 0, 1]
            scc = ps[k, 0, 2] + r[j, 0, 2]
            sd = ps[k, 1, 1] + r[j, 1, 1]
            se = ps[k, 1, 2] + r[j, 1, 2]
            sf = ps[k, 2, 2] + r[j, 2, 2]
            c00 = sd * sf - se * se
            c01 = scc * se - sb * sf
            c02 = sb * se - scc * sd
            c11 = sa * sf - scc * scc
            c12 = sb * scc - sa * se
            c22 = sa * sd - sb * sb
            det = (sa * c00 + sb * c01) + scc * c02
            i00, i01, i02 = c00 / det, c01 / det, c02 / det
            i11, i12, i22 = c11 / det, c12 / det, c22 / det
            v = (
                n0 * (n0 * i00 + n1 * i01 + n2 * i02)
                + n1 * (n0 * i01 + n1 * i11 + n2 * i12)
                + n2 * (n0 * i02 + n1 * i12 + n2 * i22)
            )
            if v < gate_d2:
                d2[a, j] = v
                sinv[a, j, 0], sinv[a, j, 1], sinv[a, j, 2] = i00, i01, i02
                sinv[a, j, 3], sinv[a, j, 4], sinv[a, j, 5] = i01, i11, i12
                sinv[a, j, 6], sinv[a, j, 7], sinv[a, j, 8] = i02, i12, i22
                pairs_t[a] += 1
                pairs_d[j] += 1
                n_pairs += 1
    if n_pairs == 0:
        return
    conflict = False
    for a in range(n):
        if pairs_t[a] > 1:
            conflict = True
    for j in range(m):
        if pairs_d[j] > 1:
            conflict = True
    chosen = np.full(n, -1, np.int64)
    if not conflict:
        for a in range(n):
            if pairs_t[a] == 1:
                for j in range(m):
                    if d2[a, j] < _INF:
                        chosen[a] = j
    else:
        # tracks and detections with an admissible pair: rows x (detections + one miss column per track)
        ta = np.flatnonzero(pairs_t > 0)
        dj = np.flatnonzero(pairs_d > 0)
        nt, nd = ta.shape[0], dj.shape[0]
        cost = np.full((nt, nd + nt), _INF)
        for u in range(nt):
            for w in range(nd):
                val = d2[ta[u], dj[w]]
                if val < _INF:
                    cost[u, w] = math.sqrt(val)
            cost[u, nd + u] = miss_cost
        cols = linear_sum_assignment(cost)
        for u in range(nt):
            if 0 <= cols[u] < nd:
                chosen[ta[u]] = dj[cols[u]]
    for a in range(n):
        j = chosen[a]
        if j >= 0:
            track_det[rows[a]] = j
            det_free[j] = False
            for e in range(9):
                s_inv_out[rows[a], e] = sinv[a, j, e]


@njit(cache=True, nogil=True)
def tracker_step(
    t: float,
    z: np.ndarray,
    r: np.ndarray,
    sid: np.ndarray,
    n: int,
    next_id: int,
    ids: np.ndarray,
    state: np.ndarray,
    cov: np.ndarray,
    time_s: np.ndarray,
    status: np.ndarray,
    hits: np.ndarray,
    misses: np.ndarray,
    scans: np.ndarray,
    history: np.ndarray,
    created_s: np.ndarray,
    updated_s: np.ndarray,
    sensor: np.ndarray,
    track_rcs: np.ndarray,
    det_rcs: np.ndarray,
    params: np.ndarray,
    use_cover: bool,
    floor_agl: np.ndarray,
    terrain: np.ndarray,
    grid: np.ndarray,
    radar: np.ndarray,
    detect: np.ndarray,
    tables: np.ndarray,
    out: np.ndarray,
) -> tuple[int, int, int, int, int, int]:
    """One scan (detections ``z`` with covariances ``r``, sensor ids ``sid``, RCS ``det_rcs``) by the
    tracker on track arrays (rows ``0..n-1``, room for ``n + m`` rows), in place.

    ``params`` is ``(q, G, sqrt(G), M, N, initial velocity variance, max misses, max position variance,
    ballistic energy, ballistic q)``: a track whose specific energy ``v^2 / 2 + g z`` exceeds the ballistic
    energy is predicted with the ballistic ``q`` (:class:`~iadsim.sim.tracking.Predictor`).
    Steps, as :meth:`iadsim.sim.tracking.Tracker.step` with a :class:`~iadsim.sim.tracking.Predictor`,
    the standard-form :class:`~iadsim.sim.tracking.Updater`, a
    :class:`~iadsim.sim.tracking.GNNAssociator`, an :class:`~iadsim.sim.tracking.MOfNInitiator` and a
    :class:`~iadsim.sim.tracking.MissDeleter`:

    1. predict every track to ``t`` (nearly constant velocity, ``P' = F P F^T + Q``, BLK ch. 5-6);
    2. associate confirmed tracks, then tentative tracks with the detections left (GNN);
    3. update the pairs (``K = P H^T S^-1``, ``x += K nu``, ``P -= K S K^T``, symmetrised);
    4. count hits and misses (a track without a detection counts only where the radar could have detected
       it at its predicted position with its RCS, :func:`iadsim.sim._kernels.detectable`, when ``use_cover``);
    5. confirm (M of the last N counted scans) or fail tentative tracks, delete lost ones (``max misses``
       consecutive misses, or a position variance above the limit or not finite), keeping the order;
    6. start a tentative track on each detection left.

    Returns ``(n after the step, next id, updated count, missed count, confirmed count, deleted count)``;
    ``out`` (``2 m + 4 n`` ids, ``n`` before the step) gets, one after the other, the track id of each
    detection (``m``), the ids updated (up to ``n``), missed (up to ``n``), confirmed (up to ``n + m``, the
    new tracks included when ``M = 1``) and deleted (up to ``n``), each in the order of the tracks' rows.
    """
    q, gate_d2, miss_cost = params[0], params[1], params[2]
    m_hits, n_scans = int(params[3]), int(params[4])
    vel_var, max_misses, max_var = params[5], int(params[6]), params[7]
    ballistic_e, ballistic_q = params[8], params[9]
    m = z.shape[0]
    det_track = out[:m]
    updated_out = out[m : m + n]
    missed_out = out[m + n : m + 2 * n]
    confirmed_out = out[m + 2 * n : 2 * m + 3 * n]
    deleted_out = out[2 * m + 3 * n : 2 * m + 4 * n]
    det_track[:] = -1
    track_det = np.full(n, -1, np.int64)
    s_inv = np.empty((n, 9))
    n_upd = 0
    n_miss = 0
    n_conf_out = 0
    n_del = 0
    if n > 0:
        # 1. predict
        for k in range(n):
            d = t - time_s[k]
            v2 = state[k, 3] * state[k, 3] + state[k, 4] * state[k, 4] + state[k, 5] * state[k, 5]
            qk = ballistic_q if 0.5 * v2 + STANDARD_GRAVITY_MPS2 * state[k, 2] > ballistic_e else q
            for i in range(3):
                state[k, i] += d * state[k, i + 3]
            for i in range(3):  # position rows += d * velocity rows
                for j in range(6):
                    cov[k, i, j] += d * cov[k, i + 3, j]
            for i in range(6):  # position columns += d * velocity columns
                for j in range(3):
                    cov[k, i, j] += d * cov[k, i, j + 3]
            qpp = qk * d**3.0 / 3.0
            qpv = qk * (d * d) / 2.0
            qvv = qk * d
            for i in range(3):
                cov[k, i, i] += qpp
                cov[k, i, i + 3] += qpv
                cov[k, i + 3, i] += qpv
                cov[k, i + 3, i + 3] += qvv
            time_s[k] = t
        # 2. associate: confirmed tracks first
        if m > 0:
            det_free = np.ones(m, np.bool_)
            n_conf = 0
            for k in range(n):
                if status[k] == 1:
                    n_conf += 1
            conf_rows = np.empty(n_conf, np.int64)
            tent_rows = np.empty(n - n_conf, np.int64)
            a = b = 0
            for k in range(n):
                if status[k] == 1:
                    conf_rows[a] = k
                    a += 1
                else:
                    tent_rows[b] = k
                    b += 1
            _assign_pass(conf_rows, det_free, state, cov, z, r, gate_d2, miss_cost, track_det, s_inv)
            any_free = False
            for j in range(m):
                any_free = any_free or det_free[j]
            if any_free:
                _assign_pass(tent_rows, det_free, state, cov, z, r, gate_d2, miss_cost, track_det, s_inv)
        # 3-4. update and count
        one = np.uint64(1)
        for k in range(n):
            j = track_det[k]
            if j >= 0:
                nu = np.empty(3)
                for i in range(3):
                    nu[i] = z[j, i] - state[k, i]
                si = s_inv[k].reshape(3, 3)
                s = np.empty((3, 3))
                for u in range(3):
                    for w in range(3):
                        s[u, w] = cov[k, u, w] + r[j, u, w]
                gain = np.empty((6, 3))
                for u in range(6):
                    for w in range(3):
                        gain[u, w] = (
                            cov[k, u, 0] * si[0, w] + cov[k, u, 1] * si[1, w] + cov[k, u, 2] * si[2, w]
                        )
                for u in range(6):
                    state[k, u] += gain[u, 0] * nu[0] + gain[u, 1] * nu[1] + gain[u, 2] * nu[2]
                gs = np.empty((6, 3))
                for u in range(6):
                    for w in range(3):
                        gs[u, w] = gain[u, 0] * s[0, w] + gain[u, 1] * s[1, w] + gain[u, 2] * s[2, w]
                p = np.empty((6, 6))
                for u in range(6):
                    for w in range(6):
                        p[u, w] = cov[k, u, w] - (
                            gs[u, 0] * gain[w, 0] + gs[u, 1] * gain[w, 1] + gs[u, 2] * gain[w, 2]
                        )
                for u in range(6):
                    for w in range(6):
                        cov[k, u, w] = 0.5 * (p[u, w] + p[w, u])
                hits[k] += 1
                misses[k] = 0
                scans[k] += 1
                history[k] = (history[k] << one) | one
                updated_s[k] = t
                sensor[k] = sid[j]
                if math.isfinite(det_rcs[j]):
                    track_rcs[k] = det_rcs[j]
                det_track[j] = ids[k]
                updated_out[n_upd] = ids[k]
                n_upd += 1
            else:
                counted = True
                if use_cover:
                    counted = _detectable(
                        state[k, 0],
                        state[k, 1],
                        state[k, 2],
                        track_rcs[k],
                        floor_agl,
                        terrain,
                        grid,
                        radar,
                        detect,
                        tables,
                        int(detect[2]),
                    )
                if counted:
                    scans[k] += 1
                    history[k] = history[k] << one
                    misses[k] += 1
                    missed_out[n_miss] = ids[k]
                    n_miss += 1
        # 5. confirm, fail, delete (keeping order)
        mask = np.uint64((1 << n_scans) - 1)
        keep = 0
        for k in range(n):
            confirmed_now = False
            failed = False
            if status[k] != 1:
                window = _popcount(history[k] & mask)
                confirmed_now = window >= m_hits
                failed = (not confirmed_now) and window + max(n_scans - scans[k], 0) < m_hits
                if confirmed_now:
                    status[k] = 1
            trace = cov[k, 0, 0] + cov[k, 1, 1] + cov[k, 2, 2]
            lost = misses[k] >= max_misses or not math.isfinite(trace) or failed
            if max_var != _INF and not trace <= max_var:
                lost = True
            if lost:
                deleted_out[n_del] = ids[k]
                n_del += 1
                continue
            if confirmed_now:
                confirmed_out[n_conf_out] = ids[k]
                n_conf_out += 1
            if keep != k:
                ids[keep] = ids[k]
                state[keep] = state[k]
                cov[keep] = cov[k]
                time_s[keep] = time_s[k]
                status[keep] = status[k]
                hits[keep] = hits[k]
                misses[keep] = misses[k]
                scans[keep] = scans[k]
                history[keep] = history[k]
                created_s[keep] = created_s[k]
                updated_s[keep] = updated_s[k]
                sensor[keep] = sensor[k]
                track_rcs[keep] = track_rcs[k]
            keep += 1
        n = keep
    # 6. initiate on the detections left
    for j in range(m):
        if det_track[j] >= 0:
            continue
        k = n
        ids[k] = next_id
        det_track[j] = next_id
        next_id += 1
        for i in range(6):
            state[k, i] = z[j, i] if i < 3 else 0.0
            for w in range(6):
                cov[k, i, w] = 0.0
        for i in range(3):
            for w in range(3):
                cov[k, i, w] = r[j, i, w]
            cov[k, i + 3, i + 3] = vel_var
        time_s[k] = t
        status[k] = 1 if m_hits == 1 else 0
        hits[k] = 1
        misses[k] = 0
        scans[k] = 1
        history[k] = np.uint64(1)
        created_s[k] = t
        updated_s[k] = t
        sensor[k] = sid[j]
        track_rcs[k] = det_rcs[j]
        if m_hits == 1:
            confirmed_out[n_conf_out] = ids[k]
            n_conf_out += 1
        n += 1
    return n, next_id, n_upd, n_miss, n_conf_out, n_del
