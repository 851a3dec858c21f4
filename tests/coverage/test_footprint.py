"""The defended footprint (:mod:`iadsim.coverage.footprint`): a hand computation on the closed-form
minimum-energy trajectory, the kernel against the pair-by-pair reference, invariants, the geometry."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from pyproj import Geod

from iadsim import physics
from iadsim.catalog import default_catalog
from iadsim.coverage import _footprint
from iadsim.coverage import footprint as fp
from iadsim.deployment import deploy
from iadsim.errors import InputError
from iadsim.interceptors import EnvelopeLimits, InterceptorModel
from iadsim.physics.ballistic import MU_EARTH_M3PS2, R_EARTH_M, ballistic_trajectory
from iadsim.scenario import EnvironmentSpec, Scenario, Unit
from iadsim.sensors import RadarModel

DT = fp.TIME_STEP_S
GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------------------------- helpers


def hand_radar(**changes: float) -> RadarModel:
    """A radar that sees all round, to 10,000 km, from -5 to 89 degrees, its antenna 100 m up."""
    radar = RadarModel(
        id="hand-radar",
        name="hand radar",
        reference_range_m=1e7,
        reference_rcs_m2=1.0,
        reference_pd=0.5,
        pfa=1e-6,
        mast_height_m=100.0,
        min_elevation_rad=math.radians(-5.0),
        max_elevation_rad=math.radians(89.0),
    )
    return replace(radar, **changes)


def hand_missile(
    env: EnvelopeLimits, speed_mps: float = 1000.0, max_time_s: float = 60.0
) -> InterceptorModel:
    """A missile at a constant speed from launch (no burn, average speed = maximum speed: flight time
    ``x / V`` up to ``max_time_s``) with the ballistic envelope ``env``."""
    aircraft = EnvelopeLimits(0.0, speed_mps * max_time_s, 0.0, 30_000.0)
    return InterceptorModel(
        id="hand-missile",
        name="hand missile",
        envelopes={"aircraft": aircraft, "ballistic-missile": env},
        flight=(speed_mps, 0.0, speed_mps * max_time_s, speed_mps),
        max_target_speed_mps=math.inf,
        pk={},
    )


def s400_battery(facing_deg: float = 270.0) -> fp.Battery:
    """The catalog's S-400 at a site, its 92N6E facing ``facing_deg`` (west: towards the launch points)."""
    cat = default_catalog()
    sc = Scenario(
        version=1,
        name="t",
        terrain="flat",
        units=(Unit(name="s", system="s-400", position=(40.0, 33.0), facing_deg=facing_deg),),
        environment=EnvironmentSpec(surface="none"),
    )
    return fp.Battery.from_deployment(deploy(sc, cat, target_classes=("ballistic-missile",)))


SRBM = fp.Threat("srbm-test", "test SRBM", 300e3, 20.0, 0.05, 3)


