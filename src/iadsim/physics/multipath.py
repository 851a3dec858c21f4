"""Pattern propagation factor ``F`` over a smooth spherical earth: surface reflection and diffraction.

``F = |E / E0|`` is the one-way ratio of the field at the target to the free-space field on the beam axis
(Kerr (ed.), Propagation of Short Radio Waves, MIT Radiation Laboratory Series vol. 13, 1951; Blake,
Radar Range-Performance Analysis, 1980, ch. 6). The radar equation's SNR is multiplied by ``F^4`` (monostatic:
``F`` on the way out and on the way back), i.e. ``40 log10 F`` dB is added to it.

Three regions in ground range ``d`` for fixed heights, after Blake (NRL Report 7098, "Machine Plotting of
Radar Vertical-Plane Coverage Diagrams", 1970, and Blake 1980, ch. 6; MATLAB's Radar Toolbox ``radarvcd``
follows the report in the interference region):

* **interference** (``d <= d_q``): the direct ray and the ray reflected at the specular point add,
  ``F = | f(theta_d) + f(theta_r) rho_s D Gamma exp(-j 2 pi Delta / lambda) |``
  (:func:`interference_factor`). Blake uses this ray-optics formula where the path difference is at
  least a quarter wavelength, ``Delta >= lambda / 4`` (NRL 7098; ``radarvcd`` keeps the elevation angles
  where ``pdCE >= lambda/4``). ``d_q`` is the range where ``Delta = lambda / 4``
  (:func:`interference_limit_range_m`).
* **diffraction** (``d >= d_los``): beyond the smooth-earth line-of-sight range
  ``d_los = kR (arccos(kR / (kR + h1)) + arccos(kR / (kR + h2)))``, the first term of the residue series
  in the form of ITU-R P.526 sec. 3.1.1.2 (:func:`smooth_earth_diffraction_db`); sec. 3.2 of the
  Recommendation uses that formula for all ``d >= d_los``.
* **intermediate** (``d_q < d < d_los``): ``20 log10 F`` linear in ``d`` between the interference value
  at ``d_q`` and the diffraction value at ``d_los`` (Blake 1980, ch. 6: interpolation across the region
  where neither formula holds). ``F`` is continuous in range by construction.

Units: heights (above the smooth surface) and ranges in metres, ground range as the arc along the
effective earth of radius ``kR`` (as :mod:`iadsim.physics.propagation`), frequency in hertz, angles in
radians. Time dependence ``exp(j omega t)`` throughout, so a lossy surface has ``eps_c = eps_r - j 60
lambda sigma`` and a path longer by ``Delta`` lags by ``exp(-j 2 pi Delta / lambda)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import i0e

from iadsim.physics.propagation import STANDARD_K, effective_earth_radius_m

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]
Polarization = Literal["H", "V"]

#: Speed of light in vacuum, m/s (exact, SI).
SPEED_OF_LIGHT_M_S = 299_792_458.0
#: Floor on ``F`` where it is taken in decibels (-300 dB): a surface-level terminal over a perfect
#: reflector has ``F = 0`` exactly.
MIN_FACTOR = 1e-15
#: Half-power point of ``sin(u) / u``: ``sin(u) / u = 1 / sqrt(2)`` at ``u = 1.39157`` (Blake, NRL 7098
#: eq. 38; MATLAB ``radarvcd``).
_SINC_HALF_POWER_U = 1.39157
#: Shortest ground range used in the geometry, metres: ranges below it are evaluated at it.
_MIN_RANGE_M = 1e-3
#: Steps of the fixed-point iteration for the quarter-wave range: 12 reach 1e-5 relative from the start
#: used, over heights from 1 cm to 30 km and wavelengths from 3 mm to 4 m.
_FIXED_POINT_STEPS = 12


@dataclass(frozen=True)
class Surface:
    """Electrical and roughness description of the reflecting surface.

    ``relative_permittivity`` (``eps_r``, >= 1) and ``conductivity_s_per_m`` (``sigma``, S/m, >= 0) give the
    complex permittivity :func:`complex_permittivity`; ``rms_height_m`` is the standard deviation of the
    surface height about its mean (m), which enters the specular-reflection roughness factor
    :func:`roughness_factor`.
    """

    relative_permittivity: float
    conductivity_s_per_m: float
    rms_height_m: float = 0.0

    def __post_init__(self) -> None:
        if not self.relative_permittivity >= 1.0:
            raise ValueError(f"relative_permittivity must be >= 1, got {self.relative_permittivity}")
        if not self.conductivity_s_per_m >= 0.0:
            raise ValueError(f"conductivity_s_per_m must be >= 0, got {self.conductivity_s_per_m}")
        if not self.rms_height_m >= 0.0:
            raise ValueError(f"rms_height_m must be >= 0, got {self.rms_height_m}")


def sea_water(frequency_hz: float, rms_height_m: float = 0.0) -> Surface:
    """Sea water's permittivity and conductivity at a frequency (Blake, NRL Report 7098, eq. 32).

    With ``f`` in MHz: ``eps_r = 80``, ``sigma = 4.3`` S/m up to 1500 MHz;
    ``eps_r = 80 - 0.00733 (f - 1500)``, ``sigma = 4.3 + 0.00148 (f - 1500)`` up to 3000 MHz;
    ``eps_r = 69 - 0.00243 (f - 3000)``, ``sigma = 6.52 + 0.001314 (f - 3000)`` above (the model is given
    for 100 MHz to 10 GHz; MATLAB ``radarvcd`` uses the same fit for its default surface).
    """
    if not frequency_hz > 0:
        raise ValueError(f"frequency_hz must be positive, got {frequency_hz}")
    f_mhz = frequency_hz / 1e6
    if f_mhz <= 1500:
        eps_r, sigma = 80.0, 4.3
    elif f_mhz <= 3000:
        eps_r, sigma = 80.0 - 0.00733 * (f_mhz - 1500), 4.3 + 0.00148 * (f_mhz - 1500)
    else:
        eps_r, sigma = 69.0 - 0.00243 * (f_mhz - 3000), 6.52 + 0.001314 * (f_mhz - 3000)
    return Surface(max(eps_r, 1.0), sigma, rms_height_m)


@dataclass(frozen=True)
class ElevationBeam:
    """Uniformly illuminated aperture's elevation pattern (field amplitude, 1 on the beam axis).

    ``f(theta) = sin(u) / u`` with ``u = 1.39157 sin(theta - axis) / sin(beamwidth / 2)``, so that
    ``f = 1 / sqrt(2)`` (half power) at ``axis +- beamwidth / 2`` (Blake, NRL Report 7098, eq. 38; MATLAB
    ``radarvcd`` default pattern). The pattern keeps its sidelobes and their sign (the first sidelobe is
    negative): the sign is the phase of the field, which matters when the direct and reflected rays add.
    ``boresight_rad`` is the elevation of the beam axis (tilt), ``beamwidth_rad`` the half-power (3 dB)
    width, both radians. A ``steered`` beam is the lowest of a set that follows the target in elevation
    (stacked or scanned beams, a tracking beam): for a target above the boresight the axis is on the
    target's direct ray, ``axis = max(theta_direct, boresight)`` (:meth:`axis_rad`), so the direct ray gets
    ``f = 1`` there and the reflected ray the pattern at its angle below that axis.
    """

    boresight_rad: float
    beamwidth_rad: float
    steered: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.beamwidth_rad < np.pi:
            raise ValueError(f"beamwidth_rad must be in (0, pi), got {self.beamwidth_rad}")

    def axis_rad(self, target_elevation_rad: ArrayLike) -> FloatArray:
        """Elevation of the beam axis (radians) when the target's direct ray has the given elevation."""
        el = _f(target_elevation_rad)
        if self.steered:
            return np.asarray(np.maximum(el, self.boresight_rad))
        return np.asarray(np.full_like(el, self.boresight_rad))

    def pattern(self, elevation_rad: ArrayLike, axis_rad: ArrayLike | None = None) -> FloatArray:
        """Signed field amplitude ``sin(u) / u`` at elevation angles (radians), about ``axis_rad``
        (the boresight by default)."""
        axis = self.boresight_rad if axis_rad is None else _f(axis_rad)
        u = _SINC_HALF_POWER_U * np.sin(_f(elevation_rad) - axis) / np.sin(self.beamwidth_rad / 2)
        return np.asarray(np.sinc(u / np.pi))


