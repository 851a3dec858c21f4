"""Clutter at analysis level (:mod:`iadsim.physics.clutter`) against hand computations and plane geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.physics import clutter
from iadsim.physics.propagation import EARTH_RADIUS_M


def test_gamma_scales_with_frequency_as_surfacegamma() -> None:
    # MathWorks surfacegamma: gamma(f) = gamma(10 GHz) + 5 log10(f / 10 GHz); farmland -15 dB at 3 GHz:
    # -15 + 5 log10(0.3) = -15 - 2.6144 = -17.6144
    assert clutter.gamma_at_db(-15.0, 3e9) == pytest.approx(-17.6144, abs=1e-4)
    assert clutter.gamma_at_db(-20.0, 10e9) == pytest.approx(-20.0)
    with pytest.raises(ValueError, match="frequency"):
        clutter.gamma_at_db(-15.0, 0.0)


def test_constant_gamma_reflectivity() -> None:
    # sigma0 = gamma sin(psi): -20 dB at 1 degree = 0.01 * 0.0174524 = 1.74524e-4
    assert clutter.constant_gamma_sigma0(-20.0, math.radians(1.0)) == pytest.approx(1.74524e-4, rel=1e-5)
    # none below grazing zero
    assert clutter.constant_gamma_sigma0(-20.0, -0.1) == 0.0


@pytest.mark.parametrize(("h", "r"), [(100.0, 10e3), (30.0, 5e3), (1000.0, 100e3), (8.0, 1e3)])
def test_grazing_angle_matches_plane_geometry(h: float, r: float) -> None:
    # independent construction: earth centre at the origin, radar at (0, a + h); the surface point at
    # central angle phi lies at a (sin phi, cos phi) with |P - radar| = r; the grazing angle is the
    # angle between the ray from P to the radar and the tangent plane at P.
    a = 4 / 3 * EARTH_RADIUS_M
    cos_phi = (a**2 + (a + h) ** 2 - r**2) / (2 * a * (a + h))
    phi = math.acos(cos_phi)
    p = np.array([a * math.sin(phi), a * math.cos(phi)])
    to_radar = np.array([0.0, a + h]) - p
    up = p / a
    expected = math.asin(float(to_radar @ up) / r)
    assert clutter.grazing_angle_rad(r, h) == pytest.approx(expected, rel=1e-6)


def test_no_grazing_angle_beyond_the_horizon() -> None:
    a = 4 / 3 * EARTH_RADIUS_M
    horizon = math.sqrt(2 * a * 10.0 + 10.0**2)  # tangent length from 10 m
    got = clutter.grazing_angle_rad(np.array([0.5 * horizon, 1.01 * horizon]), 10.0)
    assert got[0] > 0 and math.isnan(got[1])


def test_clutter_cell_area() -> None:
    # A = R theta dR sec(psi): 10 km, 1 degree, 150 m, psi = 0: 1e4 * 0.01745329 * 150 = 26179.94 m^2
    assert clutter.clutter_area_m2(10e3, math.radians(1.0), 150.0, 0.0) == pytest.approx(26179.94, rel=1e-6)
    # at 60 degrees grazing the cell is twice as long
    assert clutter.clutter_area_m2(10e3, math.radians(1.0), 150.0, math.radians(60)) == pytest.approx(
        2 * 26179.94, rel=1e-6
    )


def test_clutter_loss() -> None:
    # SCNR = S / (N + C/I): with C/I = N the ratio halves, 10 log10 2 = 3.0103 dB
    assert clutter.clutter_loss_db(40.0, 40.0) == pytest.approx(3.0103, abs=1e-4)
    # clutter 20 dB below noise after suppression: 10 log10(1.01) = 0.0432 dB
    assert clutter.clutter_loss_db(20.0, 40.0) == pytest.approx(0.04321, abs=1e-5)
    # clutter 30 dB above noise after suppression: about 30 dB
    assert clutter.clutter_loss_db(70.0, 40.0) == pytest.approx(10 * math.log10(1001), abs=1e-9)
