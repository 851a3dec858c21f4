"""Pattern propagation factor against closed forms, an exact ray trace and the Airy residue series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.constants import c, epsilon_0
from scipy.optimize import brentq
from scipy.special import ai_zeros, airy

from iadsim.physics import (
    ElevationBeam,
    Surface,
    complex_permittivity,
    divergence_factor,
    effective_earth_radius_m,
    fresnel_reflection,
    interference_factor,
    interference_limit_range_m,
    line_of_sight_range_m,
    propagation_factor,
    propagation_factor_db,
    reflection_geometry,
    roughness_factor,
    sea_water,
    smooth_earth_diffraction_db,
    surface_admittance_factor,
    two_way_propagation_factor_db,
)

#: A surface whose Fresnel coefficient is -1 to within 1e-5 (|eps_c| ~ 1e10): the perfect reflector.
CONDUCTOR = Surface(relative_permittivity=1.0, conductivity_s_per_m=1e9)
#: An effective earth so large that the geometry is flat and the divergence factor 1 over 1000 km.
FLAT_K = 1e6


def _db(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(20 * np.log10(x))


# --- flat-earth two-ray limit -----------------------------------------------------------------------------


def test_flat_earth_two_ray_limit() -> None:
    # Gamma = -1, D = 1, no roughness, isotropic antenna: F = 2 |sin(2 pi h1 h2 / (lambda d))| for d >> h
    # (Skolnik, Introduction to Radar Systems, 3rd ed., ch. 8; Blake 1980, ch. 6).
    f, h1, h2 = 3e9, 20.0, 100.0
    lam = c / f
    d = np.linspace(10e3, 150e3, 3001)  # inside Delta >= lambda / 4, i.e. d <= 8 h1 h2 / lambda = 160 km
    expected = 2 * np.abs(np.sin(2 * np.pi * h1 * h2 / (lam * d)))
    got = propagation_factor(h1, h2, d, f, surface=CONDUCTOR, k=FLAT_K)
    away_from_nulls = expected > 0.3
    assert away_from_nulls.sum() > 2500
    assert np.max(np.abs(_db(got[away_from_nulls]) - _db(expected[away_from_nulls]))) < 0.5
    # the interference region reaches the closed-form quarter-wave range 8 h1 h2 / lambda
    assert float(interference_limit_range_m(h1, h2, f, k=FLAT_K)) == pytest.approx(
        8 * h1 * h2 / lam, rel=0.01
    )


def test_lobe_nulls_and_maxima_at_closed_form_angles() -> None:
    # Over a flat perfect reflector, with the target far away, F = 2 |sin(2 pi h1 sin(psi) / lambda)|:
    # maxima (F = 2, +6 dB) at sin psi = (2n+1) lambda / (4 h1), nulls at sin psi = n lambda / (2 h1).
    f, h1, d = 3e9, 10.0, 1000e3
    lam = c / f
    h2 = np.linspace(1.5e3, 40e3, 40001)
    psi = np.arctan((h1 + h2) / d)  # flat-earth grazing angle at the specular point
    got = propagation_factor(h1, h2, d, f, surface=CONDUCTOR, k=FLAT_K)
    interior = np.arange(1, len(got) - 1)
    minima = interior[(got[interior] < got[interior - 1]) & (got[interior] < got[interior + 1])]
    maxima = interior[(got[interior] > got[interior - 1]) & (got[interior] > got[interior + 1])]
    spacing = lam / (2 * h1)
    n_null = np.rint(np.sin(psi[minima]) / spacing)
    assert list(n_null) == list(range(1, len(minima) + 1))
    assert len(minima) >= 7
    assert np.max(np.abs(np.sin(psi[minima]) - n_null * spacing)) < 0.01 * spacing
    assert np.max(got[minima]) < 0.01
    n_max = np.rint((np.sin(psi[maxima]) / (lam / (4 * h1)) - 1) / 2)
    assert np.max(np.abs(np.sin(psi[maxima]) - (2 * n_max + 1) * lam / (4 * h1))) < 0.01 * spacing
    assert _db(got[maxima]) == pytest.approx(20 * np.log10(2.0), abs=0.01)


# --- Fresnel coefficients ---------------------------------------------------------------------------------


def test_complex_permittivity_is_sigma_over_omega_eps0() -> None:
    # eps_c = eps_r - j sigma / (2 pi f eps_0); the 60 lambda sigma form rounds 1/(2 pi c eps_0) = 59.96
    f, eps_r, sigma = 3e9, 69.0, 6.52
    got = complex_permittivity(eps_r, sigma, f)
    assert got.real == pytest.approx(eps_r)
    assert -got.imag == pytest.approx(sigma / (2 * np.pi * f * epsilon_0), rel=1e-3)


def test_sea_water_model_values() -> None:
    # Blake, NRL Report 7098 eq. 32 as coded in MATLAB `radarvcd` (`seacmplxdielectric`): eps_r = 80,
    # sigma = 4.3 S/m up to 1.5 GHz; at 3 GHz eps_r = 80 - 0.00733 * 1500 = 69.0,
    # sigma = 4.3 + 0.00148 * 1500 = 6.52.
    s1 = sea_water(1e9)
    assert (s1.relative_permittivity, s1.conductivity_s_per_m) == (80.0, 4.3)
    s3 = sea_water(3e9)
    assert s3.relative_permittivity == pytest.approx(69.005)
    assert s3.conductivity_s_per_m == pytest.approx(6.52)
    s10 = sea_water(10e9)
    assert s10.relative_permittivity == pytest.approx(69 - 0.00243 * 7000)
    assert s10.conductivity_s_per_m == pytest.approx(6.52 + 0.001314 * 7000)


def _fresnel_written_out(psi: np.ndarray, eps: complex, pol: str) -> np.ndarray:
    # Blake, NRL Report 7098 eqs. 29-30 (MATLAB `radarvcd` `reflectioncoeff`)
    root = np.sqrt(eps - np.cos(psi) ** 2 + 0j)
    if pol == "H":
        return np.asarray((np.sin(psi) - root) / (np.sin(psi) + root))
    return np.asarray((eps * np.sin(psi) - root) / (eps * np.sin(psi) + root))


@pytest.mark.parametrize("pol", ["H", "V"])
def test_fresnel_sea_water_3ghz(pol: str) -> None:
    f = 3e9
    eps = complex(69.0, -60 * (c / f) * 6.52)
    psi = np.radians(np.linspace(0.01, 90, 500))
    got = fresnel_reflection(psi, eps, pol)
    assert got == pytest.approx(_fresnel_written_out(psi, eps, pol), abs=1e-12)
    # |Gamma| -> 1 and Gamma -> -1 at grazing incidence, for both polarisations
    assert complex(fresnel_reflection(1e-7, eps, pol)) == pytest.approx(-1.0, abs=1e-5)
    if pol == "H":
        # horizontal polarisation over the sea stays a near-perfect reflector at low grazing
        small = psi < np.radians(2)
        assert np.all(np.abs(got[small]) > 0.95)
        assert np.all(np.diff(np.abs(got)) < 0)
    else:
        # the pseudo-Brewster dip: |Gamma_V| falls well below 1 between the grazing and normal limits
        i = int(np.argmin(np.abs(got)))
        assert 0 < i < len(psi) - 1
        assert np.abs(got[i]) < 0.5
        assert np.abs(got[0]) > 0.9 and np.abs(got[-1]) > np.abs(got[i])


def test_fresnel_normal_incidence_and_brewster() -> None:
    # Normal incidence, refractive index n = sqrt(eps): Gamma_H = (1 - n) / (1 + n) = -Gamma_V
    eps = complex(15.0, -0.9)
    n = np.sqrt(eps)
    assert complex(fresnel_reflection(np.pi / 2, eps, "H")) == pytest.approx((1 - n) / (1 + n), abs=1e-12)
    assert complex(fresnel_reflection(np.pi / 2, eps, "V")) == pytest.approx((n - 1) / (n + 1), abs=1e-12)
    # Lossless dielectric: Gamma_V = 0 at the Brewster grazing angle tan(psi_B) = 1 / sqrt(eps_r)
    eps_r = 4.0
    psi_b = np.arctan(1 / np.sqrt(eps_r))
    assert abs(complex(fresnel_reflection(psi_b, eps_r, "V"))) < 1e-12
    assert abs(complex(fresnel_reflection(psi_b, eps_r, "H"))) > 0.3


# --- roughness ----------------------------------------------------------------------------------------------


def _i0_series(x: float) -> float:
    # modified Bessel function of order 0: I0(x) = sum_k (x/2)^(2k) / (k!)^2
    return sum((x / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(40))


@pytest.mark.parametrize("g", [0.05, 0.1, 0.3, 0.5, 1.0, 2.0])
def test_roughness_factors(g: float) -> None:
    lam, psi = 0.1, np.radians(3.0)
    sigma_h = g * lam / (2 * np.pi * np.sin(psi))  # so that g = 2 pi sigma_h sin(psi) / lambda
    ament = math.exp(-2 * g**2)
    miller_brown = math.exp(-2 * g**2) * _i0_series(2 * g**2)
    assert float(roughness_factor(sigma_h, psi, lam, "ament")) == pytest.approx(ament, rel=1e-12)
    assert float(roughness_factor(sigma_h, psi, lam, "miller-brown")) == pytest.approx(
        miller_brown, rel=1e-10
    )
    assert float(roughness_factor(0.0, psi, lam)) == 1.0


def test_roughness_hand_values() -> None:
    # g = 0.1: exp(-0.02) = 0.98020; I0(0.02) = 1 + 0.0001 + ... -> 0.98030
    assert float(roughness_factor(0.1 * 0.1 / (2 * np.pi), np.pi / 2, 0.1, "ament")) == pytest.approx(
        0.980199, abs=1e-6
    )
    assert float(roughness_factor(0.1 * 0.1 / (2 * np.pi), np.pi / 2, 0.1)) == pytest.approx(
        0.980297, abs=1e-6
    )


# --- geometry and divergence --------------------------------------------------------------------------------


def _exact_specular(h1: float, h2: float, d: float, ae: float) -> tuple[float, float, float]:
    """Specular point on a circle of radius ae by the law of reflection (equal grazing angles).

    Returns (d1, psi, Delta): arc to the specular point, grazing angle, path difference.
    """
    phi = d / ae
    p1 = np.array([0.0, ae + h1])
    p2 = (ae + h2) * np.array([np.sin(phi), np.cos(phi)])

    def unequal(a: float) -> float:
        s = ae * np.array([np.sin(a), np.cos(a)])
        normal = s / ae
        return float(
            np.dot(p1 - s, normal) / np.linalg.norm(p1 - s) - np.dot(p2 - s, normal) / np.linalg.norm(p2 - s)
        )

    a = brentq(unequal, 1e-12, phi - 1e-12, xtol=1e-16)
    s = ae * np.array([np.sin(a), np.cos(a)])
    r1, r2, rd = np.linalg.norm(p1 - s), np.linalg.norm(p2 - s), np.linalg.norm(p2 - p1)
    psi = float(np.arcsin(np.dot((p1 - s) / r1, s / ae)))
    return float(a * ae), psi, float(r1 + r2 - rd)


@pytest.mark.parametrize(
    ("h1", "h2", "d"),
    [
        (10.0, 1000.0, 50e3),
        (10.0, 1000.0, 120e3),
        (30.0, 10_000.0, 300e3),
        (20.0, 100.0, 20e3),
        (100.0, 20e3, 10e3),
    ],
)
def test_reflection_geometry_against_exact_ray_trace(h1: float, h2: float, d: float) -> None:
    ae = effective_earth_radius_m()
    d1, psi, delta = _exact_specular(h1, h2, d, ae)
    geo = reflection_geometry(h1, h2, d)
    assert float(geo.d1_m) == pytest.approx(d1, rel=3e-3)
    assert float(geo.grazing_rad) == pytest.approx(psi, rel=2e-3)
    assert float(geo.path_difference_m) == pytest.approx(delta, rel=1e-5)
    # small-angle form: Delta ~ 2 h1' h2' / d with heights over the tangent plane h' = h - d_i^2 / (2 ae),
    # good to the order of psi^2 and h / ae
    if psi < 0.02:
        hp1 = h1 - d1**2 / (2 * ae)
        hp2 = h2 - (d - d1) ** 2 / (2 * ae)
        assert float(geo.path_difference_m) == pytest.approx(2 * hp1 * hp2 / d, rel=5e-3)


def test_divergence_factor() -> None:
    ae = effective_earth_radius_m()
    d1, d2, psi = 10e3, 30e3, 0.01
    # D = (1 + 2 d1 d2 / (ae d sin psi))^(-1/2) (Kerr 1951). By hand, ae = 8494.67 km:
    # 2 * 1e4 * 3e4 / (8.49467e6 * 4e4 * 0.0099998) = 6e8 / 3.39780e9 = 0.176585,
    # D = 1.176585^(-1/2) = 0.92191
    expected = (1 + 2 * d1 * d2 / (ae * (d1 + d2) * np.sin(psi))) ** -0.5
    assert float(divergence_factor(d1, d2, psi)) == pytest.approx(expected, rel=1e-12)
    assert float(divergence_factor(d1, d2, psi)) == pytest.approx(0.92191, abs=1e-5)
    assert float(divergence_factor(10.0, 100.0, 0.1)) > 0.9999  # short range: a flat mirror (1 - 1e-5)
    assert float(divergence_factor(d1, d2, 0.0)) == 0.0  # grazing: the reflected bundle spreads out
    assert np.all(np.diff(divergence_factor(np.linspace(1e3, 40e3, 50), 40e3, 0.005)) < 0)


# --- diffraction ------------------------------------------------------------------------------------------


def _fock_first_term_db(h1: float, h2: float, d: float, f: float, ae: float) -> float:
    """First term of the residue series for a sphere with a perfectly reflecting (Dirichlet) surface.

    Fock's variables x = d (k / (2 ae^2))^(1/3), y = h (2 k^2 / ae)^(1/3); the first zero t1 = |a1| e^(j pi/3)
    of w1(t) = 2 sqrt(pi) e^(j pi/6) Ai(t e^(j 2 pi/3)), with a1 the first zero of Ai, gives
    |E/E0| = 2 sqrt(pi x) exp(-x Im t1) |Ai(a1 - y1 e^(j 2pi/3))| |Ai(a1 - y2 e^(j 2pi/3))| / Ai'(a1)^2
    (Fock, Electromagnetic Diffraction and Propagation Problems, 1965, ch. 10; the classical residue series
    that ITU-R P.526 sec. 3 fits).
    """
    wavenumber = 2 * np.pi * f / c
    x = d * (wavenumber / (2 * ae**2)) ** (1 / 3)
    a1, _, _, aip1 = (z[0] for z in ai_zeros(1))
    t1 = abs(a1) * np.exp(1j * np.pi / 3)

    def height_gain_db(h: float) -> float:
        y = h * (2 * wavenumber**2 / ae) ** (1 / 3)
        return float(20 * np.log10(abs(airy(a1 - y * np.exp(2j * np.pi / 3))[0]) / abs(aip1)))

    return float(20 * np.log10(2 * np.sqrt(np.pi * x)) - 20 * np.log10(np.e) * x * t1.imag) + (
        height_gain_db(h1) + height_gain_db(h2)
    )


@pytest.mark.parametrize("f", [300e6, 1e9, 3e9, 10e9])
@pytest.mark.parametrize(("h1", "h2"), [(10.0, 100.0), (30.0, 1000.0), (5.0, 10_000.0), (50.0, 50.0)])
def test_p526_first_term_matches_airy_residue(f: float, h1: float, h2: float) -> None:
    # Horizontal polarisation over the sea: K ~ 1e-4, beta = 1, the Dirichlet limit of the residue series.
    # The Recommendation's F(X) and G(Y) are fits to it; agreement within 1 dB beyond the horizon.
    surface = Surface(70.0, 5.0)
    assert surface_admittance_factor(f, surface, "H") < 1e-3
    ae = effective_earth_radius_m()
    d_los = float(line_of_sight_range_m(h1, h2))
    for d in d_los * np.array([1.0, 1.2, 1.5, 2.0]):
        expected = _fock_first_term_db(h1, h2, d, f, ae)
        got = float(smooth_earth_diffraction_db(h1, h2, d, f, surface, "H"))
        assert got == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize(("f", "eps_r", "sigma"), [(100e6, 15.0, 0.005), (3e9, 70.0, 5.0), (30e6, 80.0, 4.3)])
def test_surface_admittance_closed_form(f: float, eps_r: float, sigma: float) -> None:
    # K_H = (k ae)^(-1/3) |eps_c - 1|^(-1/2), K_V = K_H |eps_c|: P.526's 0.36 is (2 pi / 0.3)^(-1/3) = 0.3628
    # rounded, for f in MHz and ae in km, hence the 1 % tolerance.
    ae = effective_earth_radius_m()
    eps = eps_r - 1j * 60 * (c / f) * sigma
    kh = (2 * np.pi * f / c * ae) ** (-1 / 3) * abs(eps - 1) ** -0.5
    surface = Surface(eps_r, sigma)
    assert surface_admittance_factor(f, surface, "H") == pytest.approx(kh, rel=0.01)
    assert surface_admittance_factor(f, surface, "V") == pytest.approx(kh * abs(eps), rel=0.01)


def test_diffraction_region_uses_p526() -> None:
    f, h1, h2 = 3e9, 10.0, 1000.0
    d = float(line_of_sight_range_m(h1, h2)) * np.array([1.0, 1.3, 2.0])
    assert propagation_factor_db(h1, h2, d, f) == pytest.approx(
        smooth_earth_diffraction_db(h1, h2, d, f), abs=1e-9
    )
    assert np.all(np.diff(propagation_factor_db(h1, h2, d, f)) < 0)


# --- interference region against an independent ray trace ---------------------------------------------------


@pytest.mark.parametrize(("f", "pol", "h1", "h2"), [(3e9, "H", 10.0, 1000.0), (1e9, "V", 30.0, 3000.0)])
def test_interference_region_against_ray_trace(f: float, pol: str, h1: float, h2: float) -> None:
    # F = |1 + D Gamma exp(-j 2 pi Delta / lambda)| with the specular point by the law of reflection on the
    # sphere, Gamma written out (NRL 7098 eqs. 29-30), D = (1 + 2 d1 d2 / (ae d sin psi))^(-1/2) (Kerr 1951).
    ae = effective_earth_radius_m()
    lam = c / f
    surface = sea_water(f)
    eps = complex(surface.relative_permittivity, -60 * lam * surface.conductivity_s_per_m)
    d_q = float(interference_limit_range_m(h1, h2, f))
    ranges = np.linspace(2e3, d_q, 400)
    got = propagation_factor(h1, h2, ranges, f, polarization=pol)
    expected = []
    for d in ranges:
        d1, psi, delta = _exact_specular(h1, h2, float(d), ae)
        gamma = complex(_fresnel_written_out(np.array(psi), eps, pol))
        div = (1 + 2 * d1 * (d - d1) / (ae * d * np.sin(psi))) ** -0.5
        expected.append(abs(1 + div * gamma * np.exp(-2j * np.pi * delta / lam)))
    ref = np.array(expected)
    away_from_nulls = ref > 0.3
    assert away_from_nulls.sum() > 300
    assert np.max(np.abs(_db(got[away_from_nulls]) - _db(ref[away_from_nulls]))) < 0.5


def test_quarter_wave_limit() -> None:
    # Blake's interference region ends where the path difference is lambda / 4 (NRL Report 7098)
    for f in (100e6, 1e9, 10e9):
        lam = c / f
        for h1, h2 in ((10.0, 100.0), (30.0, 3000.0), (5.0, 50.0)):
            d_q = float(interference_limit_range_m(h1, h2, f))
            assert 0 < d_q < float(line_of_sight_range_m(h1, h2))
            assert float(reflection_geometry(h1, h2, d_q).path_difference_m) == pytest.approx(
                lam / 4, rel=0.03
            )
    assert float(interference_limit_range_m(10.0, 0.0, 1e9)) == 0.0


# --- continuity across the region borders ----------------------------------------------------------------


SCENARIOS = [
    (3e9, "H", 10.0, 1000.0, None),
    (100e6, "V", 20.0, 500.0, None),
    (1e9, "H", 30.0, 10_000.0, ElevationBeam(np.radians(1.0), np.radians(3.0))),
    (10e9, "V", 5.0, 50.0, None),
    (3e9, "H", 25.0, 300.0, ElevationBeam(np.radians(0.5), np.radians(2.0), steered=True)),
]


@pytest.mark.parametrize(("f", "pol", "h1", "h2", "beam"), SCENARIOS)
def test_continuous_across_region_borders(
    f: float, pol: str, h1: float, h2: float, beam: ElevationBeam | None
) -> None:
    d_q = float(interference_limit_range_m(h1, h2, f))
    d_los = float(line_of_sight_range_m(h1, h2))
    for border in (d_q, d_los):
        pair = border * np.array([1 - 1e-9, 1 + 1e-9])
        around = propagation_factor_db(h1, h2, pair, f, polarization=pol, beam=beam)
        assert abs(around[1] - around[0]) < 0.01
    # a sweep across both borders has no step larger than the curve's own slope allows
    d = np.linspace(0.9 * d_q, 1.2 * d_los, 20001)
    db = propagation_factor_db(h1, h2, d, f, polarization=pol, beam=beam)
    assert np.all(np.isfinite(db))
    assert np.max(np.abs(np.diff(db))) < 0.2


# --- beam, broadcasting, validation -----------------------------------------------------------------------


def test_beam_pattern_half_power_and_free_space() -> None:
    beam = ElevationBeam(boresight_rad=0.05, beamwidth_rad=0.04)
    assert beam.pattern([0.05])[0] == pytest.approx(1.0)
    assert beam.pattern([0.03, 0.07]) == pytest.approx(np.full(2, 1 / np.sqrt(2)), rel=1e-5)
    # a surface rough enough to kill the specular ray (Ament, g ~ 60) leaves F = |f(theta_direct)|
    rough = Surface(70.0, 5.0, rms_height_m=20.0)
    h1, h2, d = 10.0, 3000.0, 40e3
    geo = reflection_geometry(h1, h2, d)
    got = propagation_factor(h1, h2, d, 3e9, surface=rough, beam=beam, roughness_model="ament")
    assert float(got) == pytest.approx(abs(float(beam.pattern(geo.direct_elevation_rad))), rel=1e-9)


def test_steered_beam_follows_the_target() -> None:
    # a steered beam puts its axis on a target above the boresight: the direct ray gets f = 1, the
    # reflected ray the pattern at (theta_r - theta_d); with the reflection scattered away, F = 1
    rough = Surface(70.0, 5.0, rms_height_m=20.0)
    h1, h2, d = 10.0, 8000.0, 40e3
    geo = reflection_geometry(h1, h2, d)
    fixed = ElevationBeam(0.0, 0.05)
    steered = ElevationBeam(0.0, 0.05, steered=True)
    kw = {"surface": rough, "roughness_model": "ament"}
    assert float(propagation_factor(h1, h2, d, 3e9, beam=steered, **kw)) == pytest.approx(1.0, rel=1e-9)
    assert float(propagation_factor(h1, h2, d, 3e9, beam=fixed, **kw)) == pytest.approx(
        abs(float(fixed.pattern(geo.direct_elevation_rad))), rel=1e-9
    )
    assert steered.axis_rad([-0.1, 0.0, 0.3]) == pytest.approx([0.0, 0.0, 0.3])
    assert fixed.axis_rad([-0.1, 0.3]) == pytest.approx([0.0, 0.0])


def test_broadcasting_and_two_way() -> None:
    h2 = np.array([[100.0], [1000.0], [5000.0]])
    d = np.array([5e3, 50e3, 150e3, 400e3])
    grid = propagation_factor(15.0, h2, d, 1e9)
    assert grid.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert grid[i, j] == pytest.approx(
                float(propagation_factor(15.0, h2[i, 0], d[j], 1e9)), rel=1e-12
            )
    assert np.all(grid >= 0)
    full_h2, full_d = np.broadcast_arrays(h2, d)  # one height pair per point: the same values
    assert propagation_factor(15.0, full_h2, full_d, 1e9) == pytest.approx(grid, rel=1e-12)
    assert propagation_factor(15.0, 100.0, 5e3, 1e9).shape == ()
    one = propagation_factor_db(15.0, h2, d, 1e9)
    assert two_way_propagation_factor_db(15.0, h2, d, 1e9) == pytest.approx(2 * one)
    assert interference_factor(15.0, 100.0, 5e3, 1e9) == pytest.approx(
        propagation_factor(15.0, 100.0, 5e3, 1e9)
    )
    # terminals on the surface and zero range give finite, non-negative values
    heights = np.array([0.0, 10.0])
    edge = propagation_factor(heights[:, None, None], heights[None, :, None], np.array([0.0, 1e3, 50e3]), 3e9)
    assert edge.shape == (2, 2, 3)
    assert np.all(np.isfinite(edge)) and np.all(edge >= 0)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        propagation_factor(-1.0, 100.0, 1e3, 1e9)
    with pytest.raises(ValueError, match="non-negative"):
        propagation_factor(10.0, [100.0, -5.0], 1e3, 1e9)
    with pytest.raises(ValueError, match="ground ranges"):
        propagation_factor(10.0, 100.0, -1e3, 1e9)
    with pytest.raises(ValueError, match="frequency"):
        propagation_factor(10.0, 100.0, 1e3, 0.0)
    with pytest.raises(ValueError, match="frequency"):
        propagation_factor(10.0, 100.0, 1e3, float("nan"))
    with pytest.raises(ValueError, match="polarization"):
        propagation_factor(10.0, 100.0, 1e3, 1e9, polarization="X")
    with pytest.raises(ValueError, match="roughness_model"):
        propagation_factor(10.0, 100.0, 1e3, 1e9, roughness_model="gaussian")
    with pytest.raises(ValueError):
        propagation_factor(10.0, 100.0, 1e3, 1e9, k=0.0)
    with pytest.raises(ValueError):
        Surface(0.5, 1.0)
    with pytest.raises(ValueError):
        Surface(10.0, -1.0)
    with pytest.raises(ValueError):
        ElevationBeam(0.0, 0.0)
    with pytest.raises(ValueError):
        roughness_factor(0.1, 0.1, 0.1, model="other")


def test_heights_of_a_small_fraction_of_a_wavelength_warn_of_nothing() -> None:
    # A terminal 1e-300 m above the surface has no interference region (d_q = 0) and no floating-point
    # warning on the way; the factor is finite and small.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert interference_limit_range_m(1e-300, 100.0, 150e6) == 0.0
        f = propagation_factor(1e-300, 50.0, np.array([1e3, 1e5]), 150e6)
    assert np.all(np.isfinite(f)) and np.all(f < 1.0)
