"""Detection range limited by the radar horizon, and vertical coverage (Blake chart) data."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics.propagation import (
    STANDARD_K,
    effective_earth_radius_m,
    ground_range_m,
    radar_horizon_m,
    target_height_m,
)

FloatArray = NDArray[np.float64]


def horizon_limited_range_m(
    free_space_range_m: ArrayLike,
    radar_height_m: ArrayLike,
    target_height_m: ArrayLike,
    k: float = STANDARD_K,
) -> FloatArray:
    """Detection range over a smooth k-factor earth: the smaller of the free-space range and the horizon.

    ``min(R_fs, sqrt(h_r (2kR + h_r)) + sqrt(h_t (2kR + h_t)))``; heights above the smooth earth, metres.
    Multipath (lobing and the loss near grazing) is not modelled.
    """
    return np.asarray(
        np.minimum(
            np.asarray(free_space_range_m, dtype=float), radar_horizon_m(radar_height_m, target_height_m, k)
        )
    )


class VerticalCoverage(NamedTuple):
    """Boundary of the coverage region in a vertical plane, from the radar outward and back.

    ``ground_range_m`` and ``height_m`` trace the polygon: along the lowest ray, around the free-space range
    arc, and back along the highest ray. ``elevation_rad`` is the ray elevation at each point.
    """

    elevation_rad: FloatArray
    slant_range_m: FloatArray
    ground_range_m: FloatArray
    height_m: FloatArray


def vertical_coverage(
    free_space_range_m: float,
    radar_height_m: float,
    min_elevation_rad: float,
    max_elevation_rad: float,
    k: float = STANDARD_K,
    n: int = 256,
) -> VerticalCoverage:
    """Blake-chart coverage of a radar with a flat elevation pattern between two elevation limits.

    The detection range is ``free_space_range_m`` at every elevation in the limits (a flat pattern, no
    multipath lobing); each ray's points are placed over the k-factor earth with
    :func:`~iadsim.physics.propagation.target_height_m` and
    :func:`~iadsim.physics.propagation.ground_range_m` (L. V. Blake, Radar Range-Performance Analysis, 1980,
    ch. 2). Rays below the grazing ray ``-arccos(kR / (kR + h_r))`` meet the earth, so the lower limit is
    raised to it.
    """
    if not min_elevation_rad < max_elevation_rad:
        raise ValueError("min_elevation_rad must be below max_elevation_rad")
    if free_space_range_m <= 0:
        raise ValueError("free_space_range_m must be positive")
    re = effective_earth_radius_m(k)
    grazing = -float(np.arccos(re / (re + radar_height_m)))
    lo = max(min_elevation_rad, grazing)
    arc = np.linspace(lo, max_elevation_rad, n)
    ray = np.linspace(0.0, free_space_range_m, n)
    elevation = np.concatenate([np.full(n, lo), arc, np.full(n, max_elevation_rad)])
    slant = np.concatenate([ray, np.full(n, free_space_range_m), ray[::-1]])
    height = target_height_m(slant, elevation, radar_height_m, k)
    if lo == grazing:  # the grazing ray touches the earth: clip float noise below the surface
        height = np.maximum(height, 0.0)
    ground = ground_range_m(slant, height, radar_height_m, k)
    return VerticalCoverage(elevation, slant, ground, height)
