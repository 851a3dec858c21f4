"""The radar range equation, in its explicit and its calibrated form.

Explicit form (monostatic, one pulse, matched filter; Skolnik, Introduction to Radar Systems, 3rd ed.,
eq. 2.61; Richards, Fundamentals of Radar Signal Processing, eq. 2.17; MATLAB ``radareqsnr``)::

    SNR = P_t G_t G_r lambda^2 sigma n / ((4 pi)^3 k_B T_s B R^4 L)

with ``n`` pulses integrated coherently (ideal gain ``n``; for noncoherent integration pass the single-pulse
SNR to :func:`iadsim.physics.detection_probability` with ``n_pulses``).

Calibrated form: the transmitter power and antenna gains of most military radars are not published, but a
detection range ``R_ref`` against a reference RCS ``sigma_ref`` at a stated Pd is. The SNR there is the one
that Pd requires (:func:`iadsim.physics.required_snr_db`), and the equation scales it as ``sigma / R^4``::

    SNR(R, sigma) = SNR_ref + 10 log10(sigma / sigma_ref) - 40 log10(R / R_ref)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.constants import Boltzmann, c

FloatArray = NDArray[np.float64]

#: Standard reference temperature for noise figures, kelvin (IEEE Std 145).
T0_K = 290.0


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def wavelength_m(frequency_hz: ArrayLike) -> FloatArray:
    """Free-space wavelength ``c / f``, metres."""
    return np.asarray(c / _f(frequency_hz))


def system_noise_temperature_k(noise_figure_db: ArrayLike) -> FloatArray:
    """System noise temperature ``T_s = T0 10^(F/10)`` for a noise figure in dB (Skolnik 2001, sec. 2.3)."""
    return np.asarray(T0_K * 10.0 ** (_f(noise_figure_db) / 10.0))


def radar_snr_db(
    *,
    peak_power_w: ArrayLike,
    gain_db: ArrayLike,
    wavelength_m: ArrayLike,
    rcs_m2: ArrayLike,
    range_m: ArrayLike,
    bandwidth_hz: ArrayLike,
    noise_temperature_k: ArrayLike | None = None,
    noise_figure_db: ArrayLike | None = None,
    losses_db: ArrayLike = 0.0,
    n_pulses: ArrayLike = 1,
    receive_gain_db: ArrayLike | None = None,
) -> FloatArray:
    """Signal-to-noise ratio (dB) from the radar range equation (module docstring).

    ``gain_db`` is the transmit gain and, unless ``receive_gain_db`` is given, the receive gain. Give either
    the system noise temperature (K) or the noise figure (dB, ``T_s = 290 K * F``). ``bandwidth_hz`` is the
    noise bandwidth (about the inverse of the compressed pulse length).
    """
    if (noise_temperature_k is None) == (noise_figure_db is None):
        raise ValueError("give exactly one of noise_temperature_k and noise_figure_db")
    if noise_temperature_k is not None:
        ts = _f(noise_temperature_k)
    else:
        assert noise_figure_db is not None
        ts = system_noise_temperature_k(noise_figure_db)
    gr_db = gain_db if receive_gain_db is None else receive_gain_db
    r = _f(range_m)
    if np.any(r <= 0):
        raise ValueError("range_m must be positive")
    num_db = (
        10 * np.log10(_f(peak_power_w))
        + _f(gain_db)
        + _f(gr_db)
        + 20 * np.log10(_f(wavelength_m))
        + 10 * np.log10(_f(rcs_m2))
        + 10 * np.log10(_f(n_pulses))
    )
    den_db = 30 * np.log10(4 * np.pi) + 10 * np.log10(Boltzmann * ts * _f(bandwidth_hz)) + 40 * np.log10(r)
    return np.asarray(num_db - den_db - _f(losses_db))


def radar_range_m(
    *,
    snr_db: ArrayLike,
    peak_power_w: ArrayLike,
    gain_db: ArrayLike,
    wavelength_m: ArrayLike,
    rcs_m2: ArrayLike,
    bandwidth_hz: ArrayLike,
    noise_temperature_k: ArrayLike | None = None,
    noise_figure_db: ArrayLike | None = None,
    losses_db: ArrayLike = 0.0,
    n_pulses: ArrayLike = 1,
    receive_gain_db: ArrayLike | None = None,
) -> FloatArray:
    """Range (m) at which the radar range equation gives ``snr_db`` (MATLAB ``radareqrng``)."""
    snr_at_1m = radar_snr_db(
        peak_power_w=peak_power_w,
        gain_db=gain_db,
        wavelength_m=wavelength_m,
        rcs_m2=rcs_m2,
        range_m=1.0,
        bandwidth_hz=bandwidth_hz,
        noise_temperature_k=noise_temperature_k,
        noise_figure_db=noise_figure_db,
        losses_db=losses_db,
        n_pulses=n_pulses,
        receive_gain_db=receive_gain_db,
    )
    return np.asarray(10.0 ** ((snr_at_1m - _f(snr_db)) / 40.0))


def calibrated_snr_db(
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    reference_range_m: ArrayLike,
    reference_rcs_m2: ArrayLike,
    reference_snr_db: ArrayLike,
) -> FloatArray:
    """SNR (dB) scaled from a calibration point.

    ``SNR_ref + 10 log10(sigma / sigma_ref) - 40 log10(R / R_ref)``.
    """
    r = _f(range_m)
    if np.any(r <= 0):
        raise ValueError("range_m must be positive")
    return np.asarray(
        _f(reference_snr_db)
        + 10.0 * np.log10(_f(rcs_m2) / _f(reference_rcs_m2))
        - 40.0 * np.log10(r / _f(reference_range_m))
    )


def calibrated_range_m(
    snr_db: ArrayLike,
    rcs_m2: ArrayLike,
    reference_range_m: ArrayLike,
    reference_rcs_m2: ArrayLike,
    reference_snr_db: ArrayLike,
) -> FloatArray:
    """Free-space range (m) at which the calibrated equation gives ``snr_db``.

    ``R = R_ref (sigma / sigma_ref)^(1/4) 10^((SNR_ref - SNR) / 40)``: detection range scales as RCS^(1/4).
    """
    return np.asarray(
        _f(reference_range_m)
        * (_f(rcs_m2) / _f(reference_rcs_m2)) ** 0.25
        * 10.0 ** ((_f(reference_snr_db) - _f(snr_db)) / 40.0)
    )
