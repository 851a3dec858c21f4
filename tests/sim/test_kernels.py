"""The engine's compiled pieces against their references (the compiled tracker's are in
tests/sim/tracking/test_compiled.py): visibility against :mod:`iadsim.physics`, converted measurements
against the textbook formula evaluated with numpy, and the timeline against the routes flown step by
step."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim import physics
from iadsim.catalog import default_catalog
from iadsim.scenario import resolve_scenario
from iadsim.sim import _kernels
from iadsim.sim.sensing import pd_tables
from iadsim.sim.world import build_world
from tests.sim.cases import coverage_window


def test_visibility_kernel_matches_the_physics_module() -> None:
    rng = np.random.default_rng(6)
    cov = coverage_window(80e3)
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
    east = coverage_window(80e3, facing=np.pi / 2, sector=np.radians(120))
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
    snr_1m = rng.uniform(150.0, 260.0, (n, 3))  # nose, beam, tail
    aspect = rng.integers(0, 3, n).astype(np.int8)
    loss = rng.uniform(-12.0, 30.0, n)  # what the surface takes (negative: lobing adds)
    slant = rng.uniform(1e3, 6e5, n)
    sw = rng.integers(0, 5, n)
    u = rng.random(n)
    cand = np.arange(n)[rng.random(n) < 0.7]
    hit = np.empty(cand.size, bool)
    _kernels.detect(cand, snr_1m, aspect, loss, slant, sw, grid[0], grid[1] - grid[0], tables, u[cand], hit)
    # SNR = SNR(1 m) of the aspect seen - 40 log10 R - loss
    snr = snr_1m[cand, aspect[cand]] - 40 * np.log10(slant[cand]) - loss[cand]
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