class MinimumEnergy:
    """BMW's minimum-energy trajectory of a burn time of 0 in closed form (Bate, Mueller and White, 1971,
    sec. 6.2), written out here independently of :mod:`iadsim.physics.ballistic`:

    ``Psi = R / R_E``, ``gamma = (pi - Psi) / 4``, ``Q = 2 sin(Psi/2) / (1 + sin(Psi/2))``;
    ``a = R_E / (2 - Q)``, ``e = sqrt(1 + Q (Q - 2) cos^2 gamma)``, ``n = sqrt(mu / a^3)``. Launch and impact
    at ``r = R_E``: eccentric anomalies ``E_0 = arccos((1 - R_E / a) / e)`` and ``2 pi - E_0``, so
    ``T_f = 2 (pi - E_0 + e sin E_0) / n``. At ``t``: ``M = E_0 - e sin E_0 + n t``, Kepler's equation by
    Newton's method, ``r = a (1 - e cos E)``, true anomaly ``nu = 2 atan2(sqrt(1 + e) sin(E/2),
    sqrt(1 - e) cos(E/2))``, ground range from launch ``R_E (nu - nu_0)``, height ``r - R_E``. The descent
    crosses the height ``h`` at ``E_h = 2 pi - arccos((1 - (R_E + h) / a) / e)``, ``t_h = (E_h - e sin E_h
    - M_0) / n``.
    """

    def __init__(self, range_m: float) -> None:
        psi = range_m / R_EARTH_M
        gamma = (math.pi - psi) / 4
        q = 2 * math.sin(psi / 2) / (1 + math.sin(psi / 2))
        self.range_m = range_m
        self.a = R_EARTH_M / (2 - q)
        self.e = math.sqrt(1 + q * (q - 2) * math.cos(gamma) ** 2)
        self.n = math.sqrt(MU_EARTH_M3PS2 / self.a**3)
        self.e0 = math.acos((1 - R_EARTH_M / self.a) / self.e)
        self.m0 = self.e0 - self.e * math.sin(self.e0)
        self.nu0 = self._nu(self.e0)
        self.flight_s = 2 * (math.pi - self.m0) / self.n

    def _nu(self, ecc: float) -> float:
        e = self.e
        return 2 * math.atan2(math.sqrt(1 + e) * math.sin(ecc / 2), math.sqrt(1 - e) * math.cos(ecc / 2))

    def at(self, t: float) -> tuple[float, float]:
        """(ground range from launch, height) ``t`` s after launch."""
        m = self.m0 + self.n * t
        ecc = m
        for _ in range(50):
            ecc -= (ecc - self.e * math.sin(ecc) - m) / (1 - self.e * math.cos(ecc))
        r = self.a * (1 - self.e * math.cos(ecc))
        nu = self._nu(ecc) % (2 * math.pi)
        return R_EARTH_M * (nu - self.nu0), r - R_EARTH_M

    def descent_time_s(self, height_m: float) -> float:
        """When the descent crosses ``height_m`` (s after launch)."""
        ecc = 2 * math.pi - math.acos((1 - (R_EARTH_M + height_m) / self.a) / self.e)
        return (ecc - self.e * math.sin(ecc) - self.m0) / self.n


# --------------------------------------------------------------------------------------------- hand


def test_closed_form_trajectory_agrees_with_the_library() -> None:
    # the independent closed form of this module against ballistic_trajectory(burn time 0), which finds the
    # minimum-energy launch elevation numerically: the time of flight within 0.1 ms, positions within 5 cm
    me = MinimumEnergy(30e3)
    tr = ballistic_trajectory(30e3, 0.0)
    assert tr.time_of_flight_s == pytest.approx(me.flight_s, abs=1e-4)
    g, h = tr.position(20.0)
    assert (float(g), float(h)) == pytest.approx(me.at(20.0), abs=0.05)
    assert tr.position(me.descent_time_s(2000.0))[1] == pytest.approx(2000.0, abs=0.05)


