"""Pure radar physics: arrays in, arrays out, SI units. Imports nothing else of iadsim."""

from iadsim.physics.detection import (
    albersheim_snr_db,
    detection_probability,
    required_snr_db,
    shnidman_snr_db,
    threshold,
)
from iadsim.physics.propagation import (
    EARTH_RADIUS_M,
    STANDARD_K,
    effective_earth_radius_m,
    elevation_angle_rad,
    ground_range_m,
    horizon_height_m,
    radar_horizon_m,
    slant_range_from_ground_m,
    target_height_m,
)
from iadsim.physics.radar import (
    calibrated_range_m,
    calibrated_snr_db,
    radar_range_m,
    radar_snr_db,
    system_noise_temperature_k,
    wavelength_m,
)
from iadsim.physics.vertical import VerticalCoverage, horizon_limited_range_m, vertical_coverage

__all__ = [
    "EARTH_RADIUS_M",
    "STANDARD_K",
    "VerticalCoverage",
    "albersheim_snr_db",
    "calibrated_range_m",
    "calibrated_snr_db",
    "detection_probability",
    "effective_earth_radius_m",
    "elevation_angle_rad",
    "ground_range_m",
    "horizon_height_m",
    "horizon_limited_range_m",
    "radar_horizon_m",
    "radar_range_m",
    "radar_snr_db",
    "required_snr_db",
    "shnidman_snr_db",
    "slant_range_from_ground_m",
    "system_noise_temperature_k",
    "target_height_m",
    "threshold",
    "vertical_coverage",
    "wavelength_m",
]
