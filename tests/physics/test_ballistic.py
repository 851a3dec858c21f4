"""Ballistic free flight against the textbook closed forms (Bate, Mueller and White, *Fundamentals of
Astrodynamics*, 1971, sec. 6.2, here BMW) written out here, and against a numerical integration of two-body
motion in the plane; the launch-to-impact trajectory with its straight boost against the same integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from iadsim.physics.ballistic import (
    MU_EARTH_M3PS2,
    R_EARTH_M,
    BallisticTrajectory,
    FreeFlight,
    ballistic_trajectory,
    flight_path_angle_for_apogee,
    flight_path_angles_rad,
    free_flight_range_angle_rad,
    maximum_range_angle_rad,
    minimum_energy_flight_path_angle_rad,
    minimum_energy_q,
    solve_kepler,
)

MU, R = MU_EARTH_M3PS2, R_EARTH_M
RANGES_M = (300e3, 500e3, 1000e3, 3000e3)


def bmw_range_angle(q: np.ndarray | float, gamma: np.ndarray | float) -> np.ndarray:
    # BMW's free-flight range equation as printed: cos(Psi/2) = (1 - Q cos^2 g) / sqrt(1 + Q (Q - 2) cos^2 g)
    # (for the ranges here Psi < pi, so Psi/2 = arccos(...)).
    c2 = np.cos(gamma) ** 2
    return np.asarray(2.0 * np.arccos((1.0 - q * c2) / np.sqrt(1.0 + q * (q - 2.0) * c2)))


class Flight:
    """Two-body motion in the plane, integrated with DOP853 (rtol 1e-12): x downrange, z up through the
    start point, origin at the earth's centre; the central angle from the start is atan2(x, z)."""

    def __init__(self, x0: float, z0: float, vx0: float, vz0: float, stop_radius: float) -> None:
        def rhs(t: float, y: np.ndarray) -> list[float]:
            x, z, vx, vz = y
            r3 = (x * x + z * z) ** 1.5
            return [vx, vz, -MU * x / r3, -MU * z / r3]

        def down(t: float, y: np.ndarray) -> float:
            return math.hypot(y[0], y[1]) - stop_radius

        def top(t: float, y: np.ndarray) -> float:
            return float(y[0] * y[2] + y[1] * y[3])

        down.terminal, down.direction = True, -1  # type: ignore[attr-defined]
        top.direction = -1  # type: ignore[attr-defined]
        sol = solve_ivp(
            rhs,
            (0.0, 1e5),
            [x0, z0, vx0, vz0],
            method="DOP853",
            rtol=1e-12,
            atol=1e-6,
            events=(down, top),
            dense_output=True,
        )
        x, z, vx, vz = sol.y_events[0][0]
        self.sol = sol
        self.t_end = float(sol.t_events[0][0])
        self.angle_end = math.atan2(x, z)
        self.speed_end = math.hypot(vx, vz)
        # flight-path angle below the horizontal at the end: sin = -(r . v) / (|r| |v|)
        self.dive_end = math.asin(-(x * vx + z * vz) / (math.hypot(x, z) * self.speed_end))
        xa, za = sol.y_events[1][0][:2]
        self.apogee_radius = math.hypot(xa, za)
        self.apogee_angle = math.atan2(xa, za)
        self.t_apogee = float(sol.t_events[1][0])

    def at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Central angle (rad) and radius (m) at the times ``t``."""
        x, z = self.sol.sol(t)[:2]
        return np.arctan2(x, z), np.hypot(x, z)


def free_flight_integration(rb: float, v: float, gamma: float, stop_radius: float) -> Flight:
    return Flight(0.0, rb, v * math.cos(gamma), v * math.sin(gamma), stop_radius)


def test_minimum_energy_is_the_maximum_of_the_range_equation() -> None:
    # BMW sec. 6.2: gamma* = (pi - Psi) / 4, Q* = 2 sin(Psi/2) / (1 + sin(Psi/2)), and for a given Q the
    # largest range sin(Psi_max/2) = Q / (2 - Q). Brute force: the range equation scanned over gamma at Q*.
    gammas = np.linspace(1e-4, math.pi / 2 - 1e-4, 200_001)
    for rng in (*RANGES_M, 10_000e3):
        psi = rng / R
        q_star = float(minimum_energy_q(psi))
        g_star = float(minimum_energy_flight_path_angle_rad(psi))
        s = math.sin(psi / 2)
        assert q_star == pytest.approx(2 * s / (1 + s), rel=1e-14)
        assert g_star == pytest.approx((math.pi - psi) / 4, rel=1e-14)
        scan = bmw_range_angle(q_star, gammas)
        k = int(np.argmax(scan))
        assert gammas[k] == pytest.approx(g_star, rel=5e-3)  # achieved: one grid step, 8e-6 rad
        assert abs(gammas[k] - g_star) < 2e-5
        assert scan[k] == pytest.approx(psi, rel=1e-9)
        assert float(maximum_range_angle_rad(q_star)) == pytest.approx(psi, rel=1e-12)
        # the module's form of the range equation is BMW's
        np.testing.assert_allclose(free_flight_range_angle_rad(q_star, gammas), scan, rtol=1e-9, atol=1e-10)
    # a Q at or above circular reaches every range angle
    assert float(maximum_range_angle_rad(1.2)) == pytest.approx(2 * math.pi)


def test_lofted_and_depressed_reach_the_range_and_bracket_minimum_energy() -> None:
    # BMW sec. 6.2, flight-path angle equation: sin(2 gamma + Psi/2) = ((2 - Q)/Q) sin(Psi/2); both roots
    # put back into the range equation give Psi, and they lie either side of gamma* = (pi - Psi)/4.
    for rng in RANGES_M:
        psi = rng / R
        for excess in (1.02, 1.1, 1.3):
            q = float(minimum_energy_q(psi)) * excess
            low, high = (float(x) for x in flight_path_angles_rad(q, psi))
            assert low < (math.pi - psi) / 4 < high
            assert bmw_range_angle(q, low) == pytest.approx(psi, rel=1e-9)
            assert bmw_range_angle(q, high) == pytest.approx(psi, rel=1e-9)
            # the apogee of each, r_a = a (1 + e), a = r_b / (2 - Q), e = sqrt(1 + Q (Q - 2) cos^2 gamma),
            # gives back the same trajectory through the closed form for a given apogee
            for gamma in (low, high):
                ra = R / (2 - q) * (1 + math.sqrt(1 + q * (q - 2) * math.cos(gamma) ** 2))
                g2, q2 = flight_path_angle_for_apogee(psi, R, ra)
                assert float(g2) == pytest.approx(gamma, rel=1e-9)
                assert float(q2) == pytest.approx(q, rel=1e-9)
    # at Q* the two roots merge into gamma*
    low, high = flight_path_angles_rad(minimum_energy_q(0.2), 0.2)
    assert float(low) == pytest.approx((math.pi - 0.2) / 4, abs=1e-6)
    assert float(high) == pytest.approx((math.pi - 0.2) / 4, abs=1e-6)


def _profiles(psi: float) -> list[tuple[str, float, float]]:
    """(name, Q, gamma): minimum energy, and the depressed and lofted pair at 1.15 Q*."""
    q_star = float(minimum_energy_q(psi))
    low, high = flight_path_angles_rad(1.15 * q_star, psi)
    return [
        ("minimum energy", q_star, float(minimum_energy_flight_path_angle_rad(psi))),
        ("depressed", 1.15 * q_star, float(low)),
        ("lofted", 1.15 * q_star, float(high)),
    ]


@pytest.mark.parametrize("range_m", RANGES_M)
def test_free_flight_matches_the_integration_of_two_body_motion(range_m: float) -> None:
    # Burnout at 80 km: range angle, time back to the burnout radius (Kepler), apogee (a (1 + e)) and its
    # time, the speed at 100 km and at the ground (vis-viva), the descent angle and time to the ground,
    # and the position along the way, all against the integrated flight.
    rb = R + 80e3
    for name, q, gamma in _profiles(range_m / R):
        v = math.sqrt(q * MU / rb)
        ff = FreeFlight(rb, v, gamma)
        back = free_flight_integration(rb, v, gamma, rb)
        assert ff.range_angle_rad == pytest.approx(back.angle_end, rel=1e-8), name
        assert ff.range_angle_rad == pytest.approx(range_m / R, rel=1e-9), name
        assert ff.time_of_flight_s == pytest.approx(back.t_end, rel=1e-8), name
        assert ff.apogee_radius_m == pytest.approx(back.apogee_radius, rel=1e-10), name
        assert ff.apogee_time_s == pytest.approx(back.t_apogee, rel=1e-8), name
        assert float(ff.speed_mps(rb)) == pytest.approx(back.speed_end, rel=1e-9), name
        ground = free_flight_integration(rb, v, gamma, R)
        assert float(ff.angle_to_radius_rad(R)) == pytest.approx(ground.angle_end, rel=1e-8), name
        assert float(ff.time_to_radius_s(R)) == pytest.approx(ground.t_end, rel=1e-8), name
        assert float(ff.speed_mps(R)) == pytest.approx(ground.speed_end, rel=1e-9), name
        assert -float(ff.flight_path_angle_at_radius_rad(R)) == pytest.approx(ground.dive_end, rel=1e-7), name
        if ff.apogee_radius_m > R + 100e3:
            at_100 = free_flight_integration(rb, v, gamma, R + 100e3)
            assert float(ff.speed_mps(R + 100e3)) == pytest.approx(at_100.speed_end, rel=1e-9), name
        t = np.linspace(0.0, ground.t_end, 23)
        angle, radius = ff.state(t)
        ref_angle, ref_radius = ground.at(t)
        np.testing.assert_allclose(angle, ref_angle, rtol=1e-8, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(radius, ref_radius, rtol=1e-10, err_msg=name)


def test_kepler_equation_is_solved() -> None:
    # M = E - e sin E, each root also found by Brent's method.
    m = np.linspace(0.0, 2 * math.pi, 41)
    for e in (0.0, 0.1, 0.5, 0.9, 0.99):
        ecc = solve_kepler(m, e)
        np.testing.assert_allclose(ecc - e * np.sin(ecc), m, atol=1e-13)
        ref = [
            brentq(lambda x, mm=mm, e=e: x - e * math.sin(x) - mm, -1.0, 8.0, xtol=1e-15) for mm in m[1:-1:7]
        ]
        np.testing.assert_allclose(ecc[1:-1:7], ref, atol=1e-12)


def launch_integration(trajectory: BallisticTrajectory) -> Flight:
    # The straight boost of the module docstring, written out: distance s = v_b t_b / 2 along the line at the
    # launch elevation from the launch point (0, R), velocity v_b along the line; then two-body flight.
    v, el, tb = trajectory.burnout_speed_mps, trajectory.launch_elevation_rad, trajectory.burn_time_s
    s = v * tb / 2
    return Flight(s * math.cos(el), R + s * math.sin(el), v * math.cos(el), v * math.sin(el), R)


@pytest.mark.parametrize("range_m", RANGES_M)
def test_launch_to_impact_matches_the_integration(range_m: float) -> None:
    # Minimum energy, and a lofted and a depressed profile (apogee 1.6 and 0.6 times the minimum-energy one),
    # with a 60 s boost: the integrated flight from the burnout state lands at the range, in the time of
    # flight, at the impact speed and angle, with the apogee, and passes through the positions.
    tb = 60.0
    best = ballistic_trajectory(range_m, tb)
    for factor in (None, 1.6, 0.6):
        h_a = None if factor is None else factor * best.apogee_height_m
        tr = ballistic_trajectory(range_m, tb, h_a)
        fl = launch_integration(tr)
        assert R * fl.angle_end == pytest.approx(range_m, rel=1e-8), factor
        assert tr.range_m == pytest.approx(range_m, rel=1e-9), factor
        assert tr.time_of_flight_s == pytest.approx(tb + fl.t_end, rel=1e-8), factor
        assert tr.apogee_height_m == pytest.approx(fl.apogee_radius - R, rel=1e-8), factor
        assert tr.apogee_range_m == pytest.approx(R * fl.apogee_angle, rel=1e-8), factor
        assert tr.apogee_time_s == pytest.approx(tb + fl.t_apogee, rel=1e-8), factor
        assert tr.impact_speed_mps == pytest.approx(fl.speed_end, rel=1e-9), factor
        assert float(tr.reentry_speed_mps(0.0)) == pytest.approx(fl.speed_end, rel=1e-9), factor
        assert tr.impact_angle_rad == pytest.approx(fl.dive_end, rel=1e-7), factor
        if h_a is not None:
            assert tr.apogee_height_m == pytest.approx(h_a, rel=1e-9)
            # lofted above, depressed below the minimum-energy elevation
            assert (tr.launch_elevation_rad > best.launch_elevation_rad) == (factor > 1)
            # and each needs more speed than minimum energy
            assert tr.burnout_speed_mps > best.burnout_speed_mps
        # positions: during the boost d = v_b t^2 / (2 t_b) along the line, then the integration
        t_boost = np.array([0.0, 10.0, 30.0, 59.0])
        d = tr.burnout_speed_mps * t_boost**2 / (2 * tb)
        x, z = d * math.cos(tr.launch_elevation_rad), R + d * math.sin(tr.launch_elevation_rad)
        g, h = tr.position(t_boost)
        np.testing.assert_allclose(g, R * np.arctan2(x, z), atol=1e-6)
        np.testing.assert_allclose(h, np.hypot(x, z) - R, atol=1e-6)
        t_free = np.linspace(0.0, fl.t_end * (1 - 1e-6), 17)
        g, h = tr.position(tb + t_free)
        ref_angle, ref_radius = fl.at(t_free)
        np.testing.assert_allclose(g, R * ref_angle, rtol=1e-8, atol=1e-3)
        np.testing.assert_allclose(h, ref_radius - R, rtol=1e-8, atol=1e-3)
    # outside the flight there is no position
    g, h = best.position([-1.0, best.time_of_flight_s + 1.0])
    assert np.isnan(g).all() and np.isnan(h).all()


def test_minimum_energy_without_a_boost_is_the_closed_form() -> None:
    # t_b = 0: the launch is the burnout at r_b = R, so v_b = sqrt(Q* mu / R) and gamma_0 = (pi - Psi)/4
    # (BMW sec. 6.2), the apogee a (1 + e) - R with a = R / (2 - Q*), e = sqrt(1 + Q*(Q* - 2) cos^2 gamma*),
    # and the impact speed is the launch speed (vis-viva at the same radius).
    for rng in (*RANGES_M, 10_000e3):
        psi = rng / R
        s = math.sin(psi / 2)
        q = 2 * s / (1 + s)
        gamma = (math.pi - psi) / 4
        tr = ballistic_trajectory(rng)
        assert tr.burnout_speed_mps == pytest.approx(math.sqrt(q * MU / R), rel=1e-9)
        assert tr.launch_elevation_rad == pytest.approx(gamma, abs=1e-6)
        a = R / (2 - q)
        e = math.sqrt(1 + q * (q - 2) * math.cos(gamma) ** 2)
        assert tr.apogee_height_m == pytest.approx(a * (1 + e) - R, rel=1e-7)
        assert tr.impact_speed_mps == pytest.approx(tr.burnout_speed_mps, rel=1e-9)
        assert tr.burnout_height_m == 0.0 and tr.burnout_range_m == 0.0


def test_minimum_energy_with_a_boost_needs_the_least_speed() -> None:
    # 1,000 km with a 60 s boost: 0.2 % less burnout speed falls short at every launch elevation from 20 to
    # 70 degrees (integrated flights), and the found one lands at the range.
    tr = ballistic_trajectory(1000e3, 60.0)
    slower = tr.burnout_speed_mps * (1 - 2e-3)
    reach = []
    for el in np.radians(np.linspace(20.0, 70.0, 26)):
        s = slower * 60.0 / 2
        fl = Flight(s * math.cos(el), R + s * math.sin(el), slower * math.cos(el), slower * math.sin(el), R)
        reach.append(R * fl.angle_end)
    assert max(reach) < 1000e3
    assert R * launch_integration(tr).angle_end == pytest.approx(1000e3, rel=1e-8)


def test_a_short_range_is_close_to_the_flat_earth_textbook() -> None:
    # Flat earth, uniform gravity g = mu / R^2, no drag (e.g. Halliday, Resnick and Walker, *Fundamentals of
    # Physics*, ch. 4, projectile motion): the maximum range R_max = v^2 / g at 45 degrees, the apogee
    # R_max / 4. For 300 km: v = sqrt(g 300 km) = 1.72 km/s and apogee 75 km; the curved earth and the
    # weaker gravity aloft change this by about 1 %.
    g = MU / R**2
    tr = ballistic_trajectory(300e3)
    assert tr.burnout_speed_mps == pytest.approx(math.sqrt(g * 300e3), rel=0.02)
    assert tr.apogee_height_m == pytest.approx(300e3 / 4, rel=0.02)
    assert tr.launch_elevation_rad == pytest.approx(math.pi / 4, rel=0.02)
    # flight time of the flat-earth 45-degree shot, 2 v sin(45) / g
    flat_time = 2 * math.sqrt(g * 300e3) * math.sin(math.pi / 4) / g
    assert tr.time_of_flight_s == pytest.approx(flat_time, rel=0.02)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="range must lie"):
        ballistic_trajectory(-1e3)
    with pytest.raises(ValueError, match="range must lie"):
        ballistic_trajectory(math.pi * R + 1.0)
    with pytest.raises(ValueError, match="burn time"):
        ballistic_trajectory(300e3, -1.0)
    with pytest.raises(ValueError, match="too low"):
        ballistic_trajectory(1000e3, 60.0, 1e3)
    with pytest.raises(ValueError, match="escape"):
        ballistic_trajectory(1000e3, 60.0, math.inf)
    # Q = 0.05 reaches at most 2 arcsin(0.05 / 1.95) = 0.0513 rad
    with pytest.raises(ValueError, match="cannot reach"):
        flight_path_angles_rad(0.05, 0.06)
    with pytest.raises(ValueError, match="range angle"):
        minimum_energy_q(-0.1)
    with pytest.raises(ValueError, match="apogee radius"):
        flight_path_angle_for_apogee(0.1, R + 80e3, R + 50e3)
    with pytest.raises(ValueError, match="escapes"):
        FreeFlight(R, math.sqrt(2 * MU / R) * 1.01, 0.3)
    with pytest.raises(ValueError, match="flight-path angle"):
        FreeFlight(R, 2000.0, -0.1)
    with pytest.raises(ValueError, match=r"\(0, 2\)"):
        free_flight_range_angle_rad(2.5, 0.3)


def test_a_trajectory_lies_along_the_wgs84_geodesic() -> None:
    # Every point of the flight lies on the geodesic from launch to impact, its ground range from the launch:
    # pyproj's inverse problem from the launch point gives back that distance and the geodesic's azimuth
    # (an arc of a geodesic is itself the shortest path), and the flight ends on the impact point.
    from pyproj import Geod

    from iadsim.physics.ballistic import track_on_ellipsoid

    geod = Geod(ellps="WGS84")
    launch, impact = (36.9, 38.7), (39.93, 32.86)
    azimuth, _, distance = geod.inv(launch[1], launch[0], impact[1], impact[0])
    trajectory = ballistic_trajectory(distance, 60.0)
    t = np.linspace(0.0, trajectory.time_of_flight_s, 9)
    lat, lon, height = track_on_ellipsoid(trajectory, launch, impact, t)
    ground, expected_height = trajectory.position(t)
    az, _, back = geod.inv(np.full(9, launch[1]), np.full(9, launch[0]), lon, lat)
    np.testing.assert_allclose(back, ground, atol=1e-3)
    np.testing.assert_allclose(az[1:], azimuth, atol=1e-7)
    np.testing.assert_array_equal(height, expected_height)
    assert (lat[-1], lon[-1]) == pytest.approx(impact, abs=1e-9)
    outside = track_on_ellipsoid(trajectory, launch, impact, [-1.0, trajectory.time_of_flight_s + 1])
    assert all(np.isnan(a).all() for a in outside)
    with pytest.raises(ValueError, match="is not the geodesic's"):
        track_on_ellipsoid(ballistic_trajectory(0.9 * distance, 60.0), launch, impact, t)


def test_named_profiles_and_their_apogees() -> None:
    # lofted / depressed without an apogee: the model's factors times the minimum-energy apogee; with one,
    # it must lie on the profile's side of the minimum-energy apogee
    from iadsim.physics.ballistic import DEPRESSED_APOGEE_FACTOR, LOFTED_APOGEE_FACTOR, profile_trajectory

    least = ballistic_trajectory(300e3, 60.0)
    assert profile_trajectory(300e3, 60.0).apogee_height_m == least.apogee_height_m
    for profile, factor in (("lofted", LOFTED_APOGEE_FACTOR), ("depressed", DEPRESSED_APOGEE_FACTOR)):
        got = profile_trajectory(300e3, 60.0, profile)
        assert got.apogee_height_m == pytest.approx(factor * least.apogee_height_m, rel=1e-6)
        assert got.range_m == pytest.approx(300e3, rel=1e-8)
    assert profile_trajectory(300e3, 60.0, "minimum-energy", 50e3).apogee_height_m == pytest.approx(
        50e3, rel=1e-6
    )
    with pytest.raises(ValueError, match="lofted trajectory climbs above"):
        profile_trajectory(300e3, 60.0, "lofted", 0.9 * least.apogee_height_m)
    with pytest.raises(ValueError, match="depressed trajectory stays below"):
        profile_trajectory(300e3, 60.0, "depressed", 1.1 * least.apogee_height_m)
    with pytest.raises(ValueError, match="unknown profile"):
        profile_trajectory(300e3, 60.0, "sideways")


def test_minimum_energy_trajectories_of_several_ranges_at_once() -> None:
    # Without a burn, BMW's closed form for each range: launch at gamma* = (pi - Psi) / 4 with
    # v = sqrt(Q* mu / R), Q* = 2 sin(Psi / 2) / (1 + sin(Psi / 2)); with a burn, each is the one-range
    # solve's.
    from iadsim.physics.ballistic import minimum_energy_trajectories

    ranges = np.array([50e3, *RANGES_M])
    for tr, rng in zip(minimum_energy_trajectories(ranges), ranges, strict=True):
        psi = rng / R
        s = math.sin(psi / 2)
        # (the speed is stationary in the elevation there: the elevation is found to the square root of the
        # speed's round-off)
        assert tr.launch_elevation_rad == pytest.approx((math.pi - psi) / 4, rel=1e-6)
        assert tr.burnout_speed_mps == pytest.approx(math.sqrt(2 * s / (1 + s) * MU / R), rel=1e-9)
        assert tr.range_m == pytest.approx(rng, rel=1e-9)
    for tr, rng in zip(minimum_energy_trajectories(ranges, 60.0), ranges, strict=True):
        one = ballistic_trajectory(float(rng), 60.0)
        assert tr.burnout_speed_mps == pytest.approx(one.burnout_speed_mps, rel=1e-12)
        assert tr.launch_elevation_rad == pytest.approx(one.launch_elevation_rad, rel=1e-12)
    with pytest.raises(ValueError, match="the ranges must lie in"):
        minimum_energy_trajectories([100e3, -1.0])