class ReflectionGeometry(NamedTuple):
    """Specular reflection over a smooth sphere of radius ``kR`` (metres, radians)."""

    #: Ground range (arc) from the radar to the specular point.
    d1_m: FloatArray
    #: Ground range from the specular point to the target.
    d2_m: FloatArray
    #: Grazing angle at the specular point.
    grazing_rad: FloatArray
    #: Reflected path length minus direct path length.
    path_difference_m: FloatArray
    #: Elevation of the direct ray at the radar, from the local horizontal.
    direct_elevation_rad: FloatArray
    #: Elevation of the reflected ray at the radar (negative: it leaves downward).
    reflected_elevation_rad: FloatArray
    #: Direct (slant) range.
    direct_range_m: FloatArray


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def _check_polarization(polarization: str) -> Polarization:
    if polarization == "H":
        return "H"
    if polarization == "V":
        return "V"
    raise ValueError(f"polarization must be 'H' or 'V', got {polarization!r}")


def _check_frequency(frequency_hz: float) -> float:
    f = float(frequency_hz)
    if not (f > 0 and np.isfinite(f)):
        raise ValueError(f"frequency_hz must be positive and finite, got {frequency_hz}")
    return f


def _check_heights(*heights: FloatArray) -> None:
    for h in heights:
        if np.any(~(h >= 0)) or np.any(~np.isfinite(h)):
            raise ValueError("heights above the smooth surface must be finite and non-negative")


