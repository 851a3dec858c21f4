"""Radar models over a surface (:mod:`iadsim.sensors`): the loss the surface puts on the free-space SNR, the
aspect rule and the RCS a radar sees, against the physics modules and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim import physics
from iadsim.catalog import default_catalog
from iadsim.errors import IadsimError
from iadsim.physics import clutter, multipath
from iadsim.sensors import FREE_SPACE, Environment, RadarModel, SurfaceModel, aspect_index


def _model(radar: str = "96l6e") -> RadarModel:
    return RadarModel.from_catalog(default_catalog().radar(radar))


def _surface(sid: str = "sea-state-3") -> SurfaceModel:
    return SurfaceModel.from_catalog(default_catalog().surface(sid))


def test_free_space_takes_nothing() -> None:
    m = _model()
    assert np.all(m.environment_loss_db(np.array([1e4, 5e4]), 100.0, FREE_SPACE) == 0.0)
    no_effects = Environment(surface=_surface(), multipath=False, clutter=False)
    assert no_effects.free_space and no_effects.describe() == "free space"


def test_multipath_loss_is_the_two_way_propagation_factor() -> None:
    m = _model()
    s = _surface()
    g = np.linspace(2e3, 80e3, 50)
    env = Environment(surface=s, clutter=False)
    expected = -multipath.two_way_propagation_factor_db(
        m.mast_height_m,
        100.0,
        g,
        m.frequency_hz,
        polarization=m.polarization,
        surface=multipath.Surface(s.relative_permittivity, s.conductivity_s_per_m, s.rms_height_m),
        beam=multipath.ElevationBeam(m.beam_elevation_rad, m.elevation_beamwidth_rad, steered=True),
    )
    np.testing.assert_allclose(m.environment_loss_db(g, 100.0, env), expected, rtol=0, atol=1e-12)


def test_clutter_loss_by_hand() -> None:
    # One point worked through: 96L6E (S-band, catalog figures) at its mast height over sea state 3; a
    # target 20 m above the sea at 15 km ground range. Clutter: the sea at the same slant range R,
    # sigma0 = gamma(f) sin(psi) with gamma(f) = -40 + 5 log10(f / 10 GHz), cell R theta_az dR sec(psi),
    # seen through the two-way pattern of the lowest beam (the target is below its axis), CNR = SNR of a
    # target of RCS sigma0 A at R, and the loss 10 log10(1 + CNR / I).
    m = _model()
    s = _surface()
    env = Environment(surface=s, multipath=False)
    g, ht, hr = 15e3, 20.0, m.mast_height_m
    a = 4 / 3 * physics.EARTH_RADIUS_M
    r = float(physics.slant_range_from_ground_m(g, ht, hr))
    sin_psi = (2 * a * hr + hr**2 - r**2) / (2 * a * r)
    psi = math.asin(sin_psi)
    gamma = 10 ** ((-40 + 5 * math.log10(m.frequency_hz / 10e9)) / 10)
    area = r * m.azimuth_beamwidth_rad * m.range_resolution_m / math.cos(psi)
    el_target = float(physics.elevation_angle_rad(r, ht, hr))
    el_clutter = float(physics.elevation_angle_rad(r, 0.0, hr))
    axis = max(el_target, m.beam_elevation_rad)
    u = 1.39157 * math.sin(el_clutter - axis) / math.sin(m.elevation_beamwidth_rad / 2)
    f = math.sin(u) / u
    cnr = float(m.snr_db(r, gamma * sin_psi * area)) + 40 * math.log10(abs(f))
    expected = 10 * math.log10(1 + 10 ** ((cnr - m.improvement_factor_db) / 10))
    assert float(m.environment_loss_db(g, ht, env)) == pytest.approx(expected, abs=1e-6)
    assert expected > 0


def test_no_clutter_beyond_the_radar_horizon() -> None:
    m = _model()
    env = Environment(surface=_surface("urban"), multipath=False)
    horizon = float(physics.radar_horizon_m(m.mast_height_m, 0.0))
    far = 1.2 * horizon
    assert float(m.environment_loss_db(far, 5000.0, env)) == 0.0
    assert np.isnan(clutter.grazing_angle_rad(far, m.mast_height_m))


def test_terrain_loss_measures_heights_from_the_lower_ground() -> None:
    m = _model()
    env = Environment(surface=_surface())
    # radar ground 500 m, target over ground at 200 m: the surface is at 200 m
    got = m.terrain_loss_db(30e3, 500.0 + m.mast_height_m, 500.0, 300.0, 200.0, env)
    want = m.environment_loss_db(30e3, 100.0, env, radar_height_m=300.0 + m.mast_height_m)
    assert float(got) == pytest.approx(float(want), abs=1e-12)


def test_detection_range_over_the_sea_is_shorter_near_the_horizon_and_lobes_above() -> None:
    # A 0.1 m^2 target at 30 m is in the lower part of the first lobe near the horizon: the surface
    # shortens its detection range; high up, the first lobe can add up to 6 dB one way.
    m = _model()
    env = Environment(surface=_surface("sea-calm"))
    low_free = m.detection_range_m(0.1, 1, 0.5, 30.0)
    low = m.detection_range_m(0.1, 1, 0.5, 30.0, env)
    assert 0 < low < low_free
    free = float(m.free_space_range_m(0.1, 0.5, 1))
    high = m.detection_range_m(0.1, 1, 0.5, 10_000.0, env)
    assert high <= 2.0 * free + 1.0  # 12 dB two-way at most: twice the free-space range


def test_aspect_sectors() -> None:
    # heading along +x; the radar ahead (nose), abeam (beam), behind (tail); 45 and 135 degrees are the edges
    h = np.array([1.0, 0.0, 0.0])
    cases = {
        (10.0, 0.0, 0.0): 0,
        (10.0, 9.99, 0.0): 0,
        (10.0, 10.01, 0.0): 1,
        (0.0, 10.0, 0.0): 1,
        (-10.0, 10.01, 0.0): 1,
        (-10.0, 9.99, 0.0): 2,
        (-10.0, 0.0, 0.0): 2,
    }
    got = aspect_index(np.tile(h, (len(cases), 1)), np.array(list(cases)))
    assert got.tolist() == list(cases.values())
    assert aspect_index(np.zeros(3), np.array([1.0, 0.0, 0.0])) == 0  # not moving: nose-on


def test_rcs_by_band_and_aspect() -> None:
    cat = default_catalog()
    f35 = cat.target("f-35a")
    assert f35.rcs("X", "nose")[0] == "rcs_by_band.X.nose"
    assert f35.rcs("S", "beam")[1].value == f35.rcs_by_band["S"]["beam"].value
    assert f35.rcs("C", "nose")[0] == "rcs_by_band.X.nose"  # C: as near X as S; the higher band
    assert f35.rcs("UHF", "tail")[0] == "rcs_by_band.L.tail"  # UHF: as near VHF as L; the higher
    assert f35.rcs("VHF", "nose")[1].value > 10 * f35.rcs("X", "nose")[1].value  # stealth works at X-band
    tb2 = cat.target("bayraktar-tb2")
    assert not tb2.rcs_by_band and tb2.rcs("VHF", "beam") == ("rcs_m2", tb2.rcs_m2)


def test_radar_frequency_from_its_band() -> None:
    cat = default_catalog()
    assert _model("92n6e").band == "X"
    assert _model("92n6e").frequency_hz == pytest.approx(math.sqrt(8e9 * 12e9))  # no frequency given
    assert _model("91n6e").frequency_hz == pytest.approx(cat.radar("91n6e").frequency_hz.value)  # type: ignore[union-attr]


def test_the_readme_figures_of_the_f35_and_the_f16() -> None:
    # README, "How the radars are modelled": over farmland at 10 km, the 91N6E detects the F-35A at 134 km
    # nose-on and 234 km beam-on, the 92N6E at 41 and 74 km; the F-16C at 401 and 185 km nose-on.
    cat = default_catalog()
    env = Environment(surface=_surface("farmland"))

    def km(radar: str, target: str, aspect: str) -> int:
        m = _model(radar)
        t = cat.target(target)
        rcs = t.rcs(m.band, aspect)[1].value
        return round(m.detection_range_m(rcs, int(t.swerling.value), 0.5, 10_000.0, env) / 1e3)

    assert (km("91n6e", "f-35a", "nose"), km("91n6e", "f-35a", "beam")) == (134, 234)
    assert (km("92n6e", "f-35a", "nose"), km("92n6e", "f-35a", "beam")) == (41, 74)
    assert (km("91n6e", "f-16c", "nose"), km("92n6e", "f-16c", "nose")) == (401, 185)


def test_environment_of_a_surface_id_reads_the_catalog_and_none_is_free_space() -> None:
    from iadsim.catalog import FREE_SPACE_SURFACE, default_catalog

    cat = default_catalog()
    assert Environment.of(cat, FREE_SPACE_SURFACE) == FREE_SPACE
    env = Environment.of(cat, "farmland", k=1.2, clutter=False)
    assert env == Environment(
        k=1.2, surface=SurfaceModel.from_catalog(cat.surface("farmland")), clutter=False
    )
    assert env.surface is not None and env.surface.rms_height_m == cat.surface("farmland").rms_height_m.value
    doubled = Environment.of(cat, "farmland", read=lambda name, fig: 2 * fig.value)
    assert doubled.surface is not None and doubled.surface.rms_height_m == 2 * env.surface.rms_height_m
    with pytest.raises(IadsimError, match="nowhere"):
        Environment.of(cat, "nowhere")