@pytest.mark.parametrize("delay_s", [0.0, 60.0, 100.0])
def test_impact_at_the_battery_by_hand(delay_s: float) -> None:
    """A launch 30 km north of the battery at the battery itself, burn time 0: BMW's minimum-energy
    trajectory (:class:`MinimumEnergy`: ``T_f`` = 78.3 s, apogee 7.5 km).

    Envelope: ground range 0-200 km, heights 2-5 km; missile at 1,000 m/s (flight time ``sqrt(g^2 + h^2) /
    1000``). Radar: antenna 100 m up sees all round to 10,000 km from -5 degrees: the launch point, 30 km
    away, lies inside its horizon (``sqrt(2 kR h_r)`` = 41.2 km) at -0.27 degrees of elevation, so the RV is
    seen from the first sample ``t_K = T_f - K dt``, ``K = floor(T_f / dt)``, on; a 1 s scan confirms two
    samples later: ``t_c = t_K + 1 s``, launch from ``t_L = t_c + delay``.

    The descent is between 5 and 2 km from ``tau_top = T_f - t(5 km)`` to ``tau_bot = T_f - t(2 km)`` before
    impact; a sample ``k dt`` in that band is an intercept when ``t_k - |P_k| / V >= t_L``: with no delay all
    of them (``floor(tau_top/dt) - ceil(tau_bot/dt) + 1`` = 33 - 12 + 1 = 22: 5 to 2 km takes 11 s), with
    60 s the 11 latest (``t_k - |P_k| / V - t_c`` runs from 67.9 s at 2.1 km to 52.4 s at 5.0 km), with 100 s
    none.
    """
    me = MinimumEnergy(30e3)
    battery = fp.Battery(
        radar=hand_radar(),
        scan_period_s=1.0,
        delay_s=delay_s,
        missiles=(hand_missile(EnvelopeLimits(0.0, 200e3, 2000.0, 5000.0)),),
    )
    threat = fp.Threat("hand", "hand", 300e3, 0.0, 1.0, 0)
    # by hand
    k_first = math.floor(me.flight_s / DT)
    t_launch = (me.flight_s - k_first * DT) + 1.0 + delay_s
    tau_top, tau_bot = me.flight_s - me.descent_time_s(5000.0), me.flight_s - me.descent_time_s(2000.0)
    band = range(math.ceil(tau_bot / DT), math.floor(tau_top / DT) + 1)
    ok = []
    for k in band:
        t = me.flight_s - k * DT
        ground, h = me.at(t)
        g = 30e3 - ground  # the battery is at the impact point
        ok.append(t - math.hypot(g, h) / 1000.0 >= t_launch)
    window = DT * sum(ok)
    assert len(band) == 22
    assert {0.0: 22, 60.0: 11, 100.0: 0}[delay_s] == sum(ok)  # the cases: all, some, none
    # the reference, pair by pair
    pair = fp.reference_pair((0.0, 0.0), (0.0, 30e3), threat, battery, pd=0.5)
    assert pair.time_of_flight_s == pytest.approx(me.flight_s, abs=1e-4)
    assert pair.confirmed_s == pytest.approx(me.flight_s - k_first * DT + 1.0, abs=1e-4)
    assert pair.launch_s == pytest.approx(t_launch, abs=1e-4)
    assert pair.window_s == window
    # the kernel, through its tables
    out = fp.pair_windows([(0.0, 0.0)], [(0.0, 30e3)], threat, battery, pd=0.5, workers=1)
    assert out[0, 0] == window


def test_sector_facing_away_defends_nothing() -> None:
    # the same pair with a 90-degree sector radar: facing the launch point (north) it sees the whole flight,
    # facing south it sees none of it (the RV stays north of the battery)
    env = EnvelopeLimits(0.0, 200e3, 2000.0, 5000.0)
    threat = fp.Threat("hand", "hand", 300e3, 0.0, 1.0, 0)
    windows = {}
    for facing in (0.0, 180.0):
        battery = fp.Battery(
            hand_radar(sector_rad=math.radians(90.0)), 1.0, 0.0, (hand_missile(env),), math.radians(facing)
        )
        windows[facing] = fp.pair_windows([(0.0, 0.0)], [(0.0, 30e3)], threat, battery, 0.5, workers=1)[0, 0]
    assert windows == {0.0: 22 * DT, 180.0: 0.0}


# --------------------------------------------------------------------------------------------- the kernel