def _check_ranges(d: FloatArray) -> None:
    if np.any(~(d >= 0)) or np.any(~np.isfinite(d)):
        raise ValueError("ground ranges must be finite and non-negative")


def complex_permittivity(
    relative_permittivity: ArrayLike, conductivity_s_per_m: ArrayLike, frequency_hz: ArrayLike
) -> ComplexArray:
    """Complex relative permittivity ``eps_c = eps_r - j sigma / (omega eps_0) = eps_r - j 60 lambda sigma``.

    ``1 / (2 pi c eps_0) = Z_0 / (2 pi) = 59.96 ohm``, written 60 (Blake 1980, ch. 6; NRL Report 7098
    eq. 32 as in MATLAB ``radarvcd``). ``sigma`` in S/m, frequency in Hz, ``lambda = c / f`` in metres.
    """
    f = _f(frequency_hz)
    if np.any(~(f > 0)):
        raise ValueError("frequency_hz must be positive")
    lam = SPEED_OF_LIGHT_M_S / f
    return np.asarray(_f(relative_permittivity) - 1j * 60.0 * lam * _f(conductivity_s_per_m))


def fresnel_reflection(grazing_rad: ArrayLike, permittivity: ArrayLike, polarization: str) -> ComplexArray:
    """Fresnel reflection coefficient of a smooth plane surface at a grazing angle ``psi`` (radians).

    With the complex relative permittivity ``eps_c`` (:func:`complex_permittivity`)::

        Gamma_H = (sin psi - sqrt(eps_c - cos^2 psi)) / (sin psi + sqrt(eps_c - cos^2 psi))
        Gamma_V = (eps_c sin psi - sqrt(eps_c - cos^2 psi)) / (eps_c sin psi + sqrt(eps_c - cos^2 psi))

    (Kerr 1951; Blake 1980, ch. 6; Skolnik, Introduction to Radar Systems, 3rd ed., 2001, ch. 8; NRL
    Report 7098 eqs. 29-30 as in MATLAB ``radarvcd``). ``Gamma -> -1`` as ``psi -> 0`` for
    both polarisations; ``Gamma_V`` dips at the (pseudo-)Brewster angle.
    """
    pol = _check_polarization(polarization)
    psi = _f(grazing_rad)
    eps = np.asarray(permittivity, dtype=complex)
    s = np.sin(psi)
    root = np.sqrt(eps - np.cos(psi) ** 2)
    if pol == "H":
        return np.asarray((s - root) / (s + root))
    return np.asarray((eps * s - root) / (eps * s + root))


def roughness_factor(
    rms_height_m: ArrayLike,
    grazing_rad: ArrayLike,
    wavelength_m: ArrayLike,
    model: str = "miller-brown",
) -> FloatArray:
    """Specular scattering factor ``rho_s`` of a surface of Gaussian heights, standard deviation ``sigma_h``.

    With ``g = 2 pi sigma_h sin(psi) / lambda`` (metres and radians):

    * ``"ament"``: ``rho_s = exp(-2 g^2)`` (Ament, Proc. IRE 41, 1953; Blake, NRL 7098 eq. 20);
    * ``"miller-brown"``: ``rho_s = exp(-2 g^2) I0(2 g^2)`` (Miller, Brown and Vegh, IEE Proc. H 131, 1984),
      ``I0`` the modified Bessel function; it falls off more slowly than Ament's at large ``g``.
    """
    h = _f(rms_height_m)
    if np.any(~(h >= 0)):
        raise ValueError("rms_height_m must be non-negative")
    g = 2 * np.pi * h * np.sin(_f(grazing_rad)) / _f(wavelength_m)
    x = 2 * g**2
    if model == "ament":
        return np.asarray(np.exp(-x))
    if model == "miller-brown":
        # i0e(x) = exp(-x) I0(x) for x >= 0
        return np.asarray(i0e(x), dtype=float)
    raise ValueError(f"model must be 'ament' or 'miller-brown', got {model!r}")


