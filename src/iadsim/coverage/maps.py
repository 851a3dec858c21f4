"""Detection and engagement coverage over terrain: the radar floor combined with the radar equation,
the radar's elevation limits and azimuth sector, and the missiles' envelopes for a target class
(:func:`iadsim.interceptors.in_envelope`, the engine's rule)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from iadsim import physics
from iadsim.coverage.floor import Floor
from iadsim.errors import InputError
from iadsim.interceptors import InterceptorModel, in_envelope
from iadsim.sensors import FREE_SPACE, Environment, RadarModel
from iadsim.terrain.grid import Grid

AltitudeReference = Literal["agl", "amsl"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CellGeometry:
    """Per-cell geometry of a target at one altitude as seen from the antenna of a floor.

    ``ground_m``: distance along the surface from the antenna (planar distance on the grid);
    ``height_amsl_m``: target height above sea level; ``slant_m``: slant range over the k-factor earth;
    ``elevation_rad``: elevation angle at the antenna; ``visible``: in line of sight over the terrain.
    NaN where the floor has no value.
    """

    ground_m: FloatArray
    height_amsl_m: FloatArray
    slant_m: FloatArray
    elevation_rad: FloatArray
    visible: NDArray[np.bool_]


def ground_distance_m(grid: Grid, row: int, col: int) -> FloatArray:
    """Planar distance (m) of every cell centre of ``grid`` from the centre of cell (row, col)."""
    sx, sy = grid.cell_size_m
    rows, cols = grid.shape
    dx = (np.arange(cols) - col) * sx
    dy = (np.arange(rows) - row) * sy
    return np.sqrt(dy[:, None] ** 2 + dx[None, :] ** 2)


def cell_geometry(floor: Floor, altitude_m: float, reference: AltitudeReference = "agl") -> CellGeometry:
    """Where a target flying at ``altitude_m`` (above ground or above sea level) is, relative to the antenna.

    A target below the terrain (``amsl`` altitude under the ground) is not visible there.
    """
    if reference not in ("agl", "amsl"):
        raise InputError(f"altitude reference must be 'agl' or 'amsl', got {reference!r}")
    if not altitude_m >= 0:
        raise InputError(f"target altitude must be non-negative, got {altitude_m} m")
    terrain = np.asarray(floor.terrain.values, dtype=np.float64)
    floor_agl = np.asarray(floor.agl.values, dtype=np.float64)
    height = terrain + altitude_m if reference == "agl" else np.full_like(terrain, altitude_m)
    height_agl = height - terrain
    with np.errstate(invalid="ignore"):
        visible = (height_agl >= floor_agl) & (height_agl >= 0) & np.isfinite(floor_agl)
    ground = ground_distance_m(floor.agl, floor.row, floor.col)
    h0 = floor.antenna_amsl_m
    slant = physics.slant_range_from_ground_m(ground, np.maximum(height, -1e3), h0, floor.k)
    with np.errstate(invalid="ignore", divide="ignore"):
        elevation = physics.elevation_angle_rad(np.maximum(slant, 1e-3), height, h0, floor.k)
    return CellGeometry(ground, height, slant, elevation, visible)


def _visible_cells(
    floor: Floor, altitude_m: float, reference: AltitudeReference
) -> tuple[tuple[NDArray[np.intp], NDArray[np.intp]], FloatArray, FloatArray]:
    """Cells where a target at ``altitude_m`` is in line of sight: their (rows, cols), the target's height
    above sea level there and the ground distance from the antenna (only those cells: cheap)."""
    if reference not in ("agl", "amsl"):
        raise InputError(f"altitude reference must be 'agl' or 'amsl', got {reference!r}")
    if not altitude_m >= 0:
        raise InputError(f"target altitude must be non-negative, got {altitude_m} m")
    terrain = floor.terrain.values
    floor_agl = floor.agl.values
    with np.errstate(invalid="ignore"):
        if reference == "agl":
            visible = floor_agl <= altitude_m
        else:
            visible = (floor_agl + terrain <= altitude_m) & (terrain <= altitude_m)
    visible[floor.row, floor.col] = False
    rows, cols = np.nonzero(visible)
    z = np.asarray(terrain[rows, cols], dtype=np.float64)
    height = z + altitude_m if reference == "agl" else np.full(z.shape, float(altitude_m))
    sx, sy = floor.agl.cell_size_m
    ground = np.hypot((rows - floor.row) * sy, (cols - floor.col) * sx)
    return (rows, cols), height, ground


def _mask(
    floor: Floor, cells: tuple[NDArray[np.intp], NDArray[np.intp]], keep: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    out = np.zeros(floor.agl.shape, dtype=bool)
    out[cells[0][keep], cells[1][keep]] = True
    return out


def _detected(
    floor: Floor,
    radar: RadarModel,
    rcs_m2: float,
    swerling: int,
    altitude_m: float,
    reference: AltitudeReference,
    pd: float,
    facing_rad: float,
    env: Environment,
) -> tuple[tuple[NDArray[np.intp], NDArray[np.intp]], FloatArray, FloatArray]:
    cells, height, ground = _visible_cells(floor, altitude_m, reference)
    if radar.sector_rad < 2 * np.pi:
        sx, sy = floor.agl.cell_size_m
        east, north = (cells[1] - floor.col) * sx, (floor.row - cells[0]) * sy
        inside = physics.in_azimuth_sector(east, north, facing_rad, radar.sector_rad)
        cells, height, ground = (cells[0][inside], cells[1][inside]), height[inside], ground[inside]
    free = float(radar.free_space_range_m(rcs_m2, pd, swerling))
    # lobing adds at most 12 dB over free space: twice the free-space range
    max_range = min(free if env.free_space else 2.0 * free, radar.instrumented_range_m)
    near = ground <= max_range  # slant range is never shorter than ground range
    cells, height, ground = (cells[0][near], cells[1][near]), height[near], ground[near]
    h0, k = floor.antenna_amsl_m, floor.k
    slant = physics.slant_range_from_ground_m(ground, height, h0, k)
    elevation = physics.elevation_angle_rad(np.maximum(slant, 1e-3), height, h0, k)
    ok = (elevation >= radar.min_elevation_rad) & (elevation <= radar.max_elevation_rad)
    if env.free_space:
        ok &= slant <= max_range
    else:
        terrain = floor.terrain.values
        loss = radar.terrain_loss_db(
            ground, h0, float(terrain[floor.row, floor.col]), height, terrain[cells], env
        )
        required = float(physics.required_snr_db(pd, radar.pfa, 1, swerling))
        ok &= (slant <= max_range) & (radar.snr_db(np.maximum(slant, 1.0), rcs_m2) - loss >= required)
    return (cells[0][ok], cells[1][ok]), height[ok], ground[ok]


def detection_coverage(
    floor: Floor,
    radar: RadarModel,
    rcs_m2: float,
    swerling: int,
    altitude_m: float,
    reference: AltitudeReference = "agl",
    pd: float = 0.5,
    facing_rad: float = 0.0,
    env: Environment = FREE_SPACE,
) -> Grid:
    """Cells where a target at ``altitude_m`` is detected with single-look probability at least ``pd``.

    Detected means: in line of sight over the terrain (the floor), within the radar's elevation limits,
    within its instrumented range, within its azimuth sector (a sector radar facing ``facing_rad``,
    clockwise from the grid's north), and at a slant range where the calibrated radar equation gives Pd >=
    ``pd`` for the target's RCS (the one it shows the radar: :meth:`iadsim.catalog.Target.rcs`) and
    Swerling case, less what the surface of ``env`` takes (multipath, diffraction and clutter;
    :meth:`iadsim.sensors.RadarModel.terrain_loss_db`, the engine's rule). Returns a boolean grid on the
    floor's cells.
    """
    cells, _, _ = _detected(floor, radar, rcs_m2, swerling, altitude_m, reference, pd, facing_rad, env)
    keep = np.ones(cells[0].shape, dtype=bool)
    return floor.agl.with_values(_mask(floor, cells, keep), source=f"detection coverage of {radar.id}")


def missile_envelope(
    floor: Floor,
    missiles: Sequence[InterceptorModel],
    altitude_m: float,
    reference: AltitudeReference = "agl",
    target_class: str = "fighter",
) -> Grid:
    """Cells where at least one of ``missiles`` can reach a target of ``target_class`` at ``altitude_m``.

    Kinematic envelope around the launch site (the floor's antenna position), each missile's for the
    target's class (:func:`iadsim.interceptors.in_envelope`): ground range between its minimum and maximum
    range, target height above ground at least the minimum altitude and above sea level at most the maximum.
    """
    if not missiles:
        raise InputError("an engagement envelope needs at least one missile")
    geo = cell_geometry(floor, altitude_m, reference)
    height_agl = geo.height_amsl_m - np.asarray(floor.terrain.values, dtype=np.float64)
    inside = np.zeros(floor.agl.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for m in missiles:
            env = m.envelope(target_class)
            if env is not None:
                inside |= in_envelope(env, geo.ground_m, height_agl, geo.height_amsl_m)
    return floor.agl.with_values(inside, source="missile envelope " + ", ".join(m.id for m in missiles))


def engagement_coverage(
    floor: Floor,
    radar: RadarModel,
    missiles: Sequence[InterceptorModel],
    rcs_m2: float,
    swerling: int,
    altitude_m: float,
    reference: AltitudeReference = "agl",
    pd: float = 0.5,
    target_class: str = "fighter",
    facing_rad: float = 0.0,
    env: Environment = FREE_SPACE,
) -> Grid:
    """Detection by the engagement radar (its own floor, :func:`detection_coverage`) intersected with the
    missiles' envelope for the target's class (:func:`missile_envelope`)."""
    if not missiles:
        raise InputError("an engagement envelope needs at least one missile")
    cells, height, ground = _detected(
        floor, radar, rcs_m2, swerling, altitude_m, reference, pd, facing_rad, env
    )
    height_agl = height - floor.terrain.values[cells]
    inside = np.zeros(ground.shape, dtype=bool)
    for m in missiles:
        limits = m.envelope(target_class)
        if limits is not None:
            inside |= in_envelope(limits, ground, height_agl, height)
    names = ", ".join(m.id for m in missiles)
    return floor.agl.with_values(
        _mask(floor, cells, inside), source=f"engagement coverage of {radar.id} with {names}"
    )


def overlap_count(masks: Sequence[Grid]) -> Grid:
    """How many of ``masks`` (boolean grids on the same cells) cover each cell; union is ``count > 0``."""
    if not masks:
        raise InputError("overlap needs at least one coverage grid")
    first = masks[0]
    for m in masks[1:]:
        if m.shape != first.shape or m.transform != first.transform:
            raise InputError("coverage grids to combine must share one grid")
    count = np.asarray(np.sum([np.asarray(m.values, dtype=np.uint8) for m in masks], axis=0, dtype=np.uint8))
    return first.with_values(count, source="overlap count")