def test_table_interpolation_is_within_a_metre() -> None:
    # the kernel's cubic weights (its own function) over a 10 km table: positions 5 s to 2 min before impact
    # within 1 m of the exact trajectory (ballistic_trajectory) at ranges between the rows
    table = fp.trajectory_table(20.0, 120e3, 300e3)
    assert table.dr_m <= fp.TABLE_SPACING_M
    rows = table.flight_s.size
    for r in (123_456.0, 207_000.0, 296_000.0):
        tr = ballistic_trajectory(r, 20.0)
        j, *w = _footprint._weights(r, table.r0_m, table.dr_m, rows)
        k = np.arange(10, 240)
        d = sum(wi * table.down_distance_m[j + i, k] for i, wi in enumerate(w))
        h = sum(wi * table.down_height_m[j + i, k] for i, wi in enumerate(w))
        g_exact, h_exact = tr.position(tr.time_of_flight_s - k * DT)
        assert np.max(np.abs(d - (r - g_exact))) < 1.0
        assert np.max(np.abs(h - h_exact)) < 1.0
        tf = sum(wi * table.flight_s[j + i] for i, wi in enumerate(w))
        assert tf == pytest.approx(tr.time_of_flight_s, abs=1e-3)


def _small_case() -> tuple[np.ndarray, np.ndarray]:
    """A 4 x 4 grid 120 km on a side around the battery and three launch points 240-260 km west."""
    xs = np.linspace(-60e3, 60e3, 4)
    xx, yy = np.meshgrid(xs, xs)
    impacts = np.column_stack([xx.ravel(), yy.ravel()])
    launches = np.array([[-250e3, 0.0], [-260e3, 20e3], [-240e3, -25e3]])
    return impacts, launches


def test_kernel_matches_the_reference_loop() -> None:
    # the same windows pair by pair (reference_pair: its own trajectory, the physics functions) and from
    # the kernel's tables, on one and on two threads: identical (the table's error, under a metre, moves no
    # sample across an envelope's edge here)
    battery = s400_battery()
    impacts, launches = _small_case()
    ref = fp.reference_windows(impacts, launches, SRBM, battery, pd=0.5)
    one = fp.pair_windows(impacts, launches, SRBM, battery, pd=0.5, workers=1)
    two = fp.pair_windows(impacts, launches, SRBM, battery, pd=0.5, workers=2)
    np.testing.assert_array_equal(one, ref)
    np.testing.assert_array_equal(two, ref)
    assert np.sum(ref > 0) >= 3 and np.sum(ref == 0) > 20 and np.isnan(ref).sum() >= 3


@pytest.mark.slow
def test_kernel_matches_the_reference_loop_on_a_larger_grid() -> None:
    # 11 x 11 impact points and four launch points, one of them 40 km from the battery (its launch seen by
    # the radar, through the table by time after launch), the other three 150-280 km away
    battery = s400_battery()
    xs = np.linspace(-80e3, 80e3, 11)
    xx, yy = np.meshgrid(xs, xs)
    impacts = np.column_stack([xx.ravel(), yy.ravel()])
    launches = np.array([[-40e3, 5e3], [-150e3, -60e3], [-250e3, 30e3], [-280e3, 0.0]])
    ref = fp.reference_windows(impacts, launches, SRBM, battery, pd=0.5)
    out = fp.pair_windows(impacts, launches, SRBM, battery, pd=0.5)
    np.testing.assert_array_equal(out, ref)
    assert np.sum(ref > 0) >= 20


# --------------------------------------------------------------------------------------------- invariants


def _invariant_case() -> tuple[np.ndarray, np.ndarray]:
    xs = np.linspace(-90e3, 90e3, 31)
    xx, yy = np.meshgrid(xs, xs)
    impacts = np.column_stack([xx.ravel(), yy.ravel()])
    launches = fp.sunflower(6) * 40e3 + np.array([-230e3, 10e3])
    return impacts, launches


@pytest.fixture(scope="module")
def srbm_table() -> fp.TrajectoryTable:
    """The trajectories of :data:`SRBM` over the ranges of :func:`_invariant_case` (shared: 2 s)."""
    span = fp.range_span_m(*_invariant_case(), SRBM.max_range_m)
    assert span is not None
    return fp.trajectory_table(SRBM.burn_time_s, *span)


