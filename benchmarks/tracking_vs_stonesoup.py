"""Tracking: iadsim's tracker against Stone Soup's Kalman filter and GNN, side by side, on the same data.

    uv run python benchmarks/tracking_vs_stonesoup.py [--targets 300] [--scans 24] [--period 5] [--seed 1]

Straight-line targets (positions within 200 km of a radar at the origin, 100 m to 12 km high, 150-300 m/s)
are seen every ``--period`` seconds by that radar: range noise 50 m, angle noise 2 mrad, converted to a
Cartesian position with its own (non-diagonal) covariance per detection, as the engine does. No clutter, no
missed detections; detections come in shuffled order. Both trackers start from the same confirmed tracks
(the truth at t = 0 plus noise; initiation is skipped so that the comparison is exact) and run
predict-associate-update for every scan:

- Stone Soup: ``KalmanPredictor`` with ``CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)``,
  ``KalmanUpdater``, ``GNNWith2DAssignment`` over a ``DistanceHypothesiser`` with the ``Mahalanobis`` measure
  and ``missed_distance = sqrt(chi2.ppf(0.999, 3))``; a missed track keeps its prediction.
- iadsim: ``Tracker`` with the same ``q`` and gate, no initiator, a deleter that never fires.

Prints both times (the loop only: detections built beforehand for both), their ratio, the number of scans
whose associations differ, and the largest relative difference between the final estimates (per track,
``max |a - b| / max |b|`` over the state vector and over the covariance matrix).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
from scipy.stats import chi2
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.types.detection import Detection
from stonesoup.types.state import GaussianState
from stonesoup.types.track import Track
from stonesoup.updater.kalman import KalmanUpdater

from iadsim.sim.tracking import STONESOUP_ORDER, GNNAssociator, MissDeleter, Predictor, Tracker

SS = list(STONESOUP_ORDER)
Q_M2PS3 = 1.0  # noise_diff_coeff, m^2/s^3
GATE_P = 0.999
SIGMA_RANGE_M = 50.0
SIGMA_ANGLE_RAD = 2e-3
T0 = dt.datetime(2026, 11, 26)


def scenario(
    targets: int, scans: int, period_s: float, seed: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, np.ndarray, np.ndarray]]]:
    """Initial track states and covariances, and the scans ``(time_s, positions_m, covariances_m2)``."""
    rng = np.random.default_rng(seed)
    r = rng.uniform(30e3, 200e3, targets)
    az = rng.uniform(0, 2 * np.pi, targets)
    pos = np.column_stack([r * np.sin(az), r * np.cos(az), rng.uniform(100, 12_000, targets)])
    speed = rng.uniform(150, 300, targets)
    heading = rng.uniform(0, 2 * np.pi, targets)
    vel = np.column_stack([speed * np.sin(heading), speed * np.cos(heading), np.zeros(targets)])
    p0 = np.diag([200.0**2] * 3 + [20.0**2] * 3)
    x0 = np.hstack([pos, vel]) + rng.multivariate_normal(np.zeros(6), p0, targets)
    out = []
    for k in range(1, scans + 1):
        t = k * period_s
        truth = pos + vel * t
        cov = converted_covariance(truth)
        noise = np.einsum("kij,kj->ki", np.linalg.cholesky(cov), rng.standard_normal((targets, 3)))
        order = rng.permutation(targets)
        out.append((t, (truth + noise)[order], cov[order]))
    return x0, np.broadcast_to(p0, (targets, 6, 6)).copy(), out


def converted_covariance(pos_m: np.ndarray) -> np.ndarray:
    """Covariance (m^2) of a position converted from range/azimuth/elevation seen from the origin."""
    rng_m = np.linalg.norm(pos_m, axis=1)
    az = np.arctan2(pos_m[:, 0], pos_m[:, 1])
    el = np.arcsin(pos_m[:, 2] / rng_m)
    # Unit vectors along range, azimuth and elevation.
    u_r = np.column_stack([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)])
    u_az = np.column_stack([np.cos(az), -np.sin(az), np.zeros_like(az)])
    u_el = np.column_stack([-np.sin(az) * np.sin(el), -np.cos(az) * np.sin(el), np.cos(el)])
    rot = np.stack([u_r, u_az, u_el], axis=2)
    sig = np.column_stack([np.full_like(rng_m, SIGMA_RANGE_M**2), (rng_m * SIGMA_ANGLE_RAD) ** 2,
                           (rng_m * SIGMA_ANGLE_RAD) ** 2])  # fmt: skip
    return np.einsum("kij,kj,klj->kil", rot, sig, rot)


def run_stonesoup(x0: np.ndarray, p0: np.ndarray, scans: list) -> tuple[float, list[Track], list[np.ndarray]]:
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q_M2PS3)] * 3)
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(measurement_model=None)
    hypothesiser = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=float(np.sqrt(chi2.ppf(GATE_P, 3)))
    )
    associator = GNNWith2DAssignment(hypothesiser)
    tracks = [
        Track([GaussianState(x[SS].reshape(6, 1), p[np.ix_(SS, SS)], timestamp=T0)])
        for x, p in zip(x0, p0, strict=True)
    ]
    scan_dets = []
    for t, z, r in scans:
        stamp = T0 + dt.timedelta(seconds=t)
        dets = [
            Detection(zi.reshape(3, 1), timestamp=stamp, measurement_model=LinearGaussian(6, [0, 2, 4], ri))
            for zi, ri in zip(z, r, strict=True)
        ]
        scan_dets.append((stamp, dets))
    assignments = []
    start = time.perf_counter()
    for stamp, dets in scan_dets:
        hyps = associator.associate(set(tracks), set(dets), stamp)
        for track in tracks:
            hyp = hyps[track]
            track.append(updater.update(hyp) if hyp else hyp.prediction)
        index = {id(d): j for j, d in enumerate(dets)}
        assignments.append(np.array([index[id(hyps[tr].measurement)] if hyps[tr] else -1 for tr in tracks]))
    elapsed = time.perf_counter() - start
    return elapsed, tracks, assignments


def run_iadsim(x0: np.ndarray, p0: np.ndarray, scans: list) -> tuple[float, Tracker, list[np.ndarray]]:
    tracker = Tracker(
        Predictor(Q_M2PS3),
        associator=GNNAssociator(gate_probability=GATE_P),
        initiator=None,
        deleter=MissDeleter(max_misses=10**9),
    )
    ids = tracker.add_tracks(x0, p0, 0.0)
    assignments = []
    start = time.perf_counter()
    for t, z, r in scans:
        res = tracker.step(t, z, r)
        det_of_track = np.full(ids.size, -1)
        hit = res.detection_track_ids >= 0
        det_of_track[res.detection_track_ids[hit]] = np.flatnonzero(hit)
        assignments.append(det_of_track)
    elapsed = time.perf_counter() - start
    return elapsed, tracker, assignments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=300)
    parser.add_argument("--scans", type=int, default=24)
    parser.add_argument("--period", type=float, default=5.0, help="scan period, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="iadsim runs (median time)")
    args = parser.parse_args()

    x0, p0, scans = scenario(args.targets, args.scans, args.period, args.seed)
    ia_times = []
    for _ in range(args.repeat):
        t_ia, tracker, ia_assign = run_iadsim(x0, p0, scans)
        ia_times.append(t_ia)
    t_ia = float(np.median(ia_times))
    t_ss, ss_tracks, ss_assign = run_stonesoup(x0, p0, scans)

    differing_scans = sum(not np.array_equal(a, b) for a, b in zip(ia_assign, ss_assign, strict=True))
    final = tracker.tracks
    state_err = cov_err = 0.0
    for i, track in enumerate(ss_tracks):
        xs = np.asarray(track.state_vector, dtype=float).ravel()
        ps = np.asarray(track.covar, dtype=float)
        xi = final.state[i][SS]
        pi = final.cov[i][np.ix_(SS, SS)]
        state_err = max(state_err, float(np.abs(xi - xs).max() / np.abs(xs).max()))
        cov_err = max(cov_err, float(np.abs(pi - ps).max() / np.abs(ps).max()))
    misses = sum(int((a < 0).sum()) for a in ia_assign)

    print(f"targets {args.targets}, scans {args.scans} every {args.period:g} s, detections "
          f"{args.targets * args.scans}, track-scans without a detection in the gate {misses}")  # fmt: skip
    print(f"Stone Soup: {t_ss:.3f} s ({t_ss / args.scans * 1e3:.1f} ms per scan)")
    print(f"iadsim:     {t_ia:.4f} s ({t_ia / args.scans * 1e3:.3f} ms per scan, median of {args.repeat})")
    print(f"speed-up:   {t_ss / t_ia:.0f}x")
    print(f"scans with different associations: {differing_scans} of {args.scans}")
    print(f"largest relative difference of final estimates: state {state_err:.2e}, covariance {cov_err:.2e}")
    met = state_err <= 1e-6 and cov_err <= 1e-6 and differing_scans == 0 and t_ss / t_ia >= 100
    print(f"goal (same estimates to 1e-6, same associations, >= 100x faster): {'met' if met else 'not met'}")


if __name__ == "__main__":
    main()
