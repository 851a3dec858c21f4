"""The radar range equation against MATLAB's documented examples, and calibrated scaling laws."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.constants import c

from iadsim.physics import (
    calibrated_range_m,
    calibrated_snr_db,
    radar_range_m,
    radar_snr_db,
    required_snr_db,
    system_noise_temperature_k,
    wavelength_m,
)


def test_matches_matlab_radareqsnr_examples() -> None:
    # MATLAB Radar Toolbox `radareqsnr` documentation examples (4 decimals printed):
    # 1 GHz, 50 km, 1 MW, 0.2 us pulse, 20 dB gain, 1 m^2, 290 K -> 5.5868 dB
    snr = radar_snr_db(
        peak_power_w=1e6,
        gain_db=20,
        wavelength_m=c / 1e9,
        rcs_m2=1.0,
        range_m=50e3,
        bandwidth_hz=1 / 0.2e-6,
        noise_temperature_k=290,
    )
    assert float(snr) == pytest.approx(5.5868, abs=1e-4)
    # 10 GHz, 100 km, 1 MW, 1 us, 40 dB gain, 0.5 m^2, 300 K, 3 dB loss -> 14.3778 dB
    snr = radar_snr_db(
        peak_power_w=1e6,
        gain_db=40,
        wavelength_m=c / 10e9,
        rcs_m2=0.5,
        range_m=100e3,
        bandwidth_hz=1e6,
        noise_temperature_k=300,
        losses_db=3,
    )
    assert float(snr) == pytest.approx(14.3778, abs=1e-4)


def test_matches_matlab_radareqpow_example() -> None:
    # MATLAB `radareqpow`: 6 dB at 50 km, 1 GHz, 1 us, 20 dB gain needs Pt = 2.1996e5 W; so that power's
    # range for 6 dB is 50 km to the 5 printed digits.
    r = radar_range_m(
        snr_db=6,
        peak_power_w=2.1996e5,
        gain_db=20,
        wavelength_m=c / 1e9,
        rcs_m2=1.0,
        bandwidth_hz=1e6,
        noise_temperature_k=290,
    )
    assert float(r) == pytest.approx(50e3, rel=1e-4 / 4)


def test_scaling_laws() -> None:
    base = {"gain_db": 35.0, "wavelength_m": 0.1, "rcs_m2": 1.0, "bandwidth_hz": 1e6, "noise_figure_db": 3.0}
    s1 = radar_snr_db(peak_power_w=1e5, range_m=100e3, **base)
    assert float(radar_snr_db(peak_power_w=2e5, range_m=100e3, **base) - s1) == pytest.approx(
        10 * np.log10(2)
    )
    assert float(s1 - radar_snr_db(peak_power_w=1e5, range_m=200e3, **base)) == pytest.approx(
        40 * np.log10(2)
    )
    assert float(system_noise_temperature_k(3.0)) == pytest.approx(290 * 10**0.3)
    with pytest.raises(ValueError, match="exactly one"):
        radar_snr_db(peak_power_w=1e5, range_m=1e3, noise_temperature_k=290, **base)


def test_wavelength() -> None:
    assert float(wavelength_m(3e9)) == pytest.approx(0.0999308, rel=1e-6)


def test_calibrated_form_passes_through_its_reference() -> None:
    ref_snr = float(required_snr_db(0.5, 1e-6, 1, 1))
    assert float(calibrated_snr_db(400e3, 4.0, 400e3, 4.0, ref_snr)) == pytest.approx(ref_snr)
    assert float(calibrated_range_m(ref_snr, 4.0, 400e3, 4.0, ref_snr)) == pytest.approx(400e3)


def test_detection_range_scales_as_rcs_to_the_quarter() -> None:
    ref_snr = float(required_snr_db(0.5, 1e-6, 1, 1))
    rcs = np.array([1e-3, 1e-2, 0.1, 1.0, 10.0])
    r = calibrated_range_m(ref_snr, rcs, 300e3, 1.0, ref_snr)
    assert r == pytest.approx(300e3 * rcs**0.25)
    # and the calibrated SNR at that range equals the reference SNR again
    assert calibrated_snr_db(r, rcs, 300e3, 1.0, ref_snr) == pytest.approx(np.full(5, ref_snr))


def test_calibrated_equals_explicit_equation() -> None:
    # Calibrating on one point of an explicit radar reproduces the explicit equation elsewhere.
    radar = {
        "peak_power_w": 5e5,
        "gain_db": 38.0,
        "wavelength_m": 0.1,
        "bandwidth_hz": 2e6,
        "noise_figure_db": 4.0,
        "losses_db": 5.0,
    }
    ref = float(radar_snr_db(rcs_m2=2.0, range_m=150e3, **radar))
    r = np.array([20e3, 80e3, 300e3])
    rcs = np.array([0.01, 1.0, 5.0])
    assert calibrated_snr_db(r, rcs, 150e3, 2.0, ref) == pytest.approx(
        radar_snr_db(rcs_m2=rcs, range_m=r, **radar)
    )
