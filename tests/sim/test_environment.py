"""The engine and the coverage maps apply one rule for what the surface does to detection: a test holds
them together on the same radar, target and surface."""

from __future__ import annotations

import numpy as np

from iadsim import physics
from iadsim.catalog import default_catalog
from iadsim.coverage import radar_floor
from iadsim.coverage.maps import detection_coverage
from iadsim.scenario import Scenario
from iadsim.sim.world import build_world

SITE = (40.0, 33.0)


def _scenario(surface: str) -> Scenario:
    return Scenario.model_validate(
        {
            "version": 1,
            "name": "surface",
            "terrain": "flat",
            "duration_s": 60,
            "units": [{"name": "u", "system": "s-400", "position": list(SITE), "facing_deg": 90}],
            "environment": {"surface": surface},
        }
    )


def test_maps_and_engine_detect_the_same_cells() -> None:
    # A cruise missile 30 m above a calm sea, seen by the 96L6E (all round) at its mast height: the map's
    # cells detected at Pd >= 0.5 are those where the engine's SNR (the free-space SNR of the RCS the
    # radar sees nose-on, less the loss its Look computes at the cell's centre) reaches the SNR that
    # Pd 0.5 needs. Deep lobing nulls make the comparison sharp.
    cat = default_catalog()
    world = build_world(_scenario("sea-calm"), cat, cell_m=500.0)
    site = next(r for r in world.radars if r.radar_id == "96l6e")
    model, look, env = site.model, site.look, world.deployment.environment
    assert not env.free_space
    target = cat.target("subsonic-cruise-missile")
    rcs = target.rcs(model.band, "nose")[1].value
    sw = int(target.swerling.value)
    floor = radar_floor(world.terrain, site.x_m, site.y_m, model.mast_height_m, env.k, 120e3)
    mask = np.asarray(detection_coverage(floor, model, rcs, sw, 30.0, pd=0.5, env=env).values, bool)

    # the engine's rule at the centres of the cells within the line of sight (smooth earth here)
    rows, cols = np.indices(mask.shape)
    t = floor.agl.transform
    x = t.c + (cols + 0.5) * t.a
    y = t.f + (rows + 0.5) * t.e
    ground = np.hypot(x - site.x_m, y - site.y_m)
    horizon = float(physics.radar_horizon_m(site.antenna_amsl_m, 30.0))
    inside = (ground > 2e3) & (ground < horizon - 2e3)
    p = np.stack([x[inside], y[inside], np.full(inside.sum(), 30.0)], axis=1)
    heading = np.stack([site.x_m - p[:, 0], site.y_m - p[:, 1], np.zeros(len(p))], axis=1)  # inbound
    loss, aspect = look.at(p, heading, np.zeros(len(p)))
    assert np.all(aspect == 0)
    slant = physics.slant_range_from_ground_m(ground[inside], 30.0, site.antenna_amsl_m, env.k)
    snr = model.snr_db(slant, rcs) - loss
    required = float(physics.required_snr_db(0.5, model.pfa, 1, sw))
    engine = snr >= required
    margin = np.abs(snr - required) > 1e-6  # cells exactly on the threshold may go either way
    np.testing.assert_array_equal(mask[inside][margin], engine[margin])
    # the surface matters here: some cells inside the free-space range are lost to it
    free = float(model.free_space_range_m(rcs, 0.5, sw))
    assert (~engine & (slant < free)).any() and engine.any()


def test_timeline_signal_is_the_look_at_each_threat() -> None:
    # What the engine applies at each step is the Look evaluated at the threat's position and heading.
    cat = default_catalog()
    raw = _scenario("farmland").model_dump(exclude={"source", "digest"})
    raw["raids"] = [
        {
            "name": "r",
            "target": "f-35a",
            "count": 1,
            "speed_mps": 250,
            "route": [
                {"position": [40.0, 34.0], "altitude": {"agl": 100}},
                {"position": list(SITE), "altitude": {"agl": 100}},
            ],
        }
    ]
    sc = Scenario.model_validate(raw)
    world = build_world(sc, cat, cell_m=500.0)
    tl = world.timeline
    checked = 0
    for site in world.radars:
        for step in range(0, 331, 30):
            loss, aspect = tl.signal(site.look, step)
            pos = tl.positions(step)
            heading = tl.positions(step + 1) - pos
            want_loss, want_aspect = site.look.at(pos, heading, world.ground_m(pos[:, 0], pos[:, 1]))
            seen, _ = tl.geometry(site.coverage, step)
            np.testing.assert_allclose(loss[seen], want_loss[seen], atol=1e-9)
            assert np.all(loss[~seen] == 0.0)  # not needed where the radar does not see
            checked += int(seen.sum())
            np.testing.assert_array_equal(aspect, want_aspect)
            assert aspect[0] == 0  # flying at the radar: nose-on
    assert checked >= 10  # the target was seen at many of these steps
