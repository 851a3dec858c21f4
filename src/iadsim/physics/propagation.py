"""Line-of-sight geometry over a smooth earth of effective radius ``k R`` (the k-factor model).

Refraction in a standard atmosphere bends radio rays downward; the k-factor model replaces it by straight
rays over an earth of radius ``k R`` with ``k = 4/3``. All heights are above the smooth earth (sea level),
in metres; elevation angles are in radians from the local horizontal at the radar. The formulas are the
plane geometry of the triangle (earth centre, radar, target): Skolnik, Introduction to Radar Systems,
3rd ed., section 8.2; Doerry, "Earth curvature and atmospheric refraction effects on radar signal
propagation", Sandia SAND2012-10690 (2013); MATLAB Radar Toolbox ``effearthradius``, ``horizonrange``,
``range2height``, ``height2el``, ``height2range``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Mean earth radius, metres (the value MATLAB's ``physconst('EarthRadius')`` uses).
EARTH_RADIUS_M = 6_371_000.0
#: The standard-atmosphere k-factor.
STANDARD_K = 4.0 / 3.0


def effective_earth_radius_m(k: float = STANDARD_K) -> float:
    """Effective earth radius ``k R`` in metres, ``R`` = 6 371 km."""
    if not k > 0:
        raise ValueError(f"k must be positive, got {k}")
    return k * EARTH_RADIUS_M


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def radar_horizon_m(
    radar_height_m: ArrayLike, target_height_m: ArrayLike = 0.0, k: float = STANDARD_K
) -> FloatArray:
    """Longest line-of-sight (slant) range between a radar and a target over a smooth k-factor earth.

    ``d = sqrt(h_r (2 kR + h_r)) + sqrt(h_t (2 kR + h_t))``: the two tangent lengths to the grazing point.
    For heights much below ``kR`` this is the familiar ``sqrt(2 kR) (sqrt(h_r) + sqrt(h_t))``,
    4.12 km per sqrt(m) for k = 4/3 (Skolnik 2001, eq. 8.3).
    """
    re = effective_earth_radius_m(k)
    hr = _f(radar_height_m)
    ht = _f(target_height_m)
    if np.any(hr < 0) or np.any(ht < 0):
        raise ValueError("heights above the smooth earth must be non-negative")
    return np.asarray(np.sqrt(hr * (2 * re + hr)) + np.sqrt(ht * (2 * re + ht)))


def target_height_m(
    slant_range_m: ArrayLike, elevation_rad: ArrayLike, radar_height_m: ArrayLike = 0.0, k: float = STANDARD_K
) -> FloatArray:
    """Height of a target seen at a slant range and elevation angle (MATLAB ``range2height``).

    ``h_t = sqrt(r^2 + (kR + h_r)^2 + 2 r (kR + h_r) sin(el)) - kR``.
    """
    re = effective_earth_radius_m(k)
    r = _f(slant_range_m)
    a = re + _f(radar_height_m)
    return np.asarray(np.sqrt(r**2 + a**2 + 2 * r * a * np.sin(_f(elevation_rad))) - re)


def elevation_angle_rad(
    slant_range_m: ArrayLike,
    target_height_m: ArrayLike,
    radar_height_m: ArrayLike = 0.0,
    k: float = STANDARD_K,
) -> FloatArray:
    """Elevation angle at the radar of a target at a slant range and height (MATLAB ``height2el``).

    ``sin(el) = ((kR + h_t)^2 - (kR + h_r)^2 - r^2) / (2 r (kR + h_r))``.
    """
    re = effective_earth_radius_m(k)
    r = _f(slant_range_m)
    a = re + _f(radar_height_m)
    b = re + _f(target_height_m)
    return np.asarray(np.arcsin(np.clip((b**2 - a**2 - r**2) / (2 * r * a), -1.0, 1.0)))


def ground_range_m(
    slant_range_m: ArrayLike,
    target_height_m: ArrayLike,
    radar_height_m: ArrayLike = 0.0,
    k: float = STANDARD_K,
) -> FloatArray:
    """Distance along the earth's surface below the ray (arc on the effective earth, ``kR * angle``).

    The central angle follows from the law of cosines in the triangle (centre, radar, target).
    """
    re = effective_earth_radius_m(k)
    r = _f(slant_range_m)
    a = re + _f(radar_height_m)
    b = re + _f(target_height_m)
    cos_phi = np.clip((a**2 + b**2 - r**2) / (2 * a * b), -1.0, 1.0)
    return np.asarray(re * np.arccos(cos_phi))


def slant_range_from_ground_m(
    ground_range_m: ArrayLike,
    target_height_m: ArrayLike,
    radar_height_m: ArrayLike = 0.0,
    k: float = STANDARD_K,
) -> FloatArray:
    """Slant range for a ground range (arc on the effective earth) and the two heights (law of cosines)."""
    re = effective_earth_radius_m(k)
    phi = _f(ground_range_m) / re
    a = re + _f(radar_height_m)
    b = re + _f(target_height_m)
    return np.asarray(np.sqrt(np.maximum(a**2 + b**2 - 2 * a * b * np.cos(phi), 0.0)))


def horizon_height_m(
    ground_range_m: ArrayLike, radar_height_m: ArrayLike = 0.0, k: float = STANDARD_K
) -> FloatArray:
    """Lowest height visible at a ground range over a smooth k-factor earth (the smooth-earth radar floor).

    Zero inside the radar's horizon ``g_h = kR arccos(kR / (kR + h_r))``; beyond it
    ``h = kR / cos(g / kR - g_h / kR) - kR``: the grazing ray's height.
    """
    re = effective_earth_radius_m(k)
    hr = _f(radar_height_m)
    g = _f(ground_range_m)
    phi_h = np.arccos(re / (re + hr))
    beyond = np.maximum(g / re - phi_h, 0.0)
    return np.asarray(re / np.cos(beyond) - re)


def in_azimuth_sector(
    east_m: ArrayLike, north_m: ArrayLike, facing_rad: float, width_rad: float
) -> NDArray[np.bool_]:
    """Whether points at ``(east, north)`` from a radar lie in its azimuth sector: a width ``width_rad``
    centred on the azimuth ``facing_rad`` (clockwise from north, radians).

    The azimuth is ``atan2(east, north)``; a point is inside when its azimuth differs from the facing by at
    most half the width, the difference taken in ``(-pi, pi]``. A width of ``2 pi`` or more is all round.
    """
    if width_rad >= 2 * np.pi:
        return np.ones(np.broadcast(_f(east_m), _f(north_m)).shape, dtype=bool)
    az = np.arctan2(_f(east_m), _f(north_m))
    diff = np.mod(az - facing_rad + np.pi, 2 * np.pi) - np.pi
    return np.asarray(np.abs(diff) <= width_rad / 2)
