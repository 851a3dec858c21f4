"""Surface clutter at analysis level: constant-gamma reflectivity, the clutter cell, and what clutter
left after the radar's clutter suppression does to the signal-to-noise ratio.

No waveform or Doppler processing: a radar's MTI or pulse-Doppler processing enters as one *improvement
factor* ``I`` (the ratio of signal-to-clutter ratio at its output to that at its input, averaged over
target speeds; IEEE Std 686), and detection is decided by the signal-to-clutter-plus-noise ratio

    SCNR = S / (N + C / I),   i.e.   SCNR_dB = SNR_dB - 10 log10(1 + CNR / I)

(Skolnik, Introduction to Radar Systems, 3rd ed., 2001, sec. 3.5 and 7.4; Barton, Radar Equations for
Modern Radar, 2013, ch. 3).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics.propagation import STANDARD_K, effective_earth_radius_m

FloatArray = NDArray[np.float64]

#: Frequency (Hz) at which the constant-gamma values of the catalog's surfaces are given.
GAMMA_REFERENCE_HZ = 10e9


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def gamma_at_db(gamma_10ghz_db: ArrayLike, frequency_hz: ArrayLike) -> FloatArray:
    """Constant-gamma value (dB) at a frequency, from its value at 10 GHz: ``gamma + 5 log10(f / 10 GHz)``
    (the frequency scaling of MathWorks' ``surfacegamma``, after Nathanson, Radar Design Principles, 1999)."""
    f = _f(frequency_hz)
    if np.any(f <= 0):
        raise ValueError("frequency_hz must be positive")
    return np.asarray(_f(gamma_10ghz_db) + 5.0 * np.log10(f / GAMMA_REFERENCE_HZ))


def constant_gamma_sigma0(gamma_db: ArrayLike, grazing_rad: ArrayLike) -> FloatArray:
    """Clutter reflectivity ``sigma0 = gamma sin(psi)`` (m² per m² of surface, linear) at grazing angle
    ``psi`` (rad; none below zero) for a surface of constant gamma ``gamma_db`` (Barton 2013, eq. 3.2.8;
    Nathanson 1999, ch. 7)."""
    psi = _f(grazing_rad)
    return np.asarray(10.0 ** (_f(gamma_db) / 10.0) * np.sin(np.clip(psi, 0.0, np.pi / 2)))


def grazing_angle_rad(
    slant_range_m: ArrayLike, radar_height_m: ArrayLike, k: float = STANDARD_K
) -> FloatArray:
    """Grazing angle (rad) at the surface point at a slant range from a radar at a height above a smooth
    k-factor earth: ``sin(psi) = (2 a h + h^2 - R^2) / (2 a R)``, ``a = kR_e`` (the law of cosines in the
    triangle earth centre, radar, surface point; Barton 2013, sec. 8.1). NaN beyond the radar's horizon,
    where the surface is not seen."""
    a = effective_earth_radius_m(k)
    r = _f(slant_range_m)
    h = _f(radar_height_m)
    if np.any(r <= 0):
        raise ValueError("slant_range_m must be positive")
    s = (2 * a * h + h**2 - r**2) / (2 * a * r)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.where(s >= 0, np.arcsin(np.clip(s, 0.0, 1.0)), np.nan))


def clutter_area_m2(
    slant_range_m: ArrayLike,
    azimuth_beamwidth_rad: ArrayLike,
    range_resolution_m: ArrayLike,
    grazing_rad: ArrayLike,
) -> FloatArray:
    """Area (m²) of the surface in one resolution cell at low grazing angles (pulse-limited):
    ``A = R theta_az dR sec(psi)`` (Skolnik 2001, eq. 7.3)."""
    return np.asarray(
        _f(slant_range_m) * _f(azimuth_beamwidth_rad) * _f(range_resolution_m) / np.cos(_f(grazing_rad))
    )


def clutter_loss_db(cnr_db: ArrayLike, improvement_factor_db: ArrayLike) -> FloatArray:
    """What clutter takes from the signal-to-noise ratio, dB: ``10 log10(1 + CNR / I)``, so that
    ``SCNR_dB = SNR_dB - loss`` (module docstring). ``cnr_db`` is the clutter-to-noise ratio at the
    processor's input, ``improvement_factor_db`` the processing's improvement factor."""
    return np.asarray(10.0 * np.log10(1.0 + 10.0 ** ((_f(cnr_db) - _f(improvement_factor_db)) / 10.0)))
