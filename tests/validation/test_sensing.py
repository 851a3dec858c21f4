"""When a target is first detected: at the radar horizon, by the radar equation, behind terrain, outside a
sector; computed by hand and compared with the engine's event log."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from scipy.optimize import brentq
from scipy.stats import ncx2

from iadsim.sim.engine import run
from iadsim.sim.world import build_world
from tests.validation._cases import GEOD, KR, SITE, events, horizon_ground_range_m, radial, scenario


def test_first_detection_at_the_radar_horizon(vcat) -> None:  # type: ignore[no-untyped-def]
    # A radar that detects whatever it sees (Pd 1, a scan every second), antenna 10 m above flat ground; a
    # target at 3,000 m flies in from 400 km at 300 m/s. It rises above the horizon at the ground range
    #   g_h = kR (acos(kR / (kR + 10)) + acos(kR / (kR + 3000))) = 238.8 km   (kR = 4/3 x 6,371 km),
    # at t_h = (400 km - g_h) / 300 m/s; it is detected at the first scan after that. The floor is held per
    # cell (500 m): the crossing may come up to 250 m / 300 m/s = 0.83 s early or late.
    g_h = horizon_ground_range_m(10.0, 3000.0)
    assert g_h == pytest.approx(238.8e3, abs=0.1e3)  # sqrt(2 kR 10 m) + sqrt(2 kR 3 km), to 0.1 km
    t_h = (400e3 - g_h) / 300.0
    sc = scenario([radial("in", 0.0, 400.0, 0.0, {"amsl": 3000}, 300.0)], duration_s=700)
    world = build_world(sc, vcat, cell_m=500.0)
    for seed in range(5):
        first = events(run(world, seed), "detection")[0].t_s
        assert math.ceil(t_h - 0.84) <= first <= math.ceil(t_h + 0.84), (seed, first, t_h)


def _marcum_pd(snr: float, pfa: float) -> float:
    """Single-look Pd of a steady target (Swerling 0), square-law detector: the detection statistic is
    noncentral chi-square with 2 degrees of freedom and noncentrality 2 SNR, the threshold -2 ln(Pfa)
    (Marcum Q function; scipy's ncx2, independent of iadsim)."""
    return float(ncx2.sf(-2.0 * math.log(pfa), 2, 2.0 * snr))


def test_first_detection_by_the_radar_equation(vcat) -> None:  # type: ignore[no-untyped-def]
    # The val-marcum radar detects a 1 m2 steady target with Pd 0.5 at 150 km (Pfa 1e-6, one look): the SNR
    # there, S0, solves Pd(S0) = 0.5, and SNR(R) = S0 (150 km / R)^4. A 1 m2 target at 10 km flies in from
    # 300 km at 300 m/s (the horizon, 425 km, does not limit). Scans at t = 1, 2, 3, ... s detect
    # independently, so the first detection comes at scan k with probability Pd_k prod_{j<k} (1 - Pd_j), R
    # the slant range over the 4/3 earth. The mean first detection time of 400 runs lies within 4 standard
    # errors of that distribution's mean.
    pfa = 1e-6
    s0 = brentq(lambda s: _marcum_pd(s, pfa) - 0.5, 1.0, 1e3)
    h_r, h_t = 10.0, 10_000.0

    def slant(ground: float) -> float:
        a, b = KR + h_r, KR + h_t
        return math.sqrt(a * a + b * b - 2 * a * b * math.cos(ground / KR))

    k = np.arange(1, 900)
    pd = np.array([_marcum_pd(s0 * (150e3 / slant(300e3 - 300.0 * t)) ** 4, pfa) for t in k])
    survive = np.concatenate([[1.0], np.cumprod(1 - pd)[:-1]])
    p_first = pd * survive
    assert p_first.sum() == pytest.approx(1.0, abs=1e-9)
    mean = float((k * p_first).sum())
    sd = float(math.sqrt(((k - mean) ** 2 * p_first).sum()))
    sc = scenario(
        [radial("in", 0.0, 300.0, 0.0, {"amsl": 10000}, 300.0)],
        system="val-sam-marcum",
        missiles={"val-constant": 1},
        duration_s=620,
    )
    world = build_world(sc, vcat, cell_m=2000.0)
    firsts = [events(run(world, seed), "detection")[0].t_s for seed in range(400)]
    assert np.mean(firsts) == pytest.approx(mean, abs=4 * sd / math.sqrt(len(firsts)))
    assert np.std(firsts) == pytest.approx(sd, rel=0.15)


def test_a_sector_radar_is_blind_outside_its_sector(vcat) -> None:  # type: ignore[no-untyped-def]
    # The val-sector radar covers 90 degrees, facing north: a target is seen when its azimuth lies within 45
    # degrees of north. Targets fly in at 10 km along the radials 0, 40, 50, 180 and 320 degrees from
    # 200 km to 100 km: those at 0, 40 and 320 degrees (within 45 of north) are detected at once, those at
    # 50 and 180 degrees (behind it and just outside the sector) never.
    bearings = (0.0, 40.0, 50.0, 180.0, 320.0)
    raids = [radial(f"r{int(b)}", b, 200.0, 100.0, {"amsl": 10000}, 300.0) for b in bearings]
    sc = scenario(raids, system="val-sam-sector", facing_deg=0.0, duration_s=300)
    result = run(build_world(sc, vcat, cell_m=1000.0), 1)
    seen = {int(bearings[e.threat]) for e in events(result, "detection")}
    assert seen == {0, 40, 320}
    # facing east, it sees the target at 50 degrees (within 45 of east) and not the one at 0
    sc = scenario(raids, system="val-sam-sector", facing_deg=90.0, duration_s=300)
    result = run(build_world(sc, vcat, cell_m=1000.0), 1)
    assert {int(bearings[e.threat]) for e in events(result, "detection")} == {50}


def _wall_dem(path: Path, wall_from_km: float, wall_to_km: float, height_m: float) -> Path:
    """A 0.0025-degree DEM at sea level with an east-west wall ``height_m`` high between two distances
    north of the site."""
    lat = np.arange(41.6, 38.4, -0.0025)
    lon = np.arange(31.0, 35.0, 0.0025)
    north_m = (
        np.sign(lat - SITE[0])
        * GEOD.inv(np.full(lat.size, SITE[1]), np.full(lat.size, SITE[0]), np.full(lat.size, SITE[1]), lat)[2]
    )
    z = np.zeros((lat.size, lon.size), np.float32)
    z[(north_m >= wall_from_km * 1e3) & (north_m <= wall_to_km * 1e3), :] = height_m
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=z.shape[0],
        width=z.shape[1],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(31.0 - 0.00125, 41.6 + 0.00125, 0.0025, 0.0025),
    ) as f:
        f.write(z, 1)
    return path


