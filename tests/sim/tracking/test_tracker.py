"""Tracking against Stone Soup on the same data, filter consistency (NEES), M-of-N logic, crossing targets;
the behaviour tests run over both trackers (the reference and the compiled one) through their common
interface."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.stats import chi2
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.types.track import Track
from stonesoup.updater.kalman import KalmanUpdater

from iadsim.errors import InputError
from iadsim.sim.tracking import (
    STONESOUP_ORDER,
    CompiledTracker,
    GNNAssociator,
    MissDeleter,
    MOfNInitiator,
    Predictor,
    Tracker,
    TrackerParams,
    TrackSet,
    TrackStatus,
    Updater,
    mahalanobis_d2,
)

SS = list(STONESOUP_ORDER)

#: The two trackers, each made from the engine's parameters (:class:`TrackerParams`).
MakeTracker = Callable[[TrackerParams], Tracker | CompiledTracker]


@pytest.fixture(params=[Tracker.from_params, CompiledTracker], ids=["reference", "compiled"])
def make_tracker(request: pytest.FixtureRequest) -> MakeTracker:
    return request.param  # type: ignore[no-any-return]


T0 = dt.datetime(2026, 11, 26)
GATE_D = float(np.sqrt(chi2.ppf(0.999, 3)))

# Tolerance against Stone Soup: 1e-9 of the largest entry of each vector or matrix. Both evaluate the same
# Kalman equations in double precision but in a different order (3 x 3 blocks and an adjugate inverse here,
# 6 x 6 products and LAPACK's inverse there, and a symmetrisation here), so entries that cancel to near zero
# differ by round-off of the largest terms (about 1e-15 of them per cycle); 1e-9 leaves room for the growth of
# that round-off over a hundred cycles and is far below any difference that would matter.
RTOL = 1e-9


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max())


def random_cov(rng: np.random.Generator, k: int, d: int, scale: float) -> np.ndarray:
    a = rng.normal(size=(k, d, d))
    return scale * (a @ a.transpose(0, 2, 1) + d * np.eye(d))


def ss_models(q: float) -> tuple[KalmanPredictor, KalmanUpdater]:
    return KalmanPredictor(CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)), KalmanUpdater(
        None
    )


def ss_state(x: np.ndarray, p: np.ndarray, t_s: float) -> GaussianState:
    return GaussianState(x[SS].reshape(6, 1), p[np.ix_(SS, SS)], timestamp=T0 + dt.timedelta(seconds=t_s))


def ss_detection(z: np.ndarray, r: np.ndarray, t_s: float) -> Detection:
    model = LinearGaussian(6, [0, 2, 4], r)
    return Detection(z.reshape(3, 1), timestamp=T0 + dt.timedelta(seconds=t_s), measurement_model=model)


def ss_arrays(state: GaussianState) -> tuple[np.ndarray, np.ndarray]:
    """Stone Soup's state and covariance in iadsim's order."""
    inv = np.argsort(SS)
    x = np.asarray(state.state_vector, dtype=float).ravel()[inv]
    return x, np.asarray(state.covar, dtype=float)[np.ix_(inv, inv)]


# ---------------------------------------------------------------------------------------- Kalman filter


def test_transition_matrices_match_stonesoup() -> None:
    model = CombinedLinearGaussianTransitionModel([ConstantVelocity(3.0)] * 3)
    f, q = Predictor(3.0).matrices([7.5])
    assert np.array_equal(f[0][np.ix_(SS, SS)], model.matrix(time_interval=dt.timedelta(seconds=7.5)))
    np.testing.assert_allclose(
        q[0][np.ix_(SS, SS)], model.covar(time_interval=dt.timedelta(seconds=7.5)), rtol=1e-15, atol=0
    )


def test_a_ballistic_track_is_predicted_with_the_ballistic_noise() -> None:
    # Specific energy e = |v|^2 / 2 + g z: a track at 2,000 m/s and 30 km (2.29 MJ/kg) lies above a 450 kJ/kg
    # threshold, one at 250 m/s and 9 km (0.12 MJ/kg) below; each gets Stone Soup's ConstantVelocity
    # covariance of its own q (1,000 and 10 m^2/s^3), and the same transition.
    predictor = Predictor(10.0, ballistic_energy_jpkg=450e3, ballistic_noise_diff_coeff_m2ps3=1000.0)
    x = np.array([[0.0, 0.0, 30e3, 2000.0, 0.0, 0.0], [0.0, 0.0, 9e3, 250.0, 0.0, 0.0]])
    assert 0.5 * 2000.0**2 + 9.80665 * 30e3 > 450e3 > 0.5 * 250.0**2 + 9.80665 * 9e3
    xp, pp = predictor.predict_arrays(x, np.zeros((2, 6, 6)), 7.5)
    for i, q in enumerate((1000.0, 10.0)):
        model = CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)
        expected = model.covar(time_interval=dt.timedelta(seconds=7.5))
        np.testing.assert_allclose(pp[i][np.ix_(SS, SS)], expected, rtol=1e-15, atol=0)
        np.testing.assert_allclose(xp[i, :3], x[i, :3] + 7.5 * x[i, 3:])


@pytest.mark.parametrize("joseph", [False, True], ids=["standard", "joseph"])
def test_one_cycle_matches_stonesoup(joseph: bool) -> None:
    rng = np.random.default_rng(11)
    k, q, dt_s = 5, 4.0, 4.0
    x = np.hstack([rng.normal(0, 50e3, (k, 3)), rng.normal(0, 200, (k, 3))])
    p = random_cov(rng, k, 6, 100.0)
    z = x[:, :3] + dt_s * x[:, 3:] + rng.normal(0, 300, (k, 3))
    r = random_cov(rng, k, 3, 2000.0)
    xp, pp = Predictor(q).predict_arrays(x, p, dt_s)
    xu, pu = Updater(joseph=joseph).update_arrays(xp, pp, z, r)
    predictor, _ = ss_models(q)
    updater = KalmanUpdater(None, use_joseph_cov=joseph)
    for i in range(k):
        pred = predictor.predict(ss_state(x[i], p[i], 0.0), timestamp=T0 + dt.timedelta(seconds=dt_s))
        upd = updater.update(SingleHypothesis(pred, ss_detection(z[i], r[i], dt_s)))
        sx, sp = ss_arrays(pred)
        ux, up = ss_arrays(upd)
        assert rel_err(xp[i], sx) < RTOL and rel_err(pp[i], sp) < RTOL
        assert rel_err(xu[i], ux) < RTOL and rel_err(pu[i], up) < RTOL


def test_many_cycles_match_stonesoup() -> None:
    """A hundred predict-update cycles with irregular intervals, zero included (two sensors at once)."""
    rng = np.random.default_rng(12)
    k, q = 3, 2.0
    x = np.hstack([rng.normal(0, 50e3, (k, 3)), rng.normal(0, 200, (k, 3))])
    p = np.broadcast_to(np.diag([1e4] * 3 + [1e4] * 3), (k, 6, 6)).copy()
    truth = x.copy()
    predictor, updater = ss_models(q)
    ss = [ss_state(x[i], p[i], 0.0) for i in range(k)]
    t = 0.0
    pred, upd = Predictor(q), Updater()
    for _ in range(100):
        step = float(rng.choice([0.0, 1.0, 2.5, 5.0]))
        t += step
        truth[:, :3] += step * truth[:, 3:]
        r = random_cov(rng, k, 3, 500.0)
        z = truth[:, :3] + np.einsum("kij,kj->ki", np.linalg.cholesky(r), rng.standard_normal((k, 3)))
        x, p = pred.predict_arrays(x, p, step)
        x, p = upd.update_arrays(x, p, z, r)
        stamp = T0 + dt.timedelta(seconds=t)
        ss = [
            updater.update(
                SingleHypothesis(predictor.predict(s, timestamp=stamp), ss_detection(z[i], r[i], t))
            )
            for i, s in enumerate(ss)
        ]
        for i in range(k):
            sx, sp = ss_arrays(ss[i])
            assert rel_err(x[i], sx) < RTOL and rel_err(p[i], sp) < RTOL


def test_two_sensors_at_the_same_time_fuse_as_the_information_filter() -> None:
    """Two scans at one time (dt = 0) fuse as the information filter: P^-1 = P0^-1 + H^T (R1^-1 + R2^-1) H."""
    rng = np.random.default_rng(13)
    p0 = random_cov(rng, 1, 6, 1e4)[0]
    x0 = np.array([10e3, 20e3, 3e3, 200.0, -100.0, 0.0])
    r1, r2 = random_cov(rng, 2, 3, 300.0)
    z1 = x0[:3] + np.array([20.0, -10.0, 5.0])
    z2 = x0[:3] + np.array([-15.0, 10.0, -5.0])
    tracker = Tracker(Predictor(1.0), initiator=None)
    (tid,) = tracker.add_tracks(x0, p0, 10.0)
    res1 = tracker.step(10.0, z1[None], r1[None], sensor_ids=[7])
    res2 = tracker.step(10.0, z2[None], r2[None], sensor_ids=[8])
    assert list(res1.updated_ids) == [tid] and list(res2.updated_ids) == [tid]
    h = np.hstack([np.eye(3), np.zeros((3, 3))])
    info = np.linalg.inv(p0) + h.T @ (np.linalg.inv(r1) + np.linalg.inv(r2)) @ h
    p_ref = np.linalg.inv(info)
    x_ref = p_ref @ (np.linalg.solve(p0, x0) + h.T @ (np.linalg.solve(r1, z1) + np.linalg.solve(r2, z2)))
    # Tolerance: the two forms differ by round-off amplified by the condition number of P0 (about 1e3 here).
    assert rel_err(tracker.tracks.cov[0], p_ref) < 1e-10
    assert rel_err(tracker.tracks.state[0], x_ref) < 1e-10
    assert tracker.tracks.sensor_id[0] == 8 and tracker.tracks.hits[0] == 3


# ------------------------------------------------------------------------------------------- association


def ss_gnn(q: float) -> GNNWith2DAssignment:
    predictor, updater = ss_models(q)
    return GNNWith2DAssignment(
        DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=GATE_D)
    )


@pytest.mark.parametrize("seed", range(6))
def test_gnn_matches_stonesoup_in_dense_conflicts(seed: int) -> None:
    """Tracks and detections crowded together, some tracks unseen, some detections extra: same assignment."""
    rng = np.random.default_rng(seed)
    n, m = 25, 22
    x = np.hstack([rng.uniform(0, 3000, (n, 3)), rng.normal(0, 100, (n, 3))])
    p = random_cov(rng, n, 6, 2e3)
    z = rng.uniform(0, 3000, (m, 3))
    r = random_cov(rng, m, 3, 1e4)
    ours = GNNAssociator().associate(x, p, z, r)
    assert ours.track_index.size >= 3  # several tracks assigned, from clusters with conflicts
    tracks = [Track([ss_state(x[i], p[i], 0.0)]) for i in range(n)]
    dets = [ss_detection(z[j], r[j], 0.0) for j in range(m)]
    hyps = ss_gnn(1.0).associate(set(tracks), set(dets), T0)
    expected = np.array([dets.index(hyps[t].measurement) if hyps[t] else -1 for t in tracks])
    np.testing.assert_array_equal(ours.detection_of_track(), expected)


def crossing_scenario(
    rng: np.random.Generator, scans: int, period_s: float
) -> tuple[np.ndarray, list[tuple[float, np.ndarray, np.ndarray]]]:
    """Four targets flying through one point at 60 and 90 degrees, 250 m/s, at mid-time; 40 m noise."""
    heading = np.radians([0.0, 60.0, 90.0, 150.0])
    vel = 250.0 * np.column_stack([np.sin(heading), np.cos(heading), np.zeros(4)])
    t_cross = scans * period_s / 2
    start = np.array([0.0, 0.0, 5000.0]) - vel * t_cross
    r = np.diag([40.0**2, 40.0**2, 80.0**2])
    out = []
    for k in range(scans + 1):
        t = k * period_s
        truth = start + vel * t
        z = truth + rng.normal(size=(4, 3)) * np.sqrt(np.diag(r))
        order = rng.permutation(4)
        out.append((t, z[order], np.broadcast_to(r, (4, 3, 3)).copy()))
    return np.hstack([start, vel]), out


def test_gnn_tracker_matches_stonesoup_on_crossing_targets() -> None:
    rng = np.random.default_rng(21)
    q = 1.0
    truth0, scans = crossing_scenario(rng, 20, 5.0)
    p0 = np.diag([100.0**2] * 3 + [30.0**2] * 3)
    x0 = truth0 + rng.normal(size=(4, 6)) * np.sqrt(np.diag(p0))
    tracker = Tracker(Predictor(q), initiator=None, deleter=MissDeleter(max_misses=100))
    ids = tracker.add_tracks(x0, np.broadcast_to(p0, (4, 6, 6)), 0.0)
    predictor, updater = ss_models(q)
    gnn = ss_gnn(q)
    tracks = [Track([ss_state(x0[i], p0, 0.0)]) for i in range(4)]
    conflicts = 0
    for t, z, r in scans[1:]:
        predicted = tracker.predictor.predict(tracker.tracks, t)
        ti, _, _ = tracker.associator.gated_pairs(predicted.state, predicted.cov, z, r)
        conflicts += ti.size > 4
        res = tracker.step(t, z, r)
        dets = [ss_detection(z[j], r[j], t) for j in range(4)]
        hyps = gnn.associate(set(tracks), set(dets), T0 + dt.timedelta(seconds=t))
        det_track = {dets.index(hyps[tr].measurement): ids[i] for i, tr in enumerate(tracks) if hyps[tr]}
        assert [det_track.get(j, -1) for j in range(4)] == res.detection_track_ids.tolist(), t
        assert sorted(det_track.values()) == sorted(res.updated_ids.tolist())
        for tr in tracks:
            tr.append(updater.update(hyps[tr]) if hyps[tr] else hyps[tr].prediction)
    assert conflicts >= 1  # detections inside several gates at the crossing: the assignment mattered
    for i, tr in enumerate(tracks):
        sx, sp = ss_arrays(tr.state)
        assert rel_err(tracker.tracks.state[i], sx) < RTOL and rel_err(tracker.tracks.cov[i], sp) < RTOL


@pytest.mark.parametrize("seed", range(5))
def test_crossing_targets_keep_their_identities(seed: int, make_tracker: MakeTracker) -> None:
    """Full tracker (initiation included): after the crossing each track still follows its own target."""
    rng = np.random.default_rng(100 + seed)
    truth0, scans = crossing_scenario(rng, 24, 5.0)
    tracker = make_tracker(TrackerParams(1.0))
    owner: dict[int, int] = {}
    for k, (t, z, r) in enumerate(scans):
        tracker.step(t, z, r)
        truth = truth0[:, :3] + truth0[:, 3:] * t
        confirmed = tracker.confirmed_tracks
        nearest = np.argmin(np.linalg.norm(confirmed.position_m[:, None] - truth[None], axis=2), axis=1)
        if k == 4:  # well before the crossing (scan 12)
            owner = dict(zip(confirmed.ids.tolist(), nearest.tolist(), strict=True))
            assert sorted(owner.values()) == [0, 1, 2, 3]
    final = tracker.confirmed_tracks
    assert sorted(final.ids.tolist()) == sorted(owner)
    truth = truth0[:, :3] + truth0[:, 3:] * scans[-1][0]
    for tid, pos in zip(final.ids.tolist(), final.position_m, strict=True):
        assert np.linalg.norm(pos - truth[owner[tid]]) < 200.0


# ------------------------------------------------------------------------------------------- consistency


def test_nees_is_chi_square_with_six_degrees_of_freedom() -> None:
    """Normalised estimation error squared over 300 runs of a straight flyer (BLK sec. 5.4).

    Truth follows the filter's own model (q = 0.5 m^2/s^3: nearly straight, 1.6 m/s of velocity noise per
    5 s scan), the start is drawn from the initial estimate's distribution and each detection has its own
    converted-measurement-like covariance. Runs are 200 km apart, so the whole tracker (gating, association)
    runs them as 300 tracks at once. For a consistent filter, N * mean NEES at each scan is chi-square with
    6 N degrees of freedom; each scan's mean must lie in the two-sided 99.9 % interval (with 30 scans, a
    correct filter fails this with probability about 3 %; the seed is fixed) and a filter that assumes twice
    the true measurement noise must fail it.
    """
    runs, scans, period, q = 300, 30, 5.0, 0.5
    rng = np.random.default_rng(5)
    model = Predictor(q)
    f, qm = model.matrices([period])
    p0 = np.diag([150.0**2] * 3 + [40.0**2] * 3)
    x_hat0 = np.zeros((runs, 6))
    x_hat0[:, 0] = np.arange(runs) * 200e3
    x_hat0[:, 2] = 8000.0
    x_hat0[:, 3] = 250.0
    truth = x_hat0 + rng.multivariate_normal(np.zeros(6), p0, runs)
    # A gate so wide (probability 1 - 1e-9) that no detection of these well-separated runs falls outside it:
    # a 99.9 % gate would drop about nine of the 9,000 and bias the NEES.
    trackers = {
        scale: Tracker(
            model,
            associator=GNNAssociator(gate_probability=1 - 1e-9),
            initiator=None,
            deleter=MissDeleter(max_misses=1),
        )
        for scale in (1.0, 2.0)
    }
    for tr in trackers.values():
        tr.add_tracks(x_hat0, np.broadcast_to(p0, (runs, 6, 6)), 0.0)
    lo, hi = chi2.ppf([0.0005, 0.9995], 6 * runs) / runs
    nees_means: dict[float, list[float]] = {1.0: [], 2.0: []}
    for k in range(1, scans + 1):
        truth = truth @ f[0].T + rng.multivariate_normal(np.zeros(6), qm[0], runs)
        r = random_cov(rng, runs, 3, 50.0**2 / 6)
        z = truth[:, :3] + np.einsum("kij,kj->ki", np.linalg.cholesky(r), rng.standard_normal((runs, 3)))
        for scale, tr in trackers.items():
            res = tr.step(k * period, z, scale * r)
            assert res.updated_ids.size == runs and res.deleted_ids.size == 0
            e = tr.tracks.state - truth
            nees = np.einsum("ki,kij,kj->k", e, np.linalg.inv(tr.tracks.cov), e)
            nees_means[scale].append(float(nees.mean()))
    consistent = np.array(nees_means[1.0])
    assert np.all((consistent > lo) & (consistent < hi)), (lo, hi, consistent)
    assert not np.all((np.array(nees_means[2.0]) > lo) & (np.array(nees_means[2.0]) < hi))


# ----------------------------------------------------------------------------------- initiation, deletion


def straight_target(t: float) -> np.ndarray:
    return np.array([[20e3 + 250.0 * t, 30e3, 4000.0]])


R1 = np.diag([30.0**2, 30.0**2, 60.0**2])[None]
NONE = np.empty((0, 3)), np.empty((0, 3, 3))


def test_two_of_three_confirms_with_m2_but_not_m3(make_tracker: MakeTracker) -> None:
    """Seen at scans 1 and 3, missed at scan 2 (B&P's M-of-N rule)."""
    for m, confirmed in ((2, True), (3, False)):
        tracker = make_tracker(TrackerParams(1.0, m_hits=m, n_scans=3))
        first = tracker.step(0.0, straight_target(0.0), R1)
        (tid,) = first.new_ids
        assert first.confirmed_ids.size == 0 and tracker.tracks.status[0] == TrackStatus.TENTATIVE
        second = tracker.step(5.0, *NONE)
        assert second.missed_ids.tolist() == [tid] and second.confirmed_ids.size == 0
        # With M = 3 the miss leaves at most 2 hits in 3 scans: the track fails at once.
        assert second.deleted_ids.tolist() == ([] if confirmed else [tid])
        third = tracker.step(10.0, straight_target(10.0), R1)
        if confirmed:
            assert third.updated_ids.tolist() == [tid] and third.confirmed_ids.tolist() == [tid]
            assert tracker.confirmed_tracks.ids.tolist() == [tid]
        else:  # the third detection starts a new tentative track
            assert third.confirmed_ids.size == 0 and third.new_ids.size == 1
            assert tracker.confirmed_tracks.ids.size == 0


def test_three_of_three_confirms_a_steady_target(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(1.0, m_hits=3, n_scans=3))
    results = [tracker.step(t, straight_target(t), R1) for t in (0.0, 5.0, 10.0)]
    assert [r.confirmed_ids.tolist() for r in results] == [[], [], [0]]


def test_clutter_seen_once_never_confirms(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(1.0, m_hits=2, n_scans=3))
    clutter = np.array([[-50e3, -10e3, 2000.0]])
    first = tracker.step(0.0, np.vstack([straight_target(0.0), clutter]), np.vstack([R1, R1]))
    target_id, clutter_id = first.new_ids
    confirmed: set[int] = set()
    deleted: set[int] = set()
    for t in np.arange(5.0, 60.0, 5.0):
        res = tracker.step(t, straight_target(t), R1)
        confirmed |= set(res.confirmed_ids.tolist())
        deleted |= set(res.deleted_ids.tolist())
    assert confirmed == {target_id}
    assert clutter_id in deleted and clutter_id not in tracker.tracks.ids


def test_confirmed_track_deleted_after_k_misses(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(1.0, max_misses=3))
    (tid,) = tracker.add_tracks(np.r_[straight_target(0.0)[0], 250.0, 0.0, 0.0], np.eye(6) * 100.0, 0.0)
    for k, t in enumerate((5.0, 10.0, 15.0), start=1):
        res = tracker.step(t, *NONE)
        assert tracker.tracks.misses.tolist() == ([k] if k < 3 else [])
        assert res.deleted_ids.tolist() == ([tid] if k == 3 else [])


def test_a_hit_resets_the_miss_count(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(1.0, max_misses=2))
    tracker.add_tracks(np.r_[straight_target(0.0)[0], 250.0, 0.0, 0.0], np.eye(6) * 100.0, 0.0)
    for t, seen in ((5.0, False), (10.0, True), (15.0, False), (20.0, True), (25.0, False)):
        res = tracker.step(t, *(straight_target(t), R1) if seen else NONE)
        assert res.deleted_ids.size == 0
    assert len(tracker.tracks) == 1 and tracker.tracks.misses[0] == 1


@dataclass
class Below:
    """Coverage of a low-level radar: it could detect what flies below ``ceiling_m`` (m); counts its calls."""

    ceiling_m: float
    calls: list[int] = field(default_factory=list)

    def detectable(self, positions_m: np.ndarray, rcs_m2: np.ndarray) -> np.ndarray:
        self.calls.append(len(positions_m))
        return positions_m[:, 2] < self.ceiling_m


def test_tracks_outside_coverage_are_not_missed() -> None:
    """(The compiled tracker takes only a radar's ``ScanCoverage``: test_compiled.py holds it to this one
    with one.)"""
    tracker = Tracker(Predictor(1.0), deleter=MissDeleter(max_misses=2))
    tracker.add_tracks(np.r_[straight_target(0.0)[0], 250.0, 0.0, 0.0], np.eye(6) * 100.0, 0.0)
    for t in (5.0, 10.0, 15.0):
        res = tracker.step(t, *NONE, coverage=Below(1000.0))
        assert res.missed_ids.size == 0 and res.deleted_ids.size == 0
    assert tracker.tracks.scans[0] == 1 and tracker.tracks.misses[0] == 0


def test_exploding_covariance_deletes(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(100.0, max_misses=100, max_position_variance_m2=3 * 1e6))
    tracker.add_tracks(np.r_[straight_target(0.0)[0], 250.0, 0.0, 0.0], np.eye(6) * 100.0, 0.0)
    times = np.arange(5.0, 200.0, 5.0)
    deleted_at = [t for t in times if tracker.step(float(t), *NONE).deleted_ids.size]
    # Closed form of the position variance per axis after t s without data, from P0 = 100 I and white-noise
    # acceleration q = 100 m^2/s^3: 100 + 100 t^2 + 100 t^3 / 3 (m^2); the trace is three times that.
    variance = 100.0 + 100.0 * times**2 + 100.0 * times**3 / 3.0
    assert deleted_at == [times[np.argmax(3 * variance > 3e6)]]


# ---------------------------------------------------------------------------------------------- plumbing


def test_inputs_are_checked(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(1.0))
    tracker.step(10.0, straight_target(10.0), R1)
    with pytest.raises(InputError, match="earlier"):
        tracker.step(5.0, *NONE)
    with pytest.raises(InputError, match="positions_m"):
        tracker.step(10.0, np.zeros((2, 2)), np.zeros((2, 3, 3)))
    with pytest.raises(InputError, match="covariances_m2"):
        tracker.step(10.0, np.zeros((2, 3)), np.zeros((1, 3, 3)))
    with pytest.raises(InputError, match="finite"):
        tracker.step(10.0, np.full((1, 3), np.nan), R1)
    with pytest.raises(InputError, match="sensor_ids"):
        tracker.step(10.0, straight_target(10.0), R1, sensor_ids=[1, 2])
    with pytest.raises(InputError, match="rcs_m2"):
        tracker.step(10.0, straight_target(10.0), R1, rcs_m2=[1.0, 2.0])
    assert len(tracker) == 1 and tracker.time_s == 10.0  # (refused scans change nothing)
    for bad in ({"m_hits": 4, "n_scans": 3}, {"gate_probability": 1.0}, {"max_misses": 0}):
        with pytest.raises(InputError):
            TrackerParams(1.0, **bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        MOfNInitiator(m_hits=4, n_scans=3)
    with pytest.raises(InputError):
        GNNAssociator(gate_probability=1.0)


def test_a_dropped_track_is_gone_and_its_detection_starts_a_new_one(make_tracker: MakeTracker) -> None:
    tracker = make_tracker(TrackerParams(1.0))
    x0 = np.r_[straight_target(0.0)[0], 250.0, 0.0, 0.0]
    first, second = tracker.add_tracks(
        np.vstack([x0, x0 + np.r_[50e3, 0.0, 0.0, 0.0, 0.0, 0.0]]),
        np.broadcast_to(np.eye(6) * 100.0, (2, 6, 6)),
        0.0,
    )
    assert tracker.drop(int(first)) and not tracker.drop(int(first)) and len(tracker) == 1
    res = tracker.step(5.0, straight_target(5.0), R1)
    assert res.updated_ids.size == 0 and res.new_ids.tolist() == [second + 1]
    assert tracker.tracks.ids.tolist() == [second, second + 1]


def test_tracks_are_read_only_values() -> None:
    tracker = Tracker(Predictor(1.0))
    tracker.step(0.0, straight_target(0.0), R1)
    tracks = tracker.tracks
    with pytest.raises(ValueError):
        tracks.state[0, 0] = 0.0
    before = tracks.state.copy()
    tracker.step(5.0, straight_target(5.0), R1)
    np.testing.assert_array_equal(tracks.state, before)  # a step makes a new set, the old one is unchanged
    assert isinstance(tracks, TrackSet) and tracks.index_of([0, 99]).tolist() == [0, -1]


# ------------------------------------------------------------------------------------------------ pieces


def test_predicting_tracks_with_their_own_intervals_is_predicting_each_alone() -> None:
    rng = np.random.default_rng(31)
    k = 7
    x = np.hstack([rng.normal(0, 50e3, (k, 3)), rng.normal(0, 200, (k, 3))])
    p = random_cov(rng, k, 6, 100.0)
    model = Predictor(3.0)
    dts = rng.uniform(0, 10, k)
    xa, pa = model.predict_arrays(x, p, dts)
    for i in range(k):
        xi, pi = model.predict_arrays(x[i : i + 1], p[i : i + 1], float(dts[i]))
        np.testing.assert_array_equal(xi[0], xa[i])
        np.testing.assert_array_equal(pi[0], pa[i])
    with pytest.raises(InputError, match="backwards"):
        model.predict_arrays(x, p, -1.0)


def test_mahalanobis_by_cofactors_matches_a_solve() -> None:
    rng = np.random.default_rng(32)
    s = random_cov(rng, 50, 3, 1e4)
    nu = rng.normal(0, 100, (50, 3))
    expected = np.einsum("ki,ki->k", nu, np.linalg.solve(s, nu[:, :, None])[:, :, 0])
    np.testing.assert_allclose(mahalanobis_d2(nu, s), expected, rtol=1e-12)


def crowded(rng: np.random.Generator, n: int, m: int) -> tuple[np.ndarray, ...]:
    x = np.hstack([rng.uniform(0, 3000, (n, 3)), rng.normal(0, 100, (n, 3))])
    return x, random_cov(rng, n, 6, 2e3), rng.uniform(0, 3000, (m, 3)), random_cov(rng, m, 3, 1e4)


@pytest.mark.parametrize("seed", range(4))
def test_gating_by_sort_and_sweep_finds_every_pair_inside_the_gate(seed: int) -> None:
    """The gated pairs are those of the brute force over every track and detection, in the same order."""
    x, p, z, r = crowded(np.random.default_rng(seed), 12, 1 + 5 * seed)
    ti, dj, d2 = GNNAssociator().gated_pairs(x, p, z, r)
    every_t, every_d = np.divmod(np.arange(12 * len(z)), len(z))
    nu = z[every_d] - x[every_t, :3]
    d2_all = np.einsum("ki,kij,kj->k", nu, np.linalg.inv(p[every_t, :3, :3] + r[every_d]), nu)
    inside = d2_all < GNNAssociator().gate_d2
    assert ti.size > 0 and np.all(np.diff(ti) >= 0)
    assert sorted(zip(ti.tolist(), dj.tolist(), strict=True)) == sorted(
        zip(every_t[inside].tolist(), every_d[inside].tolist(), strict=True)
    )
    np.testing.assert_allclose(np.sort(d2), np.sort(d2_all[inside]), rtol=1e-12)


def test_coverage_is_asked_only_when_a_track_has_no_detection() -> None:
    coverage = Below(math.inf)
    tracker = Tracker(Predictor(1.0))
    tracker.step(0.0, straight_target(0.0), R1, coverage=coverage)  # no track yet
    tracker.step(5.0, straight_target(5.0), R1, coverage=coverage)  # the track updated
    assert coverage.calls == []
    tracker.step(10.0, *NONE, coverage=coverage)  # missed
    assert coverage.calls == [1] and tracker.tracks.misses.tolist() == [1]
