"""The compiled tracker against the reference tracker, scan by scan through their common interface, and its
assignment kernel against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize

from iadsim import physics
from iadsim.errors import InputError
from iadsim.sim import _kernels
from iadsim.sim.sensing import ScanCoverage
from iadsim.sim.tracking import CompiledTracker, Tracker, TrackerParams
from iadsim.sim.tracking import _kernels as tracking_kernels
from tests.sim.cases import coverage_window


def _scene(  # type: ignore[no-untyped-def]
    seed: int, n_targets: int, scans: int, pd: float, clutter: float, spread_m: float = 150e3
):
    """Straight-line targets seen by a radar at the origin with detection probability ``pd``, converted
    measurements with their covariances, and uniform false alarms: a list of (time, z, R, RCS) per scan
    (targets of 0.01 to 10 m², false alarms NaN)."""
    rng = np.random.default_rng(seed)
    p0 = np.column_stack(
        [
            rng.uniform(-spread_m, spread_m, n_targets),
            rng.uniform(-spread_m, spread_m, n_targets) + 60e3,
            rng.uniform(50, 12e3, n_targets),
        ]
    )
    heading = rng.uniform(0, 2 * np.pi, n_targets)
    speed = rng.uniform(100, 300, n_targets)
    v = np.column_stack([speed * np.sin(heading), speed * np.cos(heading), np.zeros(n_targets)])
    rcs = 10 ** rng.uniform(-2, 1, n_targets)
    out = []
    for k in range(scans):
        t = 2.0 * k
        truth = p0 + v * t
        hit = rng.random(n_targets) < pd
        seen = truth[hit]
        n_fa = rng.poisson(clutter)
        fa = np.column_stack(
            [rng.uniform(-150e3, 150e3, n_fa), rng.uniform(-150e3, 150e3, n_fa), rng.uniform(0, 15e3, n_fa)]
        )
        order = rng.permutation(len(seen) + n_fa)
        xyz = np.vstack([seen, fa])[order]
        sigma = np.concatenate([rcs[hit], np.full(n_fa, np.nan)])[order]
        pos = np.empty((len(xyz), 3))
        cov = np.empty((len(xyz), 3, 3))
        noise = rng.standard_normal((3, len(xyz)))
        _kernels.convert_measurements(np.zeros(3), xyz, noise, np.array([60.0, 0.003, 0.004]), pos, cov)
        out.append((t, pos, cov, sigma))
    return out


def _scan_coverage(radius_m: float) -> ScanCoverage:
    """:func:`~tests.sim.cases.coverage_window` with a radar that detects 1 m² at 120 km with Pd 0.5
    (Swerling 1): misses count only where Pd >= 0.8 for the track's RCS."""
    snr50 = float(physics.required_snr_db(0.5, 1e-6, 1, 1))
    return ScanCoverage.of(coverage_window(radius_m), snr50 + 40 * np.log10(120e3), 1e-6, 1, 0.8)


RESULT_IDS = ("detection_track_ids", "updated_ids", "missed_ids", "new_ids", "confirmed_ids", "deleted_ids")