def line_of_sight_range_m(
    radar_height_m: ArrayLike, target_height_m: ArrayLike, k: float = STANDARD_K
) -> FloatArray:
    """Ground range (arc on the ``kR`` sphere) at which the direct ray grazes the smooth earth, metres.

    ``d_los = kR (arctan(sqrt(h1 (2 kR + h1)) / kR) + arctan(sqrt(h2 (2 kR + h2)) / kR))``: the sum of the
    arcs to the two tangent points, ``arccos(kR / (kR + h))`` each; ``~ sqrt(2 kR h1) + sqrt(2 kR h2)``
    (ITU-R P.526 sec. 3.2, "marginal line-of-sight distance").
    """
    ae = effective_earth_radius_m(k)
    h1, h2 = _f(radar_height_m), _f(target_height_m)
    _check_heights(h1, h2)
    return np.asarray(
        ae * (np.arctan(np.sqrt(h1 * (2 * ae + h1)) / ae) + np.arctan(np.sqrt(h2 * (2 * ae + h2)) / ae))
    )


def reflection_geometry(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    ground_range_m: ArrayLike,
    k: float = STANDARD_K,
) -> ReflectionGeometry:
    """Specular point, grazing angle and path difference over a smooth sphere of radius ``a_e = kR``.

    The specular point's distance from the radar solves Kerr's cubic
    ``2 d1^3 - 3 d d1^2 + (d^2 - 2 a_e (h1 + h2)) d1 + 2 a_e h1 d = 0``, whose root is
    (Kerr 1951; Blake 1980, ch. 6)::

        p = (2 / sqrt(3)) sqrt(a_e (h1 + h2) + (d / 2)^2)
        Phi = arccos(2 a_e (h1 - h2) d / p^3)
        d1 = d / 2 + p cos((Phi + pi) / 3),   d2 = d - d1

    The lengths then follow from the triangle (earth centre, terminal, specular point) exactly:
    ``R_i^2 = h_i^2 + 4 a_e (a_e + h_i) sin^2(d_i / (2 a_e))``, the direct range likewise, and the path
    difference ``Delta = R1 + R2 - R_d`` (for small angles ``~ 2 h1' h2' / d`` with
    ``h_i' = h_i - d_i^2 / (2 a_e)``). The grazing angle is the elevation of either terminal seen from the
    specular point, ``sin psi_i = (h_i cos(d_i / a_e) - 2 a_e sin^2(d_i / (2 a_e))) / R_i`` (the two agree
    to the accuracy of the cubic; their mean is returned). Valid inside the line-of-sight range
    (:func:`line_of_sight_range_m`); beyond it there is no specular point and the grazing angle is 0.
    """
    ae = effective_earth_radius_m(k)
    h1, h2, d = np.broadcast_arrays(_f(radar_height_m), _f(target_height_m), _f(ground_range_m))
    _check_heights(h1, h2)
    _check_ranges(d)
    d = np.maximum(d, _MIN_RANGE_M)
    p = (2 / np.sqrt(3)) * np.sqrt(ae * (h1 + h2) + (d / 2) ** 2)
    phi_k = np.arccos(np.clip(2 * ae * (h1 - h2) * d / p**3, -1.0, 1.0))
    d1 = np.clip(d / 2 + p * np.cos((phi_k + np.pi) / 3), 0.0, d)
    d2 = d - d1
    a1, a2 = ae + h1, ae + h2
    s1 = np.sin(d1 / (2 * ae))
    s2 = np.sin(d2 / (2 * ae))
    s = np.sin(d / (2 * ae))
    r1 = np.sqrt(h1**2 + 4 * ae * a1 * s1**2)
    r2 = np.sqrt(h2**2 + 4 * ae * a2 * s2**2)
    rd = np.sqrt((h2 - h1) ** 2 + 4 * a1 * a2 * s**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_psi1 = np.where(r1 > 0, (h1 * np.cos(d1 / ae) - 2 * ae * s1**2) / r1, 0.0)
        sin_psi2 = np.where(r2 > 0, (h2 * np.cos(d2 / ae) - 2 * ae * s2**2) / r2, 0.0)
        sin_el_d = ((h2 - h1) - 2 * a2 * s**2) / rd
        sin_el_r = np.where(r1 > 0, -(h1 + 2 * ae * s1**2) / r1, -1.0)
    psi = np.clip(0.5 * (np.arcsin(np.clip(sin_psi1, -1, 1)) + np.arcsin(np.clip(sin_psi2, -1, 1))), 0, None)
    return ReflectionGeometry(
        d1_m=np.asarray(d1),
        d2_m=np.asarray(d2),
        grazing_rad=np.asarray(psi),
        path_difference_m=np.asarray(np.maximum(r1 + r2 - rd, 0.0)),
        direct_elevation_rad=np.asarray(np.arcsin(np.clip(sin_el_d, -1, 1))),
        reflected_elevation_rad=np.asarray(np.arcsin(np.clip(sin_el_r, -1, 1))),
        direct_range_m=np.asarray(rd),
    )


def divergence_factor(
    d1_m: ArrayLike, d2_m: ArrayLike, grazing_rad: ArrayLike, k: float = STANDARD_K
) -> FloatArray:
    """Divergence factor of the reflected ray from a sphere of radius ``a_e = kR``.

    ``D = (1 + 2 d1 d2 / (a_e d sin psi))^(-1/2)``, ``d = d1 + d2`` (Kerr 1951; Blake 1980, ch. 6): the
    spreading of a ray bundle reflected from a convex surface. ``D -> 1`` at short
    range or steep grazing, ``D -> 0`` at the horizon (``psi -> 0``).
    """
    ae = effective_earth_radius_m(k)
    d1, d2, psi = np.broadcast_arrays(_f(d1_m), _f(d2_m), _f(grazing_rad))
    d = d1 + d2
    sin_psi = np.sin(psi)
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where(d1 * d2 > 0, 2 * d1 * d2 / (ae * d * sin_psi), 0.0)
    return np.asarray(np.where(np.isfinite(term), 1.0 / np.sqrt(1.0 + term), 0.0))


def surface_admittance_factor(
    frequency_hz: float, surface: Surface, polarization: str, k: float = STANDARD_K
) -> float:
    """Normalised surface admittance ``K`` of ITU-R P.526 sec. 3.1.1.1.

    ``K_H = 0.36 (a_e f)^(-1/3) ((eps_r - 1)^2 + (18 000 sigma / f)^2)^(-1/4)`` and
    ``K_V = K_H (eps_r^2 + (18 000 sigma / f)^2)^(1/2)``, with ``a_e`` in km and ``f`` in MHz
    (``18 000 sigma / f = 60 lambda sigma``). The same factor written in GHz, ``0.036 (a_e f)^(-1/3)``,
    is eq. 29 of ITU-R P.1812-4 (sec. 4.3.3).
    """
    pol = _check_polarization(polarization)
    f_mhz = _check_frequency(frequency_hz) / 1e6
    ae_km = effective_earth_radius_m(k) / 1e3
    eps = surface.relative_permittivity
    x = 18_000.0 * surface.conductivity_s_per_m / f_mhz
    kh = 0.36 * (ae_km * f_mhz) ** (-1 / 3) * ((eps - 1) ** 2 + x**2) ** (-0.25)
    return float(kh if pol == "H" else kh * np.sqrt(eps**2 + x**2))


def smooth_earth_diffraction_db(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    ground_range_m: ArrayLike,
    frequency_hz: float,
    surface: Surface | None = None,
    polarization: str = "H",
    k: float = STANDARD_K,
) -> FloatArray:
    """Field beyond the horizon relative to free space, ``20 log10(E / E0)`` dB (negative: a loss).

    First term of the residue series over a smooth sphere, ITU-R P.526-15, "Propagation by diffraction",
    sec. 3.1.1.2 (https://www.itu.int/rec/R-REC-P.526), with ``f`` in MHz, ``a_e`` and ``d`` in km,
    heights in m, ``K`` from :func:`surface_admittance_factor`::

        beta = (1 + 1.6 K^2 + 0.67 K^4) / (1 + 4.5 K^2 + 1.53 K^4)
        X = 2.188 beta f^(1/3) a_e^(-2/3) d
        Y_i = 9.575e-3 beta f^(2/3) a_e^(-1/3) h_i,   B_i = beta Y_i
        F(X) = 11 + 10 log10 X - 17.6 X                    (X >= 1.6)
             = -20 log10 X - 5.6488 X^1.425                (X < 1.6)
        G(Y) = 17.6 (B - 1.1)^(1/2) - 5 log10(B - 1.1) - 8 (B > 2)
             = 20 log10(B + 0.1 B^3)                       (B <= 2),   and G(Y) >= 2 + 20 log10 K
        20 log10(E / E0) = F(X) + G(Y1) + G(Y2)

    The same equations, in GHz, are eqs. 29-36 of ITU-R P.1812-4, sec. 4.3.3 (MATLAB implementation
    ``dl_se_ft_inner``, I. Stevanovic, OFCOM). The Recommendation applies it beyond the
    line-of-sight range, where the first term dominates. ``surface`` defaults to :func:`sea_water`.
    """
    f_hz = _check_frequency(frequency_hz)
    surf = sea_water(f_hz) if surface is None else surface
    h1, h2, d = np.broadcast_arrays(_f(radar_height_m), _f(target_height_m), _f(ground_range_m))
    _check_heights(h1, h2)
    _check_ranges(d)
    kk = surface_admittance_factor(f_hz, surf, polarization, k)
    return _p526_db(h1, h2, np.maximum(d, _MIN_RANGE_M), f_hz, kk, k)


def _p526_db(h1: FloatArray, h2: FloatArray, d: FloatArray, f_hz: float, kk: float, k: float) -> FloatArray:
    f_mhz = f_hz / 1e6
    ae_km = effective_earth_radius_m(k) / 1e3
    beta = (1 + 1.6 * kk**2 + 0.67 * kk**4) / (1 + 4.5 * kk**2 + 1.53 * kk**4)
    x = 2.188 * beta * f_mhz ** (1 / 3) * ae_km ** (-2 / 3) * (d / 1e3)
    with np.errstate(divide="ignore", invalid="ignore"):
        fx = np.where(x >= 1.6, 11 + 10 * np.log10(x) - 17.6 * x, -20 * np.log10(x) - 5.6488 * x**1.425)
    y_scale = 9.575e-3 * beta * f_mhz ** (2 / 3) * ae_km ** (-1 / 3)
    return np.asarray(
        fx + _height_gain_db(beta * y_scale * h1, kk) + _height_gain_db(beta * y_scale * h2, kk)
    )


def _height_gain_db(b: FloatArray, kk: float) -> FloatArray:
    """ITU-R P.526 height-gain ``G(Y)`` as a function of ``B = beta Y``, with its floor ``2 + 20 log10 K``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        far = 17.6 * np.sqrt(np.maximum(b - 1.1, 1e-300)) - 5 * np.log10(np.maximum(b - 1.1, 1e-300)) - 8
        near = 20 * np.log10(b + 0.1 * b**3)
        g = np.where(b > 2, far, near)
    return np.asarray(np.maximum(g, 2 + 20 * np.log10(kk)))


def _tangent_distance(h: FloatArray, t: FloatArray, ae: float) -> FloatArray:
    """``a_e (sqrt(t^2 + 2 h / a_e) - t)`` as ``2 h / (sqrt(t^2 + 2 h / a_e) + t)``, without cancellation."""
    return np.asarray(2 * h / (np.sqrt(t**2 + 2 * h / ae) + t))


def interference_limit_range_m(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    frequency_hz: float,
    k: float = STANDARD_K,
) -> FloatArray:
    """Ground range ``d_q`` at which the path difference falls to a quarter wavelength (Blake's limit).

    Blake (NRL Report 7098; MATLAB ``radarvcd``) computes the reflection-interference field only where
    ``Delta >= lambda / 4``. Parametrised by ``t = tan(psi)``, the specular geometry over a sphere gives
    the distances from the specular point ``d_i = a_e (sqrt(t^2 + 2 h_i / a_e) - t)`` (from the heights
    ``h_i = d_i t + d_i^2 / (2 a_e)``, the tangent plane at the specular point plus the earth's drop) and
    ``Delta ~ 2 t^2 d1 d2 / (d1 + d2)``, so ``Delta = lambda / 4`` at
    ``t^2 = (lambda / 8) (1 / d1 + 1 / d2)``. That fixed point is iterated from below (the right-hand side
    grows with ``t``), and ``d_q = d1 + d2``, no more than the line-of-sight
    range. ``d_q = 0`` when a terminal is on the surface. Metres.
    """
    lam = SPEED_OF_LIGHT_M_S / _check_frequency(frequency_hz)
    ae = effective_earth_radius_m(k)
    h1, h2 = np.broadcast_arrays(_f(radar_height_m), _f(target_height_m))
    _check_heights(h1, h2)
    ok = (h1 > 0) & (h2 > 0)
    g1 = np.where(ok, h1, 1.0)
    g2 = np.where(ok, h2, 1.0)
    # the root lies above both the curved-earth (t -> 0) and the flat-earth (d_i = h_i / t) estimates; for
    # heights of a small fraction of a wavelength t overflows to infinity and d_q to 0 (no such region)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        t = np.maximum(
            np.sqrt(lam / 8 * (1 / np.sqrt(2 * ae * g1) + 1 / np.sqrt(2 * ae * g2))),
            lam / 8 * (1 / g1 + 1 / g2),
        )
        for _ in range(_FIXED_POINT_STEPS):
            d1, d2 = _tangent_distance(g1, t, ae), _tangent_distance(g2, t, ae)
            t = np.sqrt(lam / 8 * (1 / d1 + 1 / d2))
        d1, d2 = _tangent_distance(g1, t, ae), _tangent_distance(g2, t, ae)
        d_q = np.where(np.isfinite(d1 + d2), d1 + d2, 0.0)
    d_los = line_of_sight_range_m(h1, h2, k)
    return np.asarray(np.where(ok, np.minimum(d_q, d_los), 0.0))


def interference_factor(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    ground_range_m: ArrayLike,
    frequency_hz: float,
    *,
    polarization: str = "H",
    surface: Surface | None = None,
    k: float = STANDARD_K,
    beam: ElevationBeam | None = None,
    roughness_model: str = "miller-brown",
) -> FloatArray:
    """Two-ray (direct plus specular reflection) pattern propagation factor ``F``, linear amplitude.

    ``F = | f(theta_d) + f(theta_r) rho_s D Gamma exp(-j 2 pi Delta / lambda) |`` (Blake 1980, ch. 6;
    NRL Report 7098, eqs. 7-9 as in MATLAB ``radarvcd``): ``Gamma`` the Fresnel coefficient
    (:func:`fresnel_reflection`) at the grazing angle, ``D`` the divergence factor
    (:func:`divergence_factor`), ``rho_s`` the roughness factor (:func:`roughness_factor`), ``Delta`` the
    path difference and ``theta_d``, ``theta_r`` the direct and reflected rays' elevations at the radar
    (:func:`reflection_geometry`), ``f`` the antenna's elevation pattern (1 without a ``beam``). Ray optics
    only: use it inside :func:`interference_limit_range_m`; :func:`propagation_factor` joins it to the
    diffraction region.
    """
    f_hz = _check_frequency(frequency_hz)
    _check_polarization(polarization)
    surf = sea_water(f_hz) if surface is None else surface
    geo = reflection_geometry(radar_height_m, target_height_m, ground_range_m, k)
    return _interference(geo, f_hz, polarization, surf, k, beam, roughness_model)


def _interference(
    geo: ReflectionGeometry,
    f_hz: float,
    polarization: str,
    surface: Surface,
    k: float,
    beam: ElevationBeam | None,
    roughness_model: str,
) -> FloatArray:
    lam = SPEED_OF_LIGHT_M_S / f_hz
    eps = complex_permittivity(surface.relative_permittivity, surface.conductivity_s_per_m, f_hz)
    gamma = fresnel_reflection(geo.grazing_rad, eps, polarization)
    rho = roughness_factor(surface.rms_height_m, geo.grazing_rad, lam, roughness_model)
    div = divergence_factor(geo.d1_m, geo.d2_m, geo.grazing_rad, k)
    reflected = rho * div * gamma * np.exp(-2j * np.pi * geo.path_difference_m / lam)
    if beam is None:
        return np.asarray(np.abs(1.0 + reflected))
    axis = beam.axis_rad(geo.direct_elevation_rad)
    fd = beam.pattern(geo.direct_elevation_rad, axis)
    fr = beam.pattern(geo.reflected_elevation_rad, axis)
    return np.asarray(np.abs(fd + fr * reflected))


def _diffraction_db(
    h1: FloatArray,
    h2: FloatArray,
    d: FloatArray,
    f_hz: float,
    kk: float,
    k: float,
    beam: ElevationBeam | None,
) -> FloatArray:
    db = _p526_db(h1, h2, np.maximum(d, _MIN_RANGE_M), f_hz, kk, k)
    if beam is None:
        return db
    ae = effective_earth_radius_m(k)
    horizon_elevation = -np.arctan(np.sqrt(h1 * (2 * ae + h1)) / ae)
    axis = beam.axis_rad(horizon_elevation)
    gain = np.maximum(np.abs(beam.pattern(horizon_elevation, axis)), MIN_FACTOR)
    return np.asarray(db + 20 * np.log10(gain))


def _to_db(factor: FloatArray) -> FloatArray:
    return np.asarray(20 * np.log10(np.maximum(factor, MIN_FACTOR)))


def propagation_factor(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    ground_range_m: ArrayLike,
    frequency_hz: float,
    *,
    polarization: str = "H",
    surface: Surface | None = None,
    k: float = STANDARD_K,
    beam: ElevationBeam | None = None,
    roughness_model: str = "miller-brown",
) -> FloatArray:
    """One-way pattern propagation factor ``F`` (linear field amplitude, >= 0) over a smooth earth.

    Heights above the smooth surface and ground range (arc along the ``kR`` earth) in metres, broadcast
    together; ``frequency_hz`` a scalar. Interference region (ray optics, :func:`interference_factor`)
    for ``d <= d_q`` (:func:`interference_limit_range_m`, ``Delta = lambda / 4``), diffraction region
    (ITU-R P.526 first term, :func:`smooth_earth_diffraction_db`) for ``d >= d_los``
    (:func:`line_of_sight_range_m`), and ``20 log10 F`` linear in ``d`` between the two (module
    docstring). With a ``beam``, the diffraction value is multiplied by the pattern at the elevation of
    the radar's horizon ray, along which the diffracted energy leaves the antenna.
    ``surface`` defaults to smooth sea water (:func:`sea_water`). The SNR of the radar equation gains
    ``40 log10 F`` dB (:func:`two_way_propagation_factor_db`).
    """
    f_hz = _check_frequency(frequency_hz)
    _check_polarization(polarization)
    if roughness_model not in ("ament", "miller-brown"):
        raise ValueError(f"roughness_model must be 'ament' or 'miller-brown', got {roughness_model!r}")
    surf = sea_water(f_hz) if surface is None else surface
    effective_earth_radius_m(k)
    hr, ht, d = _f(radar_height_m), _f(target_height_m), _f(ground_range_m)
    _check_heights(hr, ht)
    _check_ranges(d)
    shape = np.broadcast_shapes(hr.shape, ht.shape, d.shape)
    kk = surface_admittance_factor(f_hz, surf, polarization, k)

    # region borders depend on the heights only: computed once per height pair
    h1s, h2s = np.broadcast_arrays(hr, ht)
    d_los_s = line_of_sight_range_m(h1s, h2s, k)
    d_q_s = interference_limit_range_m(h1s, h2s, f_hz, k)
    h1, h2, dd = (np.broadcast_to(a, shape) for a in (hr, ht, d))
    d_los = np.broadcast_to(d_los_s, shape)
    d_q = np.broadcast_to(d_q_s, shape)

    inter = dd <= d_q
    diff = ~inter & (dd >= d_los)
    mid = ~inter & ~diff
    out = np.empty(shape, dtype=float)
    if inter.any():
        geo = reflection_geometry(h1[inter], h2[inter], dd[inter], k)
        out[inter] = _interference(geo, f_hz, polarization, surf, k, beam, roughness_model)
    if diff.any():
        out[diff] = 10 ** (_diffraction_db(h1[diff], h2[diff], dd[diff], f_hz, kk, k, beam) / 20)
    if mid.any():
        dq, dl = d_q[mid], d_los[mid]
        if h1s.size < out.size:
            # a height pair serves many ranges: the border values once per pair
            geo_q = reflection_geometry(h1s, h2s, d_q_s, k)
            start_db = _to_db(_interference(geo_q, f_hz, polarization, surf, k, beam, roughness_model))
            end_db = _diffraction_db(h1s, h2s, d_los_s, f_hz, kk, k, beam)
            start = np.broadcast_to(start_db, shape)[mid]
            end = np.broadcast_to(end_db, shape)[mid]
        else:
            hm1, hm2 = h1[mid], h2[mid]
            geo_q = reflection_geometry(hm1, hm2, dq, k)
            start = _to_db(_interference(geo_q, f_hz, polarization, surf, k, beam, roughness_model))
            end = _diffraction_db(hm1, hm2, dl, f_hz, kk, k, beam)
        w = (dd[mid] - dq) / (dl - dq)
        out[mid] = 10 ** ((start + w * (end - start)) / 20)
    return out


def propagation_factor_db(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    ground_range_m: ArrayLike,
    frequency_hz: float,
    *,
    polarization: str = "H",
    surface: Surface | None = None,
    k: float = STANDARD_K,
    beam: ElevationBeam | None = None,
    roughness_model: str = "miller-brown",
) -> FloatArray:
    """One-way factor in decibels, ``20 log10 F`` (:func:`propagation_factor`), floored at -300 dB."""
    return _to_db(
        propagation_factor(
            radar_height_m,
            target_height_m,
            ground_range_m,
            frequency_hz,
            polarization=polarization,
            surface=surface,
            k=k,
            beam=beam,
            roughness_model=roughness_model,
        )
    )


def two_way_propagation_factor_db(
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    ground_range_m: ArrayLike,
    frequency_hz: float,
    *,
    polarization: str = "H",
    surface: Surface | None = None,
    k: float = STANDARD_K,
    beam: ElevationBeam | None = None,
    roughness_model: str = "miller-brown",
) -> FloatArray:
    """Monostatic two-way factor ``40 log10 F`` dB: the term to add to the free-space SNR in dB."""
    return np.asarray(
        2.0
        * propagation_factor_db(
            radar_height_m,
            target_height_m,
            ground_range_m,
            frequency_hz,
            polarization=polarization,
            surface=surface,
            k=k,
            beam=beam,
            roughness_model=roughness_model,
        )
    )
