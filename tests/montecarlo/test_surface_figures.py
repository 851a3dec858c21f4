"""The figures of the surface, the radars' beams and clutter cells and the targets' RCS by band and aspect
are read through the deployment's ledger: a study lists them and ``--uncertainty`` draws them."""

from __future__ import annotations

from iadsim.catalog import default_catalog
from iadsim.deployment import deploy
from iadsim.montecarlo.uncertainty import disputed_figures, distribution_of
from iadsim.scenario import resolve_scenario


def test_the_new_figures_are_listed_and_disputed() -> None:
    cat = default_catalog()
    sc = resolve_scenario("ankara-s400", cat)
    raw = sc.model_dump(exclude={"source", "digest"})
    raw["raids"][0]["target"] = "f-35a"  # a target with RCS by band and aspect
    sc = type(sc).model_validate(raw)
    used = deploy(sc, cat).figures
    for name in (
        "farmland.gamma_db",
        "farmland.rms_height_m",
        "farmland.relative_permittivity",
        "96l6e.elevation_beamwidth_deg",
        "96l6e.azimuth_beamwidth_deg",
        "92n6e.range_resolution_m",
        "91n6e.improvement_factor_db",
        "91n6e.frequency_hz",
        "f-35a.rcs_by_band.S.nose",
        "f-35a.rcs_by_band.S.beam",
        "f-35a.rcs_by_band.X.tail",
    ):
        assert name in used, name
    drawn = {d.name: d for d in disputed_figures(used.values())}
    assert {"farmland.rms_height_m", "96l6e.elevation_beamwidth_deg", "f-35a.rcs_by_band.X.nose"} <= set(
        drawn
    )
    # the F-35A's RCS spans orders of magnitude: drawn log-uniformly
    assert distribution_of(used["f-35a.rcs_by_band.X.nose"]) == "log-uniform"
    low, high = used["f-35a.rcs_by_band.X.nose"].figure.range or (0, 0)
    assert (drawn["f-35a.rcs_by_band.X.nose"].low, drawn["f-35a.rcs_by_band.X.nose"].high) == (low, high)


def test_a_drawn_surface_figure_reaches_the_engine() -> None:
    from iadsim.sim.world import build_world

    cat = default_catalog()
    world = build_world(resolve_scenario("ankara-s400", cat), cat)
    other = world.with_figures({"farmland.gamma_db": 10.0, "91n6e.improvement_factor_db": 0.0})
    env = other.deployment.environment
    assert env.surface is not None and env.surface.gamma_db == 10.0
    site = next(r for r in other.radars if r.radar_id == "91n6e")
    assert site.model.improvement_factor_db == 0.0 and site.look.env is env
    before = next(r for r in world.radars if r.radar_id == "91n6e")
    assert site.look is not before.look  # a new look: its losses are computed anew