def test_more_reaction_time_never_defends_more(srbm_table: fp.TrajectoryTable) -> None:
    battery = s400_battery()
    impacts, launches = _invariant_case()
    table = srbm_table
    base = fp.pair_windows(impacts, launches, SRBM, battery, 0.5, table)
    slower = fp.pair_windows(
        impacts, launches, SRBM, replace(battery, delay_s=battery.delay_s + 15.0), 0.5, table
    )
    both = ~np.isnan(base)
    np.testing.assert_array_equal(np.isnan(base), np.isnan(slower))
    assert np.all(slower[both] <= base[both])
    assert np.sum(slower > 0) < np.sum(base > 0)  # (and it does cost something here)


def test_a_larger_envelope_never_defends_less(srbm_table: fp.TrajectoryTable) -> None:
    battery = s400_battery()
    impacts, launches = _invariant_case()
    table = srbm_table
    base = fp.pair_windows(impacts, launches, SRBM, battery, 0.5, table)
    wider = tuple(
        replace(
            m,
            envelopes={
                **m.envelopes,
                "ballistic-missile": EnvelopeLimits(
                    env.min_range_m / 2,
                    env.max_range_m + 20e3,
                    env.min_altitude_m - 1000.0,
                    env.max_altitude_m + 5000.0,
                ),
            },
        )
        for m, env in zip(battery.missiles, battery.envelopes, strict=True)
    )
    larger = fp.pair_windows(impacts, launches, SRBM, replace(battery, missiles=wider), 0.5, table)
    both = ~np.isnan(base)
    assert np.all(larger[both] >= base[both])
    assert np.sum(larger > 0) > np.sum(base > 0)


def test_a_launch_area_out_of_range_defends_nothing() -> None:
    # launch points 700 km away from a grid 180 km across, against a 300 km missile: no pair is threatened
    battery = s400_battery()
    impacts, _ = _invariant_case()
    launches = fp.sunflower(5) * 30e3 + np.array([-700e3, 0.0])
    out = fp.pair_windows(impacts, launches, SRBM, battery, 0.5)
    assert np.isnan(out).all()
    geometry = fp.footprint_geometry((40.0, 33.0), (40.0, 24.8), 30e3, 5, 12, 90e3)
    result = fp.compute_footprint(geometry, SRBM, battery, 0.5)
    assert not np.asarray(result.defended.values).any()
    assert np.isnan(np.asarray(result.share.values)).all()


def test_an_all_round_radar_gives_a_footprint_symmetric_about_the_track() -> None:
    # one launch point due west on the grid's axis: mirror images across the axis have the same windows
    env = EnvelopeLimits(3000.0, 60e3, 2000.0, 25e3)
    battery = fp.Battery(
        hand_radar(reference_range_m=400e3, max_elevation_rad=math.radians(80)),
        1.0,
        12.0,
        (hand_missile(env, 1500.0),),
    )
    ys = np.linspace(-60e3, 60e3, 13)
    xx, yy = np.meshgrid(np.linspace(-60e3, 60e3, 13), ys)
    impacts = np.column_stack([xx.ravel(), yy.ravel()])
    out = fp.pair_windows(impacts, [(-250e3, 0.0)], SRBM, battery, 0.5).reshape(13, 13)
    np.testing.assert_array_equal(out, out[::-1])
    assert (out > 0).sum() > 10


# --------------------------------------------------------------------------------------------- inputs


def test_confirmation_is_the_engines() -> None:
    from iadsim.sim.engine import make_tracker

    assert make_tracker().params.m_hits == fp.CONFIRM_HITS
    assert fp.confirm_samples(1.0) == 2 and fp.confirm_samples(6.0) == 12 and fp.confirm_samples(0.7) == 2