@pytest.mark.parametrize(
    ("seed", "n_targets", "pd", "clutter", "covered", "spread_m"),
    [
        (1, 5, 0.9, 0.0, False, 150e3),
        (2, 40, 0.7, 3.0, True, 150e3),
        (3, 120, 0.8, 10.0, True, 150e3),
        (4, 25, 0.5, 1.0, False, 150e3),
        (5, 30, 0.9, 2.0, True, 3e3),  # a dense raid: gates overlap, clusters go to the assignment
    ],
)
@pytest.mark.parametrize("ballistic_energy_jpkg", [math.inf, 8e4])
def test_compiled_tracker_follows_the_reference_tracker_scan_by_scan(
    seed: int,
    n_targets: int,
    pd: float,
    clutter: float,
    covered: bool,
    spread_m: float,
    ballistic_energy_jpkg: float,
) -> None:
    """Both trackers through the same interface on the same scans: the same step results and track
    bookkeeping exactly, and states and covariances equal to 1e-9 of the largest entry of each track's
    vector or matrix (the same formulas evaluated in a different order: numpy's 6 x 6 products and
    ``einsum`` against the kernel's loops; round-off of about 1e-15 per cycle, over 40 cycles)."""
    coverage = _scan_coverage(100e3) if covered else None
    # (with a ballistic energy of 80 kJ/kg, within the scenes' 0.5 v^2 + g z, some tracks are predicted with
    # the ballistic q and some not)
    params = TrackerParams(
        10.0,
        m_hits=2,
        n_scans=3,
        velocity_std_mps=400.0,
        max_misses=5,
        ballistic_energy_jpkg=ballistic_energy_jpkg,
        ballistic_q_m2ps3=500.0,
    )
    ref, fast = Tracker.from_params(params), CompiledTracker(params)
    events = 0
    for t, z, r, rcs in _scene(seed, n_targets, 40, pd, clutter, spread_m):
        a, b = (tr.step(t, z, r, sensor_ids=7, rcs_m2=rcs, coverage=coverage) for tr in (ref, fast))
        assert type(a) is type(b) and b.time_s == a.time_s == t
        for name in RESULT_IDS:
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
            assert not (getattr(a, name).flags.writeable or getattr(b, name).flags.writeable), name
        events += len(a.confirmed_ids) + len(a.deleted_ids) + len(a.missed_ids)
        tracks, ours = ref.tracks, fast.tracks
        assert len(fast) == len(ref) == len(tracks) == len(ours)
        exact = ("ids", "status", "hits", "misses", "scans", "history", "sensor_id", "created_s", "updated_s")
        exact += ("time_s", "rcs_m2")
        for name in exact:
            np.testing.assert_array_equal(getattr(ours, name), getattr(tracks, name), err_msg=name)
        if len(tracks):
            scale = np.abs(tracks.state).max(axis=1, keepdims=True)
            assert np.all(np.abs(ours.state - tracks.state) <= 1e-9 * scale)
            cscale = np.abs(tracks.cov).max(axis=(1, 2), keepdims=True)
            assert np.all(np.abs(ours.cov - tracks.cov) <= 1e-9 * cscale)
        np.testing.assert_array_equal(fast.confirmed_tracks.ids, ref.confirmed_tracks.ids)
    assert events > 0  # the scenes confirm, miss and delete tracks


def test_assignment_kernel_is_scipys_on_random_and_tied_matrices() -> None:
    rng = np.random.default_rng(5)
    for trial in range(300):
        nr = int(rng.integers(1, 8))
        nc = nr + int(rng.integers(0, 8))
        if trial % 3 == 0:
            cost = rng.integers(0, 4, (nr, nc)).astype(float)  # many ties
        else:
            cost = rng.exponential(1.0, (nr, nc))
        cost[rng.random((nr, nc)) < 0.3] = np.inf
        cost[np.arange(nr), nc - nr + np.arange(nr)] = 5.0  # always feasible, as the tracker's miss columns
        rows, cols = scipy.optimize.linear_sum_assignment(cost)
        ours = tracking_kernels.linear_sum_assignment(cost)
        np.testing.assert_array_equal(ours[rows], cols)


def test_assignment_kernel_reports_an_infeasible_problem() -> None:
    cost = np.array([[1.0, np.inf], [2.0, np.inf]])
    with pytest.raises(ValueError):
        scipy.optimize.linear_sum_assignment(cost)
    assert (tracking_kernels.linear_sum_assignment(cost) == -1).all()


def test_compiled_tracker_takes_only_a_radars_scan_coverage() -> None:
    """Its kernel evaluates the coverage inline, so it cannot call an arbitrary ``Detectability``; it says so
    rather than ignore it, and the refused scan changes nothing."""

    class Everywhere:
        def detectable(self, positions_m: np.ndarray, rcs_m2: np.ndarray) -> np.ndarray:
            return np.ones(len(positions_m), bool)

    tracker = CompiledTracker(TrackerParams(1.0))
    z, r = np.array([[1e4, 2e4, 3e3]]), np.eye(3)[None] * 100.0
    tracker.step(0.0, z, r, coverage=_scan_coverage(100e3))
    with pytest.raises(InputError, match="ScanCoverage"):
        tracker.step(1.0, z, r, coverage=Everywhere())
    assert len(tracker) == 1 and tracker.time_s == 0.0
