"""Detection and engagement coverage against closed forms over a smooth earth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS

from iadsim import physics
from iadsim.catalog import default_catalog
from iadsim.coverage import radar_floor
from iadsim.coverage.maps import detection_coverage, engagement_coverage, missile_envelope, overlap_count
from iadsim.errors import InputError
from iadsim.interceptors import InterceptorModel
from iadsim.sensors import RadarModel
from iadsim.terrain.grid import Grid

CELL = 1000.0


def _flat(n: int = 901) -> Grid:
    half = n // 2
    return Grid(
        np.zeros((n, n), np.float32),
        Affine(CELL, 0, -(half + 0.5) * CELL, 0, -CELL, (half + 0.5) * CELL),
        CRS.from_proj4("+proj=aeqd +lat_0=40 +lon_0=32 +ellps=WGS84 +units=m"),
        "flat",
    )


def _radii(mask: Grid) -> tuple[float, float]:
    """Smallest and largest distance (km) of covered cells from the centre."""
    rows, cols = mask.shape
    r, c = np.indices((rows, cols))
    d = np.hypot(r - rows // 2, c - cols // 2) * CELL / 1e3
    covered = np.asarray(mask.values, bool)
    return float(d[covered].min()), float(d[covered].max())


def test_detection_over_a_smooth_earth_is_the_closed_form_annulus() -> None:
    # Flat terrain at sea level: coverage of a target at altitude h is an annulus. Its outer edge is the
    # smaller of the radar horizon to h (ground range where the grazing ray reaches h), the free-space
    # range at Pd 0.5 and the instrumented range (the catalog's lowest beam, -1 degree, is below the grazing
    # ray here); its inner edge is the cone of silence above the maximum elevation angle.
    cat = default_catalog()
    model = RadarModel.from_catalog(cat.radar("91n6e"))
    grid = _flat()
    floor = radar_floor(grid, 0.0, 0.0, mast_m=model.mast_height_m, max_range_m=449e3)
    f16 = cat.target("f-16c")
    sw = int(f16.swerling.value)
    free = float(model.free_space_range_m(f16.rcs_m2.value, 0.5, sw))
    for h in (50.0, 1000.0, 10000.0):
        mask = detection_coverage(floor, model, f16.rcs_m2.value, sw, h)
        inner, outer = _radii(mask)
        # outer edge: ground range of the smaller of horizon and free-space slant range
        assert model.min_elevation_rad < -np.arccos(
            1 / (1 + model.mast_height_m / physics.effective_earth_radius_m())
        )
        slant = min(free, float(physics.radar_horizon_m(model.mast_height_m, h)), model.instrumented_range_m)
        expected_outer = float(physics.ground_range_m(slant, h, model.mast_height_m)) / 1e3
        assert outer == pytest.approx(expected_outer, abs=1.5 * CELL / 1e3), h
        # inner edge: elevation above the radar's maximum
        el_max = model.max_elevation_rad
        cone = (h - model.mast_height_m) / np.tan(el_max) / 1e3
        assert inner == pytest.approx(max(cone, CELL / 1e3), abs=1.5 * CELL / 1e3), h


def test_amsl_altitude_below_terrain_is_not_covered() -> None:
    cat = default_catalog()
    model = RadarModel.from_catalog(cat.radar("96l6e"))
    z = np.zeros((201, 201), np.float32)
    z[:, 150:] = 2000.0  # a plateau higher than the target
    grid = _flat(201).with_values(z)
    floor = radar_floor(grid, 0.0, 0.0, mast_m=20.0, max_range_m=99e3)
    mask = detection_coverage(floor, model, 1.0, 1, 1500.0, reference="amsl")
    assert not np.asarray(mask.values)[:, 150:].any()
    assert np.asarray(mask.values)[:, 110:140].any()


def test_engagement_is_detection_within_the_missile_envelope() -> None:
    cat = default_catalog()
    model = RadarModel.from_catalog(cat.radar("92n6e"))
    floor = radar_floor(_flat(), 0.0, 0.0, mast_m=model.mast_height_m, max_range_m=449e3)
    entry = cat.missile("48n6e3")
    m48 = InterceptorModel.from_catalog(entry, ("fighter", "ballistic-missile"))
    env = missile_envelope(floor, [m48], 10000.0)
    inner, outer = _radii(env)
    assert outer == pytest.approx(entry.envelopes["aircraft"].max_range_m.value / 1e3, abs=CELL / 1e3)
    min_range_km = entry.envelopes["aircraft"].min_range_m.value / 1e3
    assert inner == pytest.approx(max(min_range_km, CELL / 1e3), abs=1.5 * CELL / 1e3)
    eng = engagement_coverage(floor, model, [m48], 1.2, 1, 10000.0)
    det = detection_coverage(floor, model, 1.2, 1, 10000.0)
    assert np.array_equal(np.asarray(eng.values), np.asarray(det.values) & np.asarray(env.values))
    # a target above the missile's ceiling is never engaged
    ceiling = entry.envelopes["aircraft"].max_altitude_m.value
    above = engagement_coverage(floor, model, [m48], 1.2, 1, ceiling + 1000.0, reference="amsl")
    assert not np.asarray(above.values).any()
    # against a ballistic missile the 48N6E3's envelope is its own (60 km published), not the aircraft's
    bm = missile_envelope(floor, [m48], 10000.0, target_class="ballistic-missile")
    bm_max = entry.envelopes["ballistic-missile"].max_range_m.value / 1e3
    assert _radii(bm)[1] == pytest.approx(bm_max, abs=CELL / 1e3)
    # the 92N6E covers its 90 degree sector only: facing east, the cells within 45 degrees of east, a
    # quarter of what it would see all round (an annulus; 2 % for the cells cut by the sector's edges)
    assert model.sector_rad == pytest.approx(np.pi / 2)
    east = np.asarray(detection_coverage(floor, model, 1.2, 1, 10000.0, facing_rad=np.pi / 2).values)
    rows, cols = np.nonzero(east)
    assert np.all(np.abs(rows - floor.row) <= (cols - floor.col) + 1)
    everywhere = replace(model, sector_rad=2 * np.pi)
    full = np.asarray(detection_coverage(floor, everywhere, 1.2, 1, 10000.0).values).sum()
    assert east.sum() == pytest.approx(full / 4, rel=0.02)


def test_overlap_count() -> None:
    grid = _flat(51)
    a = grid.with_values(np.zeros((51, 51), bool))
    b = grid.with_values(np.zeros((51, 51), bool))
    a.values[10:30, 10:30] = True
    b.values[20:40, 20:40] = True
    count = overlap_count([a, b])
    assert int(np.asarray(count.values).max()) == 2
    assert int((np.asarray(count.values) == 2).sum()) == 100
    with pytest.raises(InputError):
        overlap_count([])


def test_altitude_must_be_non_negative() -> None:
    cat = default_catalog()
    model = RadarModel.from_catalog(cat.radar("96l6e"))
    floor = radar_floor(_flat(21), 0.0, 0.0, mast_m=20.0, max_range_m=9e3)
    with pytest.raises(InputError, match="non-negative"):
        detection_coverage(floor, model, 1.0, 1, -5.0)
