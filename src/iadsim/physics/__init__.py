"""Pure radar physics: arrays in, arrays out, SI units. Imports nothing else of iadsim.

Names load on first use (PEP 562), so code that needs only the geometry does not import scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "detection": (
        "albersheim_snr_db",
        "detection_probability",
        "required_snr_db",
        "shnidman_snr_db",
        "threshold",
    ),
    "propagation": (
        "EARTH_RADIUS_M",
        "STANDARD_K",
        "effective_earth_radius_m",
        "elevation_angle_rad",
        "ground_range_m",
        "horizon_height_m",
        "in_azimuth_sector",
        "radar_horizon_m",
        "slant_range_from_ground_m",
        "target_height_m",
    ),
    "radar": (
        "calibrated_range_m",
        "calibrated_snr_db",
        "radar_range_m",
        "radar_snr_db",
        "system_noise_temperature_k",
        "wavelength_m",
    ),
    "vertical": ("VerticalCoverage", "horizon_limited_range_m", "vertical_coverage"),
    "kinematics": ("BoostCoast", "intercept_time_s"),
    "ballistic": (
        "BallisticTrajectory",
        "FreeFlight",
        "ballistic_trajectory",
        "profile_trajectory",
        "track_on_ellipsoid",
    ),
    "clutter": (
        "clutter_area_m2",
        "clutter_loss_db",
        "constant_gamma_sigma0",
        "gamma_at_db",
        "grazing_angle_rad",
    ),
    "multipath": (
        "ElevationBeam",
        "ReflectionGeometry",
        "Surface",
        "complex_permittivity",
        "divergence_factor",
        "fresnel_reflection",
        "interference_factor",
        "interference_limit_range_m",
        "line_of_sight_range_m",
        "propagation_factor",
        "propagation_factor_db",
        "reflection_geometry",
        "roughness_factor",
        "sea_water",
        "smooth_earth_diffraction_db",
        "surface_admittance_factor",
        "two_way_propagation_factor_db",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "EARTH_RADIUS_M",
    "STANDARD_K",
    "BallisticTrajectory",
    "BoostCoast",
    "ElevationBeam",
    "FreeFlight",
    "ReflectionGeometry",
    "Surface",
    "VerticalCoverage",
    "albersheim_snr_db",
    "ballistic_trajectory",
    "calibrated_range_m",
    "calibrated_snr_db",
    "clutter_area_m2",
    "clutter_loss_db",
    "complex_permittivity",
    "constant_gamma_sigma0",
    "detection_probability",
    "divergence_factor",
    "effective_earth_radius_m",
    "elevation_angle_rad",
    "fresnel_reflection",
    "gamma_at_db",
    "grazing_angle_rad",
    "ground_range_m",
    "horizon_height_m",
    "horizon_limited_range_m",
    "in_azimuth_sector",
    "intercept_time_s",
    "interference_factor",
    "interference_limit_range_m",
    "line_of_sight_range_m",
    "profile_trajectory",
    "propagation_factor",
    "propagation_factor_db",
    "radar_horizon_m",
    "radar_range_m",
    "radar_snr_db",
    "reflection_geometry",
    "required_snr_db",
    "roughness_factor",
    "sea_water",
    "shnidman_snr_db",
    "slant_range_from_ground_m",
    "smooth_earth_diffraction_db",
    "surface_admittance_factor",
    "system_noise_temperature_k",
    "target_height_m",
    "threshold",
    "track_on_ellipsoid",
    "two_way_propagation_factor_db",
    "vertical_coverage",
    "wavelength_m",
]


def __getattr__(name: str) -> Any:
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f"iadsim.physics.{_MODULE_OF[name]}"), name)
        globals()[name] = value
        return value
    if name in _WHERE:
        return importlib.import_module(f"iadsim.physics.{name}")
    raise AttributeError(f"module 'iadsim.physics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_WHERE])


if TYPE_CHECKING:
    from iadsim.physics.ballistic import (
        BallisticTrajectory,
        FreeFlight,
        ballistic_trajectory,
        profile_trajectory,
        track_on_ellipsoid,
    )
    from iadsim.physics.clutter import (
        clutter_area_m2,
        clutter_loss_db,
        constant_gamma_sigma0,
        gamma_at_db,
        grazing_angle_rad,
    )
    from iadsim.physics.detection import (
        albersheim_snr_db,
        detection_probability,
        required_snr_db,
        shnidman_snr_db,
        threshold,
    )
    from iadsim.physics.kinematics import BoostCoast, intercept_time_s
    from iadsim.physics.multipath import (
        ElevationBeam,
        ReflectionGeometry,
        Surface,
        complex_permittivity,
        divergence_factor,
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
    from iadsim.physics.propagation import (
        EARTH_RADIUS_M,
        STANDARD_K,
        effective_earth_radius_m,
        elevation_angle_rad,
        ground_range_m,
        horizon_height_m,
        in_azimuth_sector,
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