def test_terrain_masking_behind_a_wall(vcat, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A wall 1,000 m high starts D = 40 km north of the site (antenna 10 m up). In the antenna's tangent
    # plane a point at distance x and height h above the earth sits at z = h - x^2 / (2 kR); the ray over
    # the wall's near edge, z(x) = 10 + (1000 - D^2 / (2 kR) - 10) x / D, is the lowest visible height
    # beyond it: h_min(x) = z(x) + x^2 / (2 kR). A target at 4,000 m flying south from 200 km becomes
    # visible where h_min(x*) = 4,000 m (x* = 132 km), and is detected at the first scan after it crosses
    # x*, t* = (200 km - x*) / 300 m/s. The wall's near edge on the world grid is known to one DEM cell
    # (0.0025 degrees, 278 m; the DEM is resampled bilinearly), which moves x* by x*/D = 3.3 times that
    # (0.9 km, 3.1 s); the floor's 250 m cells add up to 0.5 s.
    d, h = 40e3, 4000.0

    def h_min(x: float) -> float:
        return 10.0 + (1000.0 - d * d / (2 * KR) - 10.0) * x / d + x * x / (2 * KR)

    x_star = brentq(lambda x: h_min(x) - h, d, 400e3)
    assert x_star == pytest.approx(132.2e3, abs=0.1e3)
    t_star = (200e3 - x_star) / 300.0
    dem = _wall_dem(tmp_path / "wall.tif", 40.0, 45.0, 1000.0)
    sc = scenario([radial("in", 0.0, 200.0, 60.0, {"amsl": h}, 300.0)], terrain=str(dem), duration_s=500)
    world = build_world(sc, vcat, cell_m=250.0)
    for seed in range(3):
        result = run(world, seed)
        det = events(result, "detection")
        assert det, seed
        assert det[0].t_s == pytest.approx(t_star, abs=4.0), (det[0].t_s, t_star)
    # at 10 km the same target is above the wall's shadow from the start (h_min(200 km) < 10 km)
    assert h_min(200e3) < 10_000.0
    sc = scenario([radial("in", 0.0, 200.0, 60.0, {"amsl": 10000}, 300.0)], terrain=str(dem), duration_s=60)
    assert events(run(build_world(sc, vcat, cell_m=250.0), 0), "detection")[0].t_s <= 1.0
