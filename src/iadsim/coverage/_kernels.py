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
from numba import njit

# The series below serve central angles up to 0.3 rad (2,500 km on a 4/3 earth): the caller checks it
# (iadsim.coverage.floor.MAX_CENTRAL_ANGLE, kept there so that checking needs no numba).
#: Elevation tangent of a ray with no terrain sample yet: any real sample exceeds it.
_NO_SAMPLE = -1e30
#: Floating-point liberties the kernels take: fused multiply-adds, reciprocals, reassociation (no NaN or
#: infinity assumptions: NaN marks missing terrain).
_FAST = {"contract", "arcp", "reassoc"}


@njit(cache=True, inline="always", fastmath=_FAST)
def _omc_sin(p: float) -> tuple[float, float]:
    """(1 - cos p, sin p) by their Taylor series, exact to 1e-16 for 0 <= p <= 0.3 rad."""
    p2 = p * p
    omc = p2 * (0.5 - p2 * (1.0 / 24.0 - p2 * (1.0 / 720.0 - p2 * (1.0 / 40320.0 - p2 / 3628800.0))))
    sin = p * (1.0 - p2 * (1.0 / 6.0 - p2 * (1.0 / 120.0 - p2 * (1.0 / 5040.0 - p2 / 362880.0))))
    return omc, sin


#: Columns a sweep along the columns copies into lines, and writes back, at a time: each block visits every
#: row of the grid once (a new memory page each), so large blocks pay off (measured: 256 columns 0.14 s,
#: 32 columns 0.16-0.18 s for a 100 m half-plane of 400 km).
_BLOCK = 256


@njit(cache=True, inline="always")
def _reach(dk2: float, r2: float, s_minor: float) -> int:
    """Largest ``m >= 0`` with ``dk2 + (m s_minor)^2 <= r2`` (-1 if none): the cells of a line within range.

    The sweeps of both axes decide a cell's range with this same sum, so that they agree on every cell."""
    if dk2 > r2:
        return -1
    m = int(math.sqrt(r2 - dk2) / s_minor)
    while dk2 + ((m + 1) * s_minor) ** 2 <= r2:
        m += 1
    while m >= 0 and dk2 + (m * s_minor) ** 2 > r2:
        m -= 1
    return m


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FAST)
def _line(
    zl: np.ndarray,
    ol: np.ndarray,
    k: int,
    b0: int,
    m_lo: int,
    m_hi: int,
    h: np.ndarray,
    u: np.ndarray,
    p_step: np.ndarray,
    zs: np.ndarray,
    kk: int,
    h0: float,
    re: float,
    nodata: float,
    reach: float,
    s_major: float,
    s_minor: float,
    zfb: np.ndarray,
    dzb: np.ndarray,
) -> None:
    """One line of a sweep at major offset ``k``: its cells ``m_lo..m_hi`` from the ``2 kk + 1`` rays'
    maxima over lines ``1..k-1``, then the rays' samples of this line (``zs``, ``zfb`` and ``dzb``: scratch
    space, as long as the rays and the line).

    Loops run over slices from 0 so that numba drops its negative-index checks and LLVM vectorises them.
    """
    n_rays = 2 * kk + 1
    inv_re = 1.0 / re
    inv_k = 1.0 / k
    dk2 = (k * s_major) ** 2
    check_nodata = not math.isnan(nodata)
    if m_hi >= m_lo:
        n_cells = m_hi - m_lo + 1
        tc = zs[:n_cells]
        i_max = np.uint64(n_rays - 2)
        for n in range(n_cells):  # each cell's horizon, between the two rays that bracket it
            f = ((m_lo + n) * inv_k + 1.0) * kk
            i = min(np.uint64(f), i_max)
            w = f - i
            tc[n] = (1.0 - w) * h[i] + w * h[i + np.uint64(1)]
        zc = zl[b0 + m_lo : b0 + m_hi + 1]
        oc = ol[b0 + m_lo : b0 + m_hi + 1]
        for n in range(n_cells):  # the height of that horizon over the cell
            z_cell = zc[n]
            t = tc[n]
            d = math.sqrt(dk2 + ((m_lo + n) * s_minor) ** 2)
            omc, sn = _omc_sin(d * inv_re)
            lowest = (h0 + re * omc + re * t * sn) / ((1.0 - omc) - t * sn)
            floor = lowest - z_cell
            floor = floor if floor > 0.0 else (0.0 if floor <= 0.0 else floor)  # keeps NaN
            oc[n] = np.nan if (z_cell == nodata) & check_nodata else floor
    # every ray still within range samples this line, for the cells further out; rays are symmetric in u,
    # so those form the central index range [i_lo, n_rays - 1 - i_lo]
    r = reach * inv_k
    if r <= s_major:
        return
    u_max = math.sqrt(r * r - s_major * s_major) / s_minor
    i_lo = 0 if u_max >= 1.0 else int(math.ceil((1.0 - u_max) * kk))
    i_hi = n_rays - i_lo
    if i_hi <= i_lo:
        return
    c_lo = max(b0 - k, 0)
    c_hi = min(b0 + k + 1, len(zl) - 1)
    seg = zl[c_lo : c_hi + 1]
    zf, dz = zfb[: c_hi - c_lo], dzb[: c_hi - c_lo]
    for q in range(c_hi - c_lo):  # the line as floats, with the slope to the next cell
        zf[q] = seg[q]
        dz[q] = seg[q + 1] - zf[q]
    last = float(c_hi - c_lo)
    j_max = np.uint64(c_hi - c_lo - 1)
    off = float(b0 - c_lo)
    uv, zv = u[i_lo:i_hi], zs[i_lo:i_hi]
    for n in range(i_hi - i_lo):  # terrain under each ray, linear along the line
        mf = min(max(uv[n] * k + off, 0.0), last)
        j = min(np.uint64(mf), j_max)
        zv[n] = zf[j] + (mf - j) * dz[j]
    hv, pv = h[i_lo:i_hi], p_step[i_lo:i_hi]
    for n in range(i_hi - i_lo):  # elevation tangents, running maxima
        z_ray = zv[n]
        omc, sn = _omc_sin(k * pv[n])
        t = ((z_ray - h0) - (re + z_ray) * omc) / ((re + z_ray) * sn)
        hv[n] = t if t > hv[n] else hv[n]


