"""The interceptor's flight profile against closed forms and a numerical integration, the intercept time
against the constant-speed quadratic, the compiled intercept and detectability kernels against their
references, and the azimuth sector."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from iadsim import physics
from iadsim.physics.kinematics import INTERCEPT_SAMPLES, BoostCoast, intercept_time_s
from iadsim.sim import _kernels
from iadsim.sim.sensing import Coverage, ScanCoverage


def test_boost_coast_is_the_integral_of_its_equations_of_motion() -> None:
    # Boost: dv/dt = V / t_b for t < t_b; coast: dv/dt = -v^2 / (V tau) (drag ~ v^2 at constant density).
    # Integrated numerically (RK45, tight tolerances) and compared with the closed forms
    # x = V t^2 / (2 t_b), then x_b + V tau ln(1 + s / tau) (Thornton and Marion, sec. 2.4).
    f = BoostCoast(max_speed_mps=2000.0, burn_time_s=12.0, drag_time_s=128.0, max_flight_time_s=208.0)

    def rhs(t: float, y: list[float]) -> list[float]:
        x, v = y
        return [v, 2000.0 / 12.0 if t < 12.0 else -(v * v) / (2000.0 * 128.0)]

    ts = np.array([1.0, 6.0, 12.0, 20.0, 60.0, 150.0, 208.0])
    sol = solve_ivp(rhs, (0.0, 208.0), [0.0, 0.0], t_eval=ts, rtol=1e-10, atol=1e-6, max_step=0.5)
    np.testing.assert_allclose(f.distance_m(ts), sol.y[0], rtol=1e-6)
    np.testing.assert_allclose(f.speed_mps(ts), sol.y[1], rtol=1e-6)
    # the inverse
    np.testing.assert_allclose(f.time_to_distance_s(f.distance_m(ts)), ts, rtol=1e-12)
    assert np.isnan(f.time_to_distance_s(f.max_distance_m + 10.0))


def test_calibration_covers_the_range_at_the_average_speed() -> None:
    # 48N6E3 figures: V = 2,000 m/s after 12 s, 250 km at 1,200 m/s on average: t_max = 250 / 1.2 = 208.3 s
    # and x(t_max) = 250 km; tau solved independently with scipy's brentq from the closed form.
    f = BoostCoast.calibrated(2000.0, 12.0, 250e3, 1200.0)
    assert f.max_flight_time_s == pytest.approx(250e3 / 1200.0, rel=1e-12)
    assert f.max_distance_m == pytest.approx(250e3, rel=1e-9)
    tau = brentq(
        lambda tau: 12e3 + 2000.0 * tau * math.log1p((250e3 / 1200.0 - 12.0) / tau) - 250e3, 1.0, 1e6
    )
    assert f.drag_time_s == pytest.approx(tau, rel=1e-9)
    # the speed at maximum range, V / (1 + (t_max - t_b) / tau)
    assert f.speed_mps(f.max_flight_time_s) == pytest.approx(
        2000.0 / (1 + (f.max_flight_time_s - 12.0) / tau)
    )
    # no burn and an average equal to the maximum: a constant speed, no drag
    c = BoostCoast.calibrated(1000.0, 0.0, 60e3, 1000.0)
    assert math.isinf(c.drag_time_s) and c.max_flight_time_s == pytest.approx(60.0)
    np.testing.assert_allclose(c.distance_m([0.0, 10.0, 60.0]), [0.0, 1e4, 6e4])
    # an average the maximum speed cannot deliver flies without losses and gets there sooner
    fast = BoostCoast.calibrated(1000.0, 10.0, 60e3, 990.0)
    assert math.isinf(fast.drag_time_s) and fast.max_flight_time_s == pytest.approx(
        10.0 + (60e3 - 5e3) / 1000.0
    )
    with pytest.raises(ValueError, match="burn time too long"):
        BoostCoast.calibrated(1000.0, 200.0, 60e3, 500.0)


def test_the_reach_after_a_flight_is_what_is_left_to_fly() -> None:
    f = BoostCoast.calibrated(1500.0, 5.0, 60e3, 1000.0)
    t = np.array([0.0, 5.0, 30.0, 60.0, 70.0])
    np.testing.assert_allclose(f.reach_after_m(t), np.maximum(60e3 - f.distance_m(t), 0.0), atol=1e-6)
    assert f.reach_after_m(0.0) == pytest.approx(60e3, rel=1e-9) and f.reach_after_m(70.0) == 0.0


def test_intercept_time_of_a_constant_speed_missile_is_the_quadratic_root() -> None:
    # |p + v T - b| = V T: (v.v - V^2) T^2 + 2 (p - b).v T + |p - b|^2 = 0, the smallest positive root.
    rng = np.random.default_rng(3)
    f = BoostCoast(1000.0, 0.0, math.inf, 120.0)
    p = rng.uniform(-80e3, 80e3, (300, 3))
    p[:, 2] = rng.uniform(50.0, 20e3, 300)
    v = rng.uniform(-600.0, 600.0, (300, 3))
    v[:, 2] = 0.0
    got = intercept_time_s(f, p, v, np.zeros(3))
    expected = np.full(300, np.nan)
    for i in range(300):
        a = v[i] @ v[i] - 1e6
        b = 2 * p[i] @ v[i]
        c = p[i] @ p[i]
        roots = np.roots([a, b, c])
        real = [r.real for r in roots if abs(r.imag) < 1e-9 and r.real > 0 and r.real <= 120.0]
        if real:
            expected[i] = min(real)
    assert np.isfinite(expected).sum() > 150 and np.isnan(expected).sum() > 10
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    ok = np.isfinite(expected)
    np.testing.assert_allclose(got[ok], expected[ok], rtol=1e-9, atol=1e-9)


def test_compiled_intercept_time_is_the_reference() -> None:
    rng = np.random.default_rng(4)
    profiles = [
        BoostCoast.calibrated(2000.0, 12.0, 250e3, 1200.0),
        BoostCoast.calibrated(1500.0, 5.0, 60e3, 1000.0),
    ]
    for f in profiles:
        reach = 1.3 * f.max_distance_m
        p = rng.uniform(-reach, reach, (200, 3))
        v = rng.uniform(-2500.0, 2500.0, (200, 3))
        b = np.array([1e3, -2e3, 300.0])
        ref = intercept_time_s(f, p, v, b)
        got = np.array(
            [
                _kernels.intercept_time(
                    p[i],
                    v[i],
                    b,
                    f.max_speed_mps,
                    f.burn_time_s,
                    f.drag_time_s,
                    f.max_flight_time_s,
                    INTERCEPT_SAMPLES,
                )
                for i in range(200)
            ]
        )
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12, atol=1e-9)
        assert np.isfinite(ref).sum() > 10


def test_azimuth_sector() -> None:
    # A 90-degree sector facing east (azimuth pi/2) holds azimuths 45 to 135 degrees, ends included.
    az = np.radians(np.array([0.0, 44.9, 45.0, 90.0, 135.0, 135.1, 180.0, 270.0, 359.0]))
    inside = physics.in_azimuth_sector(np.sin(az), np.cos(az), np.pi / 2, np.pi / 2)
    assert inside.tolist() == [False, False, True, True, True, False, False, False, False]
    # across north: facing 350 degrees, a 40-degree sector holds 330 to 10
    az = np.radians(np.array([325.0, 331.0, 0.0, 9.0, 11.0]))
    inside = physics.in_azimuth_sector(np.sin(az), np.cos(az), np.radians(350.0), np.radians(40.0))
    assert inside.tolist() == [False, True, True, True, False]
    assert physics.in_azimuth_sector(np.sin(az), np.cos(az), 0.0, 2 * np.pi).all()


def test_detectability_kernel_is_visibility_and_the_radar_equation() -> None:
    # A radar with Pd 0.5 on 1 m2 at 120 km (Swerling 1, Pfa 1e-6): a target of RCS s at slant range R has
    # SNR = S_50 (s / 1) (120 km / R)^4, Pd = Pfa^(1 / (1 + SNR)) (Swerling 1, one look). A point counts
    # where it is visible and that Pd is at least 0.8; with an unknown RCS (NaN), where it is visible.
    n, cell = 200, 2000.0
    floor = np.zeros((n, n), np.float32)
    geometry = Coverage(
        floor,
        np.zeros((n, n), np.float32),
        np.array([-200e3, cell, 200e3, -cell, 0, 0]),
        np.array([0.0, 0.0, 10.0, physics.effective_earth_radius_m(4 / 3), 1e7, -0.5, 1.5, 0.0, math.pi]),
    )
    s50 = math.log(1e-6) / math.log(0.5) - 1
    scan = ScanCoverage.of(geometry, 10 * math.log10(s50) + 40 * math.log10(120e3), 1e-6, 1, 0.8)
    rng = np.random.default_rng(5)
    p = np.column_stack(
        [rng.uniform(-190e3, 190e3, 3000), rng.uniform(-190e3, 190e3, 3000), rng.uniform(100, 9e3, 3000)]
    )
    rcs = 10 ** rng.uniform(-2, 1, 3000)
    rcs[:100] = np.nan
    got = scan.detectable(p, rcs)
    visible, slant = geometry.visible(p)
    snr = s50 * rcs * (120e3 / slant) ** 4
    pd = 1e-6 ** (1 / (1 + snr))
    expected = visible & np.where(np.isnan(rcs), True, pd >= 0.8)
    clear = np.isnan(rcs) | (np.abs(pd - 0.8) > 1e-3)  # (the kernel interpolates a Pd table: 1e-5)
    np.testing.assert_array_equal(got[clear], expected[clear])
    assert 0.1 < expected.mean() < 0.9