def test_threat_and_battery_from_the_catalog() -> None:
    cat = default_catalog()
    with pytest.raises(InputError, match="not a ballistic missile class"):
        fp.Threat.from_catalog(cat.target("f-16c"), "X")
    battery = s400_battery()
    # the 92N6E, its scan period, the 55K6E's processing delay plus the S-400's reaction time
    assert battery.radar.id == "92n6e" and battery.scan_period_s == 1.0
    assert battery.delay_s == pytest.approx(2.0 + 10.0)
    assert {m.id for m in battery.missiles} == {"48n6e3", "9m96e2"}
    assert battery.facing_rad == pytest.approx(math.radians(270.0))
    # its detection range against a 0.05 m2 Swerling 3 RV at Pd 0.5: the radar equation's R ~ RCS^(1/4)
    # from the free-space range against the same RV at the reference's fluctuation... checked against the
    # radar model's own function and the fourth-root scaling between two RCS
    r1 = fp.detection_range_m(SRBM, battery, 0.5)
    r2 = fp.detection_range_m(replace(SRBM, rcs_m2=0.05 * 16), battery, 0.5)
    assert r2 == pytest.approx(2 * r1, rel=1e-9)
    sc = Scenario(
        version=1,
        name="t",
        terrain="flat",
        units=(Unit(name="h", system="hisar-o", position=(40.0, 33.0), facing_deg=0.0),),
    )
    with pytest.raises(InputError, match="ballistic-missile envelope"):
        fp.Battery.from_deployment(deploy(sc, cat, target_classes=("ballistic-missile",)))


def test_radar_rule_by_hand() -> None:
    # radar_sees: a point 30 km out at 10 km is seen; below the horizon at 100 km (the floor there is
    # (100 - 41.2)^2 / (2 kR) = 204 m above a 100 m antenna's horizon) not at 100 m, yes at 300 m; above 89
    # degrees not; beyond the detection range not
    battery = fp.Battery(hand_radar(), 1.0, 0.0, (hand_missile(EnvelopeLimits(0, 1, 0, 1)),))
    floor = float(physics.horizon_height_m(100e3, 100.0))
    assert floor == pytest.approx(
        (100e3 - math.sqrt(2 * physics.effective_earth_radius_m() * 100.0)) ** 2
        / (2 * physics.effective_earth_radius_m()),
        rel=0.01,
    )
    seen = fp.radar_sees(
        battery, 200e3, [30e3, 100e3, 100e3, 10.0, 150e3], [0, 0, 0, 0, 0], [10e3, 100.0, 300.0, 10e3, 30e3]
    )
    assert seen.tolist() == [True, False, True, False, True]
    assert not fp.radar_sees(battery, 100e3, 150e3, 0.0, 30e3)


# --------------------------------------------------------------------------------------------- geometry


def test_sunflower_spreads_points_evenly_over_the_disc() -> None:
    pts = fp.sunflower(1000)
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert r.max() <= 1.0
    # equal areas: half the points within 1/sqrt(2), a quarter within 1/2; the centroid at the centre
    assert np.mean(r <= 1 / math.sqrt(2)) == pytest.approx(0.5, abs=0.002)
    assert np.mean(r <= 0.5) == pytest.approx(0.25, abs=0.002)
    assert np.hypot(*pts.mean(axis=0)) < 0.01
    assert fp.sunflower(1).tolist() == [[0.0, 0.0]]


def test_launch_points_lie_in_the_launch_area() -> None:
    g = fp.footprint_geometry((40.0, 33.0), (41.0, 29.0), 50e3, 40, 10, 100e3)
    _, _, dist = GEOD.inv(np.full(40, 29.0), np.full(40, 41.0), g.launch_lon, g.launch_lat)
    assert np.max(dist) == pytest.approx(50e3 * math.sqrt(39.5 / 40), rel=1e-6)
    # the plane keeps distances from its centre (the site): the geodesic ones
    _, _, d_site = GEOD.inv(np.full(40, 33.0), np.full(40, 40.0), g.launch_lon, g.launch_lat)
    np.testing.assert_allclose(np.hypot(g.launch_xy[:, 0], g.launch_xy[:, 1]), d_site, rtol=0, atol=0.01)
    # the grid: 10 x 10 cells of 20 km centred on the site
    assert g.grid.shape == (10, 10) and g.grid.cell_size == (20e3, 20e3)
    assert g.impacts_xy[0].tolist() == [-90e3, 90e3]
    assert g.facing_deg == pytest.approx(GEOD.inv(33.0, 40.0, 29.0, 41.0)[0] % 360.0)


