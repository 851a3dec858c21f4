"""k-factor earth geometry against published horizon ranges and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.physics import (
    EARTH_RADIUS_M,
    effective_earth_radius_m,
    elevation_angle_rad,
    ground_range_m,
    horizon_height_m,
    horizon_limited_range_m,
    radar_horizon_m,
    slant_range_from_ground_m,
    target_height_m,
    vertical_coverage,
)

# Radar horizon over a 4/3 earth, d = 4.12 km * (sqrt(h1) + sqrt(h2)) (ATIS glossary "radar horizon";
# MATLAB `horizonrange`), 30 m mast. Tolerance: 0.05 km for the published rounding plus 0.1 % for the
# rounded constant 4.12 (vs 4.1218 for R = 6371 km) and the h^2 term our exact tangent length keeps.
PUBLISHED_HORIZON = [(30.0, 0.0, 22.6), (30.0, 30.0, 45.1), (30.0, 100.0, 63.8), (30.0, 10_000.0, 434.6)]


@pytest.mark.parametrize(("radar_m", "target_m", "expected_km"), PUBLISHED_HORIZON)
def test_horizon_matches_published(radar_m: float, target_m: float, expected_km: float) -> None:
    got_km = float(radar_horizon_m(radar_m, target_m)) / 1e3
    assert got_km == pytest.approx(expected_km, abs=0.05 + 1e-3 * expected_km)


def test_effective_radius() -> None:
    assert effective_earth_radius_m() == pytest.approx(4 / 3 * 6_371_000.0)
    assert effective_earth_radius_m(1.0) == EARTH_RADIUS_M
    with pytest.raises(ValueError):
        effective_earth_radius_m(0.0)


def test_horizontal_ray_rises_as_r2_over_2re() -> None:
    # A horizontal ray from the surface reaches height ~ r^2 / (2 kR) (Skolnik 2001, eq. 8.2).
    r = np.array([10e3, 50e3, 100e3])
    re = effective_earth_radius_m()
    assert target_height_m(r, 0.0) == pytest.approx(r**2 / (2 * re), rel=1e-3)


def test_height_and_elevation_round_trip() -> None:
    rng = np.random.default_rng(1)
    r = rng.uniform(1e3, 500e3, 200)
    el = rng.uniform(-0.005, 0.5, 200)
    hr = rng.uniform(0, 100, 200)
    h = target_height_m(r, el, hr)
    assert elevation_angle_rad(r, h, hr) == pytest.approx(el, abs=1e-9)
    g = ground_range_m(r, h, hr)
    assert slant_range_from_ground_m(g, h, hr) == pytest.approx(r, rel=1e-7)
    assert np.all(g <= r + 1e-6)


def test_grazing_ray_meets_the_horizon_distance() -> None:
    # Beyond the horizon the lowest visible height lies on the grazing ray, whose slant length to a target at
    # that height is the horizon range sqrt(h_r(2kR+h_r)) + sqrt(h_t(2kR+h_t)).
    hr = 30.0
    g = np.array([30e3, 100e3, 300e3])
    h = horizon_height_m(g, hr)
    assert np.all(h > 0)
    slant = slant_range_from_ground_m(g, h, hr)
    assert slant == pytest.approx(radar_horizon_m(hr, h), rel=1e-6)
    assert float(horizon_height_m(10e3, hr)) == 0.0  # inside the radar's own horizon (22.6 km)


def test_horizon_limited_range() -> None:
    assert float(horizon_limited_range_m(500e3, 30, 50)) == pytest.approx(float(radar_horizon_m(30, 50)))
    assert float(horizon_limited_range_m(10e3, 30, 50)) == 10e3


def test_horizon_symmetric_and_monotonic() -> None:
    assert float(radar_horizon_m(30, 500)) == pytest.approx(float(radar_horizon_m(500, 30)))
    h = np.linspace(0, 20e3, 50)
    assert np.all(np.diff(radar_horizon_m(25, h)) > 0)
    assert float(radar_horizon_m(25, 1000, k=1.0)) < float(radar_horizon_m(25, 1000))


def test_vertical_coverage_boundary() -> None:
    cov = vertical_coverage(300e3, 25.0, np.radians(-1), np.radians(30))
    # the far arc lies at the free-space range; the lowest ray is clipped to the grazing ray (height >= 0)
    assert np.max(cov.slant_range_m) == pytest.approx(300e3)
    assert np.all(cov.height_m >= 0)
    assert np.min(cov.elevation_rad) > np.radians(-1)
    # the top of the arc: height of the 30 degree ray at 300 km
    assert np.max(cov.height_m) == pytest.approx(float(target_height_m(300e3, np.radians(30), 25.0)))
    with pytest.raises(ValueError):
        vertical_coverage(300e3, 25.0, 0.1, 0.05)