@njit(cache=True, nogil=True, error_model="numpy", fastmath=_FAST)
def sweep(
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
    transposed: bool,
) -> None:
    """Sweep one half-plane of the grid ``z`` away from the antenna cell (r0, c0), writing ``out``.

    Not ``transposed``: the north (``sign`` -1) or south (+1) half-plane, line by line along the rows: the
    cells at row offset ``sign * k > 0`` and column offset ``|m| < k``; the same pass also writes NaN on
    every cell of those rows beyond ``max_range``. ``transposed``: the west or east half-plane, along the
    columns (``s_major`` is then the column spacing): the cells at column offset ``sign * k > 0`` and row
    offset ``|m| <= k`` within range, each block of ``_BLOCK`` columns copied into contiguous lines first
    and written back after. The four sweeps write disjoint cells, and together every cell but those of the
    antenna's row beyond range and the antenna's own.

    Rays leave the antenna towards every minor offset at the last line ``K`` (``2 K + 1`` rays); each keeps
    the running maximum elevation tangent over lines ``1..k-1``, interpolated linearly between the two
    rays that bracket a cell's own line. Missing terrain: NaN samples never raise a ray's maximum and make
    the cell NaN; an integer ``nodata`` value is low enough (the caller checks) never to raise it, and
    marks the cell NaN.
    """
    rows, cols = z.shape
    if transposed:
        a0, b0, n_major, n_minor = c0, r0, cols, rows
    else:
        a0, b0, n_major, n_minor = r0, c0, rows, cols
    k_grid = (n_major - 1 - a0) if sign > 0 else a0
    k_range = int(math.ceil(max_range / s_major)) + 1
    big_k = min(k_grid, k_range)
    r2 = max_range * max_range
    if not transposed:  # rows beyond range
        for k in range(big_k + 1, k_grid + 1):
            out[a0 + sign * k, :] = np.nan
    if big_k < 1:
        return
    n_rays = 2 * big_k + 1
    h = np.full(n_rays, _NO_SAMPLE)
    u = np.empty(n_rays)
    p_step = np.empty(n_rays)  # central angle per line along each ray
    for i in range(n_rays):
        u[i] = -1.0 + i / big_k
        p_step[i] = math.sqrt(s_major * s_major + (u[i] * s_minor) ** 2) / re
    zs = np.empty(n_rays)
    zfb = np.empty(n_minor)
    dzb = np.empty(n_minor)
    reach = max_range + s_major
    nb = min(_BLOCK, big_k) if transposed else 1
    zb = np.empty((nb, n_minor), z.dtype)
    ob = np.empty((nb, n_minor), out.dtype)
    lo = np.empty(nb, np.int64)
    hi = np.empty(nb, np.int64)
    for kb in range(1, big_k + 1, nb):
        ke = min(kb + nb, big_k + 1)
        if transposed:  # copy the block's columns, within reach, into lines
            nk = ke - kb
            c_first = a0 + kb if sign > 0 else a0 - ke + 1  # the block's columns, left to right
            for b in range(max(b0 - ke - 1, 0), min(b0 + ke + 1, n_minor - 1) + 1):
                seg = z[b, c_first : c_first + nk]
                ub = np.uint64(b)
                if sign > 0:
                    for q in range(nk):
                        zb[q, ub] = seg[q]
                else:
                    for q in range(nk):
                        zb[q, ub] = seg[nk - 1 - q]
        for k in range(kb, ke):
            m_range = _reach((k * s_major) ** 2, r2, s_minor)
            if transposed:
                zl, ol = zb[k - kb], ob[k - kb]
                m_hi = min(k, m_range, n_minor - 1 - b0)
                m_lo = max(-k, -m_range, -b0)
            else:
                a = a0 + sign * k
                zl, ol = z[a], out[a]
                m_hi = min(k - 1, m_range, n_minor - 1 - b0)
                m_lo = max(-(k - 1), -m_range, -b0)
                ol[: max(b0 - m_range, 0)] = np.nan
                ol[b0 + m_range + 1 :] = np.nan
            lo[k - kb], hi[k - kb] = m_lo, m_hi
            _line(
                zl,
                ol,
                k,
                b0,
                m_lo,
                m_hi,
                h,
                u,
                p_step,
                zs,
                big_k,
                h0,
                re,
                nodata,
                reach,
                s_major,
                s_minor,
                zfb,
                dzb,
            )
        if transposed:  # write the block's cells back, row by row
            for b in range(max(b0 - ke, 0), min(b0 + ke, n_minor - 1) + 1):
                m = b - b0
                seg = out[b, c_first : c_first + nk]
                ub = np.uint64(b)
                for q in range(nk):
                    if lo[q] <= m <= hi[q]:
                        seg[q if sign > 0 else nk - 1 - q] = ob[q, ub]


@njit(cache=True, nogil=True)
def count_finite(a: np.ndarray, i0: int, i1: int) -> int:
    """Number of finite values in rows ``i0..i1`` of ``a``."""
    n = 0
    cols = a.shape[1]
    for i in range(i0, i1):
        for j in range(cols):
            n += 1 if math.isfinite(a[i, j]) else 0
    return n
