"""Numba kernels of the radar floor. Arrays and floats in, arrays out; no I/O, no validation.

Geometry: a k-factor earth of effective radius ``re``; a terrain point at ground distance ``d`` (central
angle ``p = d / re``) and height ``z`` above sea level is seen from an antenna at height ``h0`` under the
elevation angle ``e`` with (plane geometry of the triangle earth centre - antenna - point)::

    tan e = ((re + z) cos p - (re + h0)) / ((re + z) sin p)
          = ((z - h0) - (re + z)(1 - cos p)) / ((re + z) sin p)

and the lowest height visible at angle ``p`` below a ray of elevation ``e`` (``T = tan e``) is::

    H = (re + h0) / (cos p - T sin p) - re = (h0 + re (1 - cos p) + re T sin p) / (cos p - T sin p)

Both are written in the second form, free of cancellation; ``1 - cos p`` and ``sin p`` come from their
Taylor series (exact to 1e-16 for p < 0.3, i.e. ground distances below 2,500 km on a 4/3 earth).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _omc_sin(p: float) -> tuple[float, float]:
    """(1 - cos p, sin p) for a central angle p in radians."""
    if p > 0.3:
        return 1.0 - math.cos(p), math.sin(p)
    p2 = p * p
    omc = p2 * (0.5 - p2 * (1.0 / 24.0 - p2 * (1.0 / 720.0 - p2 * (1.0 / 40320.0 - p2 / 3628800.0))))
    sin = p * (1.0 - p2 * (1.0 / 6.0 - p2 * (1.0 / 120.0 - p2 * (1.0 / 5040.0 - p2 / 362880.0))))
    return omc, sin


@njit(cache=True, inline="always")
def _tan_elevation(z: float, h0: float, d: float, re: float) -> float:
    omc, s = _omc_sin(d / re)
    return ((z - h0) - (re + z) * omc) / ((re + z) * s)


@njit(cache=True, inline="always")
def _lowest_visible(t: float, h0: float, d: float, re: float) -> float:
    """Height above sea level of the ray of elevation tangent ``t`` at ground distance ``d``."""
    omc, s = _omc_sin(d / re)
    den = (1.0 - omc) - t * s
    if den <= 0.0:
        return math.inf
    return (h0 + re * omc + re * t * s) / den


@njit(cache=True)
def _sweep(
    z: np.ndarray,
    nodata: float,
    out: np.ndarray,
    r0: int,
    c0: int,
    h0: float,
    re: float,
    max_range: float,
    s_major: float,
    s_minor: float,
    sign: int,
    strict: bool,
) -> None:
    """Sweep one half-plane of a row-major grid, row by row away from the antenna cell (r0, c0).

    Cells at row offset ``sign * k > 0`` and column offset ``|m| <= k`` (``< k`` if ``strict``) belong to
    this sweep. Rays leave the antenna towards every column offset at the last row ``K``; the running
    maximum elevation tangent of each ray over rows ``1..k-1`` is interpolated linearly between the two
    rays that bracket a cell's own line. Rows are read and written contiguously.
    """
    rows, cols = z.shape
    k_grid = (rows - 1 - r0) if sign > 0 else r0
    k_range = int(math.ceil(max_range / s_major)) + 1
    big_k = min(k_grid, k_range)
    if big_k < 1:
        return
    n_rays = 2 * big_k + 1
    h = np.full(n_rays, -np.inf)
    step = np.empty(n_rays)
    for i in range(n_rays):
        u = -1.0 + i / big_k
        step[i] = math.sqrt(s_major * s_major + (u * s_minor) ** 2)
    check_nan = math.isnan(nodata)
    for k in range(1, big_k + 1):
        a = r0 + sign * k
        zrow = z[a]
        orow = out[a]
        # cells at row offset k, from the rays' maxima over rows 1..k-1
        m_hi = k - 1 if strict else k
        m_lo = max(-m_hi, -c0)
        m_hi = min(m_hi, cols - 1 - c0)
        dk2 = (k * s_major) ** 2
        for m in range(m_lo, m_hi + 1):
            zc = zrow[c0 + m]
            if (check_nan and math.isnan(zc)) or zc == nodata:
                continue
            d = math.sqrt(dk2 + (m * s_minor) ** 2)
            if d > max_range:
                continue
            floor = 0.0
            if k > 1:
                f = (m / k + 1.0) * big_k
                i = int(f)
                if i >= n_rays - 1:
                    i = n_rays - 2
                w = f - i
                t0 = h[i]
                t1 = h[i + 1]
                if t0 == -np.inf:
                    t = t1
                elif t1 == -np.inf:
                    t = t0
                else:
                    t = (1.0 - w) * t0 + w * t1
                if t > -np.inf:
                    floor = _lowest_visible(t, h0, d, re) - zc
                    if floor < 0.0:
                        floor = 0.0
            orow[c0 + m] = floor
        # every ray's sample in row k, for the cells further out; rays are symmetric in u, so the ones
        # still within range at this step form the central index range [i_lo, n_rays - 1 - i_lo]
        reach = (max_range + s_major) / k
        if reach <= s_major:
            continue
        u_max = math.sqrt(reach * reach - s_major * s_major) / s_minor
        i_lo = 0 if u_max >= 1.0 else int(math.ceil((1.0 - u_max) * big_k))
        for i in range(i_lo, n_rays - i_lo):
            d = k * step[i]
            mf = (-1.0 + i / big_k) * k + c0
            if mf < 0.0:
                mf = 0.0
            elif mf > cols - 1:
                mf = cols - 1.0
            j = int(mf)
            if j >= cols - 1:
                j = max(cols - 2, 0)
            w = mf - j
            z0 = zrow[j]
            z1 = zrow[j + 1] if cols > 1 else z0
            if (check_nan and (math.isnan(z0) or math.isnan(z1))) or z0 == nodata or z1 == nodata:
                continue
            t = _tan_elevation((1.0 - w) * z0 + w * z1, h0, d, re)
            if t > h[i]:
                h[i] = t


@njit(cache=True, parallel=True)
def _transpose(a: np.ndarray, out: np.ndarray) -> None:
    """Write the transpose of ``a`` into ``out``, by 64 x 64 blocks."""
    rows, cols = a.shape
    nb = (rows + 63) // 64
    for bi in prange(nb):
        i0 = bi * 64
        i1 = min(i0 + 64, rows)
        for j0 in range(0, cols, 64):
            j1 = min(j0 + 64, cols)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    out[j, i] = a[i, j]


@njit(cache=True, parallel=True)
def _merge_transposed(out: np.ndarray, out_t: np.ndarray) -> None:
    """Copy the cells set in ``out_t`` (the transposed layout) into ``out``, by 64 x 64 blocks."""
    rows, cols = out.shape
    nb = (rows + 63) // 64
    for bi in prange(nb):
        i0 = bi * 64
        i1 = min(i0 + 64, rows)
        for j0 in range(0, cols, 64):
            j1 = min(j0 + 64, cols)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    v = out_t[j, i]
                    if not math.isnan(v):
                        out[i, j] = v


@njit(cache=True, parallel=True)
def _fill_nan(a: np.ndarray) -> None:
    """Set every element to NaN, rows in parallel (so both threads take the first-touch page faults)."""
    for i in prange(a.shape[0]):
        a[i, :] = np.nan


@njit(cache=True, parallel=True)
def radar_floor_kernel(
    z: np.ndarray,
    z_t: np.ndarray,
    out: np.ndarray,
    out_t: np.ndarray,
    nodata: float,
    r0: int,
    c0: int,
    h0: float,
    re: float,
    max_range: float,
    sx: float,
    sy: float,
) -> None:
    """Radar floor (m above the terrain) of every cell within ``max_range`` metres of cell (r0, c0).

    ``z`` is terrain height above sea level on a planar grid of cells ``sx`` by ``sy`` metres, with
    ``nodata`` marking missing cells (NaN allowed); ``h0`` the antenna height above sea level; ``re`` the
    effective earth radius. The floor is written into ``out`` (same shape as ``z``, float32); cells out of
    range or without data are NaN. ``z_t`` and ``out_t`` are work arrays of the transposed shape: the north
    and south half-planes are swept on ``z``, east and west on its transpose, so every sweep reads whole
    rows. The caller allocates all arrays (numpy backs large ones with huge pages).
    """
    _transpose(z, z_t)
    _fill_nan(out)
    _fill_nan(out_t)
    for task in prange(4):
        if task == 0:
            _sweep(z_t, nodata, out_t, c0, r0, h0, re, max_range, sx, sy, 1, False)
        elif task == 1:
            _sweep(z_t, nodata, out_t, c0, r0, h0, re, max_range, sx, sy, -1, False)
        elif task == 2:
            _sweep(z, nodata, out, r0, c0, h0, re, max_range, sy, sx, 1, True)
        else:
            _sweep(z, nodata, out, r0, c0, h0, re, max_range, sy, sx, -1, True)
    _merge_transposed(out, out_t)
    out[r0, c0] = 0.0