@pytest.mark.parametrize("lat", [0.0, 40.0, 60.0])
@pytest.mark.parametrize("bearing", [270.0, 45.0])
def test_straight_tracks_stay_near_the_geodesics(lat: float, bearing: float) -> None:
    # the module docstring's numbers: a launch area of 50 km radius 300 km from the site and a grid 120 km
    # either side (under 40 m of length, 50 m of position), or 1,000 km and 150 km (200 m, 500 m); the
    # geodesics by pyproj's Geod
    for distance, half, most_length, most_offset in (
        (300e3, 120e3, 40.0, 50.0),
        (1000e3, 150e3, 200.0, 500.0),
    ):
        lon, la, _ = GEOD.fwd(33.0, lat, bearing, distance)
        g = fp.footprint_geometry((lat, 33.0), (la, lon), 50e3, 20, 10, half)
        length, offset = fp.track_error_m(g, samples=9)
        assert 0.0 < length < most_length
        assert 0.0 < offset < most_offset
    # through the site the plane is exact: a launch point to the site has its geodesic length
    _, _, d = GEOD.inv(g.launch_lon, g.launch_lat, np.full(20, 33.0), np.full(20, lat))
    np.testing.assert_allclose(np.hypot(g.launch_xy[:, 0], g.launch_xy[:, 1]), d, atol=0.01)


def test_footprint_shares_and_windows() -> None:
    # the per-cell summaries of a computed footprint against the windows they come from
    battery = s400_battery(facing_deg=270.0)
    g = fp.footprint_geometry((40.0, 33.0), (40.0, 30.1), 40e3, 6, 20, 100e3)
    result = fp.compute_footprint(g, SRBM, battery, 0.5)
    w = result.windows
    share = np.asarray(result.share.values)
    threatened = (~np.isnan(w)).sum(axis=1).reshape(20, 20)
    defended = (w > 0).sum(axis=1).reshape(20, 20)
    np.testing.assert_array_equal(result.threatened, threatened)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(share, np.where(threatened > 0, defended / threatened, np.nan))
    assert np.asarray(result.defended.values).sum() == ((defended == threatened) & (threatened > 0)).sum() > 0
    low = np.asarray(result.window.values)
    full = np.asarray(result.defended.values)
    assert np.all(low[full] > 0) and np.all(low[~full & (threatened > 0)] == 0)


@pytest.mark.slow  # (two studies of four footprints each: 10 s)
def test_studies_of_two_batteries_face_the_same_threat_draws(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Each draw takes the threat's figures from a stream of its own: with one seed, an S-400 and a Patriot
    # study draw the same burn times (srbm-300's burn time is disputed, 55-80 s), so the trajectory tables
    # they share number the catalog's burn time plus one per draw, not one per draw per study.
    from iadsim.workflows.footprint import LaunchArea, plan_footprint, run_study

    cat = default_catalog()
    burn = cat.targets["srbm-300"].burn_time_s
    assert burn is not None and burn.range is not None and burn.range[0] < burn.range[1]
    tables: dict[float, fp.TrajectoryTable] = {}
    area = LaunchArea(36.9, 38.7, 30e3)
    for system in ("s-400", "patriot"):
        study = plan_footprint(cat, system, (37.03, 35.36), "srbm-300", area, 4, 24, uncertainty=3, seed=9)
        result = run_study(study, tmp_path / system, tables=tables)
        assert result.defended_km2 > 0
    assert len(tables) == 1 + 3 and burn.value in tables
    assert all(burn.range[0] <= b <= burn.range[1] for b in tables)
