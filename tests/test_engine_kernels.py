"""The engine's compiled pieces against their references: the compiled tracker against
:class:`iadsim.sim.tracking.Tracker` scan by scan, the assignment kernel against scipy, visibility against
:mod:`iadsim.physics`, converted measurements against the textbook formula evaluated with numpy, and the
timeline against the routes flown step by step."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from iadsim import physics
from iadsim.catalog import default_catalog
from iadsim.scenario import resolve_scenario
from iadsim.sim import _kernels
from iadsim.sim.sensing import Coverage, ScanCoverage, pd_tables
from iadsim.sim.tracking import CompiledTracker, Tracker, TrackerParams
from iadsim.sim.tracking import _kernels as tracking_kernels
from iadsim.sim.world import build_world


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


def _coverage(radius_m: float, facing: float = 0.0, sector: float = 2 * np.pi) -> Coverage:
    """A flat 400 x 400 km grid with a floor that hides everything beyond ``radius_m`` east of x = 50 km
    (the floor given on a window that leaves out the grid's first 20 rows and 30 columns)."""
    n, cell = 400, 1000.0
    floor = np.zeros((n, n), np.float32)
    xs = -200e3 + cell * (np.arange(n) + 0.5)
    xx, yy = np.meshgrid(xs, -xs)
    floor[(np.hypot(xx, yy) > radius_m) & (xx > 50e3)] = 1e5
    return Coverage(
        np.ascontiguousarray(floor[20:, 30:]),
        np.zeros((n, n), np.float32),
        np.array([-200e3, cell, 200e3, -cell, 20, 30]),
        np.array(
            [0.0, 0.0, 10.0, physics.effective_earth_radius_m(4 / 3), 1e7, -0.5, 1.5, facing, sector / 2]
        ),
    )


def _scan_coverage(radius_m: float) -> ScanCoverage:
    """:func:`_coverage` with a radar that detects 1 m² at 120 km with Pd 0.5 (Swerling 1): misses count
    only where Pd >= 0.8 for the track's RCS."""
    snr50 = float(physics.required_snr_db(0.5, 1e-6, 1, 1))
    return ScanCoverage.of(_coverage(radius_m), snr50 + 40 * np.log10(120e3), 1e-6, 1, 0.8)


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
def test_compiled_tracker_follows_the_reference_tracker_scan_by_scan(
    seed: int, n_targets: int, pd: float, clutter: float, covered: bool, spread_m: float
) -> None:
    """Both trackers through the same interface on the same scans: the same step results and track
    bookkeeping exactly, and states and covariances equal to 1e-9 of the largest entry of each track's
    vector or matrix (the same formulas evaluated in a different order: numpy's 6 x 6 products and
    ``einsum`` against the kernel's loops; round-off of about 1e-15 per cycle, over 40 cycles)."""
    coverage = _scan_coverage(100e3) if covered else None
    params = TrackerParams(10.0, m_hits=2, n_scans=3, velocity_std_mps=400.0, max_misses=5)
    ref, fast = Tracker.from_params(params), CompiledTracker(params)
    events = 0
    for t, z, r, rcs in _scene(seed, n_targets, 40, pd, clutter, spread_m):
        a, b = (tr.step(t, z, r, sensor_ids=7, rcs_m2=rcs, coverage=coverage) for tr in (ref, fast))
        assert type(a) is type(b) and b.time_s == a.time_s == t
        for name in RESULT_IDS:
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
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


def test_visibility_kernel_matches_the_physics_module() -> None:
    rng = np.random.default_rng(6)
    cov = _coverage(80e3)
    p = np.column_stack(
        [rng.uniform(-260e3, 260e3, 5000), rng.uniform(-260e3, 260e3, 5000), rng.uniform(-50, 30e3, 5000)]
    )
    ok, slant = cov.visible(p)
    rx, ry, rh, _, rmax, elmin, elmax, _, _ = cov.radar
    ground = np.hypot(p[:, 0] - rx, p[:, 1] - ry)
    s_ref = physics.slant_range_from_ground_m(ground, p[:, 2], rh, 4 / 3)
    el = physics.elevation_angle_rad(np.maximum(s_ref, 1.0), p[:, 2], rh, 4 / 3)
    np.testing.assert_allclose(slant, s_ref, rtol=1e-12, atol=1e-6)
    col = np.floor((p[:, 0] + 200e3) / 1000.0).astype(int)
    row = np.floor((200e3 - p[:, 1]) / 1000.0).astype(int)
    on = (row >= 0) & (row < 400) & (col >= 0) & (col < 400)
    on &= (row >= 20) & (col >= 30)  # (the floor's window)
    floor = cov.floor_agl_m[(row - 20).clip(0, 379), (col - 30).clip(0, 369)]
    expected = on & (p[:, 2] >= floor) & (s_ref <= rmax) & (el >= elmin) & (el <= elmax)
    np.testing.assert_array_equal(ok, expected)
    assert 0 < ok.sum() < len(ok)
    # a 120 degree sector facing east (azimuth 90 degrees) sees those of them within 60 degrees of east
    east = _coverage(80e3, facing=np.pi / 2, sector=np.radians(120))
    ok_east, _ = east.visible(p)
    in_sector = physics.in_azimuth_sector(p[:, 0] - rx, p[:, 1] - ry, np.pi / 2, np.radians(120))
    np.testing.assert_array_equal(ok_east, expected & in_sector)
    az = np.degrees(np.arctan2(p[:, 0], p[:, 1]))
    assert ok_east[ok_east].size > 0 and np.all(np.abs(az[ok_east] - 90) <= 60 + 1e-9)


def test_converted_measurements_match_the_textbook_formula() -> None:
    rng = np.random.default_rng(7)
    radar = np.array([1e3, -2e3, 300.0])
    xyz = rng.uniform(-1e5, 1e5, (50, 3))
    sig = np.array([50.0, 0.002, 0.003])
    noise = rng.standard_normal((3, 50))
    pos = np.empty((50, 3))
    cov = np.empty((50, 3, 3))
    _kernels.convert_measurements(radar, xyz, noise, sig, pos, cov)
    d = xyz - radar
    g = np.hypot(d[:, 0], d[:, 1])
    r = np.hypot(g, d[:, 2]) + sig[0] * noise[0]
    az = np.arctan2(d[:, 0], d[:, 1]) + sig[1] * noise[1]
    el = np.arctan2(d[:, 2], g) + sig[2] * noise[2]
    expected = radar + np.column_stack(
        [r * np.cos(el) * np.sin(az), r * np.cos(el) * np.cos(az), r * np.sin(el)]
    )
    np.testing.assert_allclose(pos, expected, rtol=1e-12, atol=1e-6)
    # J of (x, y, z) = (r cos el sin az, r cos el cos az, r sin el) with respect to (r, az, el)
    jac = np.zeros((50, 3, 3))
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    jac[:, 0] = np.column_stack([ce * sa, r * ce * ca, -r * se * sa])
    jac[:, 1] = np.column_stack([ce * ca, -r * ce * sa, -r * se * ca])
    jac[:, 2] = np.column_stack([se, np.zeros(50), r * ce])
    np.testing.assert_allclose(cov, jac @ np.diag(sig**2) @ jac.transpose(0, 2, 1), rtol=1e-10, atol=1e-9)


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    cat = default_catalog()
    return build_world(resolve_scenario("ankara-s400", cat), cat)


def test_timeline_positions_follow_the_routes(world) -> None:  # type: ignore[no-untyped-def]
    tl, th = world.timeline, world.threats
    length = th.length_m()
    for step in (0, 1, 7, 255, 256, 600, 1337):
        t = step * tl.step_s
        s = np.clip(th.speed_mps * (t - th.launch_s), 0.0, length)
        pos = tl.positions(step)
        for i in range(th.count):
            r = th.raid[i]
            x = np.interp(s[i], th.route_s[r], th.route_x[r])
            y = np.interp(s[i], th.route_s[r], th.route_y[r])
            assert pos[i, 0] == pytest.approx(x, abs=1e-6)
            assert pos[i, 1] == pytest.approx(y, abs=1e-6)
    for i in range(th.count):  # the first step at which each threat flies, and the one it arrives
        steps = np.arange(tl.n_steps + 2000)
        t = steps * tl.step_s
        started = t >= th.launch_s[i]
        assert tl.start_step[i] == np.flatnonzero(started)[0]
        arrived = started & (np.clip(th.speed_mps[i] * (t - th.launch_s[i]), 0.0, length[i]) >= length[i])
        assert tl.arrival_step[i] == np.flatnonzero(arrived)[0]


def test_timeline_geometry_is_the_radars_visibility(world) -> None:  # type: ignore[no-untyped-def]
    tl = world.timeline
    for radar in world.radars:
        cov = radar.coverage
        for step in (0, 300, 1400):
            ok, slant = tl.geometry(cov, step)
            ok_ref, slant_ref = cov.visible(tl.positions(step))
            np.testing.assert_array_equal(ok, ok_ref)
            np.testing.assert_array_equal(slant, slant_ref)


def test_ground_at_one_point_is_the_bilinear_sample(world) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    g = world.terrain
    x0, y0 = g.transform.c, g.transform.f
    w, h = g.shape[1] * g.transform.a, -g.shape[0] * g.transform.e
    x = rng.uniform(x0 - 0.1 * w, x0 + 1.1 * w, 500)
    y = rng.uniform(y0 - 1.1 * h, y0 + 0.1 * h, 500)
    expected = world.ground_m(x, y)
    got = np.array([world.ground_at(float(a), float(b)) for a, b in zip(x, y, strict=True)])
    np.testing.assert_array_equal(got, expected)
    assert (expected > 0).sum() > 100 and (expected == 0).sum() > 10  # on and off the grid


def test_the_worlds_of_uncertainty_draws_share_the_timeline(world) -> None:  # type: ignore[no-untyped-def]
    from iadsim.montecarlo.uncertainty import disputed_figures

    # every disputed figure at the high end of its claims, but those of where the radars see
    geometry = ("mast_height_m", "azimuth_sector_deg", "instrumented_range_m", "elevation_deg")
    values = {
        d.name: d.high for d in disputed_figures(world.figures.values()) if not d.name.endswith(geometry)
    }
    drawn = world.with_figures(values)
    assert drawn.timeline is world.timeline
    assert drawn.figures["92n6e.reference_range_m"].value == 400e3
    # what the timeline and the floors depend on is the same in both worlds; what the draws change is not
    for a, b in zip(world.radars, drawn.radars, strict=True):
        assert (a.x_m, a.y_m, a.antenna_amsl_m) == (b.x_m, b.y_m, b.antenna_amsl_m)
        assert a.coverage is b.coverage
    assert drawn.threats.route_s is world.threats.route_s
    assert any(a.model != b.model for a, b in zip(world.radars, drawn.radars, strict=True))
    # a drawn antenna height gives that radar a floor of its own, once
    mast = {"92n6e.mast_height_m": 39.0}
    high, again = world.with_figures(mast), world.with_figures(mast)
    assert high.radars[2].coverage is not world.radars[2].coverage
    assert high.radars[2].coverage is again.radars[2].coverage
    assert high.radars[2].antenna_amsl_m == pytest.approx(world.radars[2].antenna_amsl_m + 15.0, abs=1e-3)
    assert high.radars[0].coverage is world.radars[0].coverage
    # a drawn sector changes what the radar sees, not its floor
    wide = world.with_figures({"92n6e.azimuth_sector_deg": 120.0})
    assert wide.radars[2].coverage is not world.radars[2].coverage
    assert wide.radars[2].coverage.floor_agl_m is world.radars[2].coverage.floor_agl_m


def test_detection_kernel_draws_with_the_tabulated_swerling_pd() -> None:
    rng = np.random.default_rng(9)
    grid, tables = pd_tables(1e-6)
    n = 20000
    snr_1m = rng.uniform(150.0, 260.0, n)
    slant = rng.uniform(1e3, 6e5, n)
    sw = rng.integers(0, 5, n)
    u = rng.random(n)
    cand = np.arange(n)[rng.random(n) < 0.7]
    hit = np.empty(cand.size, bool)
    _kernels.detect(cand, snr_1m, slant, sw, grid[0], grid[1] - grid[0], tables, u[cand], hit)
    snr = snr_1m[cand] - 40 * np.log10(slant[cand])
    pd = np.array([np.interp(s, grid, tables[k]) for s, k in zip(snr, sw[cand], strict=True)])
    head = zip(snr[:200], sw[cand][:200], strict=True)
    exact = np.array([physics.detection_probability(s, 1e-6, 1, int(k)) for s, k in head])
    np.testing.assert_allclose(pd[:200], exact, atol=1e-4)  # the table is the physics module's Pd
    clear = np.abs(u[cand] - pd) > 1e-9
    np.testing.assert_array_equal(hit[clear], (u[cand] < pd)[clear])
    assert 0.05 < hit.mean() < 0.95 and (snr < -30).any() and (snr > 80).any()  # both ends of the table


def test_a_scenario_without_raids_runs_to_its_end() -> None:
    from iadsim.sim.engine import run

    cat = default_catalog()
    sc = resolve_scenario("ankara-s400", cat)
    sc = sc.model_copy(update={"raids": (), "duration_s": 60.0})
    res = run(build_world(sc, cat), 3)
    assert (res.threats, res.detected, res.interceptors_launched) == (0, 0, 0)
    assert res.outcomes == [] and res.events == []
