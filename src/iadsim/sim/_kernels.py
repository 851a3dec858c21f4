"""Numba kernels of the engine's inner loop: radar visibility of points, detection draws, converted
measurements and intercept times (the tracker's kernels are in :mod:`iadsim.sim.tracking._kernels`).
Arrays and floats in; no I/O, no validation (the callers in :mod:`iadsim.sim` check their inputs).

The engine calls these once per radar scan on a few tens of threats, where numpy's fixed cost per call
(about a microsecond for each of the hundred-odd small operations of a scan) is most of the time; a kernel
call costs about as much as one of them. The arithmetic is that of :mod:`iadsim.physics`; tests hold the
kernels to it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# ------------------------------------------------------------------------------------------ visibility


@njit(cache=True, inline="always")
def _see(
    x: float,
    y: float,
    z: float,
    floor_agl: np.ndarray,
    terrain: np.ndarray,
    grid: np.ndarray,
    radar: np.ndarray,
) -> tuple[bool, float]:
    """:func:`visible` for one point."""
    rows, cols = terrain.shape
    c = int(math.floor((x - grid[0]) / grid[1]))
    r = int(math.floor((y - grid[2]) / grid[3]))
    fr = r - int(grid[4])
    fc = c - int(grid[5])
    on = 0 <= r < rows and 0 <= c < cols and 0 <= fr < floor_agl.shape[0] and 0 <= fc < floor_agl.shape[1]
    r = min(max(r, 0), rows - 1)
    c = min(max(c, 0), cols - 1)
    fr = min(max(fr, 0), floor_agl.shape[0] - 1)
    fc = min(max(fc, 0), floor_agl.shape[1] - 1)
    floor_amsl = floor_agl[fr, fc] + terrain[r, c]
    re = radar[3]
    a = re + radar[2]
    b = re + z
    dx = x - radar[0]
    dy = y - radar[1]
    g = math.hypot(dx, dy)
    s = math.sqrt(max(a * a + b * b - 2.0 * a * b * math.cos(g / re), 0.0))
    s1 = max(s, 1.0)
    el = math.asin(min(max((b * b - a * a - s1 * s1) / (2.0 * s1 * a), -1.0), 1.0))
    ok = on and z >= floor_amsl and s <= radar[4] and el >= radar[5] and el <= radar[6]
    if ok and radar[8] < math.pi:  # a sector radar: |azimuth - facing| <= half the sector
        diff = (math.atan2(dx, dy) - radar[7] + math.pi) % (2.0 * math.pi) - math.pi
        ok = abs(diff) <= radar[8]
    return ok, s


@njit(cache=True, nogil=True)
def visible(
    px: np.ndarray,
    py: np.ndarray,
    pz: np.ndarray,
    floor_agl: np.ndarray,
    terrain: np.ndarray,
    grid: np.ndarray,
    radar: np.ndarray,
    ok: np.ndarray,
    slant: np.ndarray,
) -> None:
    """Whether a radar sees points (x, y, z above sea level; m) and the slant range (m) to each.

    ``grid`` is ``(c, a, f, e, r0, c0)``: the north-up grid transform (``col = floor((x - c) / a)``,
    ``row = floor((y - f) / e)``) and the grid cell of the floor's first row and column (the floor covers a
    window of the grid); ``radar`` is ``(x, y, antenna height above sea level, effective earth radius,
    instrumented range, minimum elevation, maximum elevation, facing azimuth, half the azimuth sector)`` in m
    and rad. A point is seen when it lies on the floor's window, at or above the radar's floor
    (``floor_agl + terrain`` at its cell), within the instrumented slant range, within the elevation limits
    and, for a sector radar (half sector below pi), within its sector
    (:func:`iadsim.physics.in_azimuth_sector`).

    Slant range by the law of cosines in the triangle earth centre, radar, target (effective radius ``re``,
    central angle ``g / re``): ``s^2 = a^2 + b^2 - 2 a b cos(g / re)``, ``a = re + h_r``, ``b = re + h_t``;
    elevation ``sin(el) = (b^2 - a^2 - s^2) / (2 s a)`` (as :func:`iadsim.physics.slant_range_from_ground_m`
    and :func:`iadsim.physics.elevation_angle_rad`, MATLAB ``height2el``).
    """
    for i in range(px.shape[0]):
        ok[i], slant[i] = _see(px[i], py[i], pz[i], floor_agl, terrain, grid, radar)


@njit(cache=True, inline="always")
def _pd(snr_db: float, row: int, snr0_db: float, dsnr_db: float, tables: np.ndarray) -> float:
    """Single-look Pd at ``snr_db`` interpolated linearly in ``tables[row]`` (tabulated from ``snr0_db``
    every ``dsnr_db``; held at the end values outside the table, as ``numpy.interp``)."""
    n = tables.shape[1]
    x = (snr_db - snr0_db) / dsnr_db
    if x <= 0.0:
        return tables[row, 0]
    if x >= n - 1:
        return tables[row, n - 1]
    j = int(x)
    f = x - j
    return tables[row, j] * (1.0 - f) + tables[row, j + 1] * f


@njit(cache=True, nogil=True)
def detectable(
    px: np.ndarray,
    py: np.ndarray,
    pz: np.ndarray,
    rcs_m2: np.ndarray,
    floor_agl: np.ndarray,
    terrain: np.ndarray,
    grid: np.ndarray,
    radar: np.ndarray,
    detect: np.ndarray,
    tables: np.ndarray,
    out: np.ndarray,
) -> None:
    """Whether a radar's scan could have detected targets at points with RCS ``rcs_m2`` (m²): visible
    (:func:`visible`) and, where the RCS is known (finite), with a single-look Pd of at least ``detect[1]``.

    ``detect`` is ``(SNR of 1 m² at 1 m in dB, Pd threshold, Pd table row, first SNR of the table in dB,
    its step in dB)``; the SNR is ``detect[0] + 10 log10(rcs) - 40 log10(slant range)`` (the calibrated
    radar equation, :func:`iadsim.physics.calibrated_snr_db`).
    """
    row = int(detect[2])
    for i in range(px.shape[0]):
        out[i] = _detectable(
            px[i], py[i], pz[i], rcs_m2[i], floor_agl, terrain, grid, radar, detect, tables, row
        )


@njit(cache=True, inline="always")
def _detectable(
    x: float,
    y: float,
    z: float,
    rcs: float,
    floor_agl: np.ndarray,
    terrain: np.ndarray,
    grid: np.ndarray,
    radar: np.ndarray,
    detect: np.ndarray,
    tables: np.ndarray,
    row: int,
) -> bool:
    ok, s = _see(x, y, z, floor_agl, terrain, grid, radar)
    if not ok or not math.isfinite(rcs):
        return ok
    snr = detect[0] + 10.0 * math.log10(max(rcs, 1e-30)) - 40.0 * math.log10(max(s, 1.0))
    return _pd(snr, row, detect[3], detect[4], tables) >= detect[1]


# ------------------------------------------------------------------------------------------ terrain


@njit(cache=True, nogil=True)
def ground_at(x: float, y: float, values: np.ndarray, tr: np.ndarray) -> float:
    """Terrain height (m above sea level) at one point ``(x, y)`` of a north-up grid of ``values``,
    bilinear between the centres of the four cells around it, 0 off the grid (the arithmetic of
    :func:`iadsim.terrain.grid.sample_bilinear`, for one point); ``tr`` is the grid transform's
    ``(c, a, f, e)``."""
    col = (x - tr[0]) / tr[1] - 0.5
    row = (y - tr[2]) / tr[3] - 0.5
    rows, cols = values.shape
    if not (-0.5 <= col <= cols - 0.5 and -0.5 <= row <= rows - 0.5):
        return 0.0
    c0 = min(max(math.floor(col), 0), cols - 2)
    r0 = min(max(math.floor(row), 0), rows - 2)
    wc = min(max(col - c0, 0.0), 1.0)
    wr = min(max(row - r0, 0.0), 1.0)
    return (
        float(values[r0, c0]) * (1 - wr) * (1 - wc)
        + float(values[r0, c0 + 1]) * (1 - wr) * wc
        + float(values[r0 + 1, c0]) * wr * (1 - wc)
        + float(values[r0 + 1, c0 + 1]) * wr * wc
    )


# ------------------------------------------------------------------------------------------ detection


@njit(cache=True, nogil=True)
def detect(
    cand: np.ndarray,
    snr_1m_db: np.ndarray,
    aspect: np.ndarray,
    loss_db: np.ndarray,
    slant_m: np.ndarray,
    swerling: np.ndarray,
    snr0_db: float,
    dsnr_db: float,
    tables: np.ndarray,
    u: np.ndarray,
    hit: np.ndarray,
) -> None:
    """Detection draws of threats ``cand``: ``hit[k] = u[k] < Pd`` of threat ``i = cand[k]``.

    The single-look SNR is ``snr_1m_db[i, aspect[i]] - 40 log10(slant_m[i]) - loss_db[i]``: the radar
    equation's value at 1 m for the RCS the threat shows from its aspect (0 nose, 1 beam, 2 tail), scaled
    by ``R^-4``, less what the surface takes (:meth:`iadsim.sim.sensing.Look.at`). Pd is interpolated
    linearly in ``tables[swerling[i]]``, tabulated from ``snr0_db`` every ``dsnr_db`` (held at the end
    values outside the table, as ``numpy.interp``).
    """
    for k in range(cand.shape[0]):
        i = cand[k]
        snr = snr_1m_db[i, aspect[i]] - 40.0 * math.log10(slant_m[i]) - loss_db[i]
        hit[k] = u[k] < _pd(snr, swerling[i], snr0_db, dsnr_db, tables)


# ------------------------------------------------------------------------------------------ measurement


@njit(cache=True, nogil=True)
def convert_measurements(
    radar_xyz: np.ndarray,
    xyz: np.ndarray,
    noise: np.ndarray,
    sigmas: np.ndarray,
    pos: np.ndarray,
    cov: np.ndarray,
) -> None:
    """Noisy positions ``pos`` ``(m, 3)`` and converted-measurement covariances ``cov`` ``(m, 3, 3)`` of
    targets at ``xyz`` seen from ``radar_xyz``.

    Range, azimuth (from north) and elevation get ``sigmas * noise`` (``noise`` ``(3, m)`` standard normal
    draws); the noisy polar measurement is converted to Cartesian with covariance ``J diag(s^2) J^T`` at the
    measured point (Bar-Shalom, Li and Kirubarajan 2001, sec. 10.4, the standard converted measurement).
    """
    s0, s1, s2 = sigmas[0] ** 2, sigmas[1] ** 2, sigmas[2] ** 2
    for i in range(xyz.shape[0]):
        dx = xyz[i, 0] - radar_xyz[0]
        dy = xyz[i, 1] - radar_xyz[1]
        dz = xyz[i, 2] - radar_xyz[2]
        ground = math.hypot(dx, dy)
        r = math.hypot(ground, dz) + sigmas[0] * noise[0, i]
        az = math.atan2(dx, dy) + sigmas[1] * noise[1, i]
        el = math.atan2(dz, ground) + sigmas[2] * noise[2, i]
        ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
        pos[i, 0] = radar_xyz[0] + r * ce * sa
        pos[i, 1] = radar_xyz[1] + r * ce * ca
        pos[i, 2] = radar_xyz[2] + r * se
        j = np.empty((3, 3))
        j[0, 0], j[0, 1], j[0, 2] = ce * sa, r * ce * ca, -r * se * sa
        j[1, 0], j[1, 1], j[1, 2] = ce * ca, -r * ce * sa, -r * se * ca
        j[2, 0], j[2, 1], j[2, 2] = se, 0.0, r * ce
        for u in range(3):
            for v in range(3):
                cov[i, u, v] = j[u, 0] * s0 * j[v, 0] + j[u, 1] * s1 * j[v, 1] + j[u, 2] * s2 * j[v, 2]


# ------------------------------------------------------------------------------------------ intercept


@njit(cache=True, inline="always")
def _flown(t: float, speed: float, burn: float, drag: float) -> float:
    """Distance flown after ``t`` s along a boost-coast profile (:class:`iadsim.physics.BoostCoast`)."""
    s = max(t - burn, 0.0)
    coast = speed * s if math.isinf(drag) else speed * drag * math.log1p(s / drag)
    if burn <= 0.0:
        return coast
    tb = min(t, burn)
    return speed * tb * tb / (2.0 * burn) + coast


@njit(cache=True, inline="always")
def _gap(
    t: float, p: np.ndarray, v: np.ndarray, b: np.ndarray, speed: float, burn: float, drag: float
) -> float:
    dx = p[0] + v[0] * t - b[0]
    dy = p[1] + v[1] * t - b[1]
    dz = p[2] + v[2] * t - b[2]
    return _flown(t, speed, burn, drag) - math.sqrt(dx * dx + dy * dy + dz * dz)


@njit(cache=True, nogil=True)
def intercept_time(
    p: np.ndarray,
    v: np.ndarray,
    b: np.ndarray,
    speed: float,
    burn: float,
    drag: float,
    max_time: float,
    samples: int,
) -> float:
    """:func:`iadsim.physics.intercept_time_s` for one target: the first time in ``(0, max_time]`` at which
    the profile's distance flown reaches the target ``p + v t`` from ``b``, on the same ``samples`` sample
    times and 60 bisections; NaN if none.

    A target that cannot come within the profile's reach, ``|p - b| - |v| max_time > D(max_time)``, is
    rejected at once (it closes at most ``|v|`` per second)."""
    d0 = math.sqrt((p[0] - b[0]) ** 2 + (p[1] - b[1]) ** 2 + (p[2] - b[2]) ** 2)
    vv = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    if d0 - vv * max_time > _flown(max_time, speed, burn, drag):
        return math.nan
    dt = max_time / samples
    lo = 0.0
    for k in range(1, samples + 1):
        hi = k * dt if k < samples else max_time  # (numpy.linspace's samples)
        if _gap(hi, p, v, b, speed, burn, drag) >= 0.0:
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if _gap(mid, p, v, b, speed, burn, drag) >= 0.0:
                    hi = mid
                else:
                    lo = mid
            return hi
        lo = hi
    return math.nan
