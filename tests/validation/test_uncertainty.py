"""Which catalog figures a study uses, and how ``--uncertainty`` draws them: every figure the world read that
has a range of claims, nothing else, each by its rule."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from iadsim.catalog import Catalog, Figure, default_catalog
from iadsim.montecarlo import StudySpec
from iadsim.montecarlo.runner import run_study
from iadsim.montecarlo.uncertainty import LEVELS, disputed_figures, draw, fixed_figures
from iadsim.scenario import resolve_scenario
from iadsim.sim.engine import run
from iadsim.sim.world import World, build_world
from iadsim.store import StudyStore
from iadsim.workflows.report import write_report


@pytest.fixture(scope="module")
def ankara() -> World:
    cat = default_catalog()
    return build_world(resolve_scenario("ankara-s400", cat), cat)


def test_the_world_names_the_figures_it_used(ankara: World) -> None:
    # Among them the ones a hand-written list used to leave out: the 92N6E's fire channels and missiles
    # guided, scan periods, reference RCS, antenna heights, envelope limits, the launcher's reload time.
    drawn = {d.name for d in disputed_figures(ankara.figures.values())}
    for name in (
        "92n6e.targets_engaged",
        "92n6e.missiles_guided",
        "91n6e.scan_period_s",
        "92n6e.scan_period_s",
        "91n6e.reference_rcs_m2",
        "91n6e.mast_height_m",
        "92n6e.mast_height_m",
        "92n6e.azimuth_sector_deg",
        "48n6e3.envelopes.aircraft.min_range_m",
        "48n6e3.envelopes.cruise-missile.min_range_m",
        "9m96e2.envelopes.aircraft.max_altitude_m",
        "9m96e2.burn_time_s",
        "5p85se2.reload_time_s",
        "55k6e.processing_delay_s",
        "subsonic-cruise-missile.rcs_m2",
    ):
        assert name in drawn, name
    # figures it does not use are not listed: the 40N6E (not loaded), the system-level fire channels (the
    # 92N6E gives its own), the scenario's own loadout and speeds (catalog loadout and speeds unused)
    used = set(ankara.figures)
    assert not {n for n in used if n.startswith(("40n6e.", "48n6e2.")) or "ballistic-missile" in n}
    assert "s-400.targets_engaged" not in used and "s-400.loadout.48n6e3" not in used
    assert "f-16c.speed_mps" not in used and "92n6e.reference_pd" in fixed_figures(ankara.figures.values())


def _perturbed(cat: Catalog, keep: set[str]) -> Catalog:
    """The catalog with every figure whose ``entity.path`` is not in ``keep`` changed (x 1.37)."""

    def change(model: BaseModel, prefix: str) -> BaseModel:
        update: dict[str, Any] = {}
        for name in type(model).model_fields:
            value = getattr(model, name)
            path = f"{prefix}.{name}"
            if isinstance(value, Figure):
                if path not in keep:
                    update[name] = value.model_copy(update={"value": value.value * 1.37 + 1.0})
            elif isinstance(value, BaseModel):
                update[name] = change(value, path)
            elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
                update[name] = {  # a table of figures (rcs_by_band: band -> aspect -> figure)
                    k: {
                        a: (
                            f.model_copy(update={"value": f.value * 1.37 + 1.0})
                            if f"{path}.{k}.{a}" not in keep
                            else f
                        )
                        for a, f in v.items()
                    }
                    for k, v in value.items()
                }
            elif isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
                update[name] = {
                    k: (
                        v.model_copy(update={"value": v.value * 1.37 + 1.0})
                        if isinstance(v, Figure) and f"{path}.{k}" not in keep
                        else (v if isinstance(v, Figure) else change(v, f"{path}.{k}"))
                    )
                    for k, v in value.items()
                }
        return model.model_copy(update=update)

    tables = {
        section: {eid: change(e, eid) for eid, e in getattr(cat, section).items()}
        for section in (
            "systems",
            "radars",
            "missiles",
            "launchers",
            "command_posts",
            "targets",
            "sites",
            "surfaces",
        )
    }
    return Catalog(**tables, sources=cat.sources, files=cat.files, digest=cat.digest)  # type: ignore[arg-type]


def test_the_list_is_complete(ankara: World) -> None:
    # Change every catalog figure the world did not list: the runs do not change. (A figure read without
    # being recorded would change them.)
    cat = _perturbed(default_catalog(), set(ankara.figures))
    other = build_world(ankara.scenario, cat)
    assert {n: u.value for n, u in other.figures.items()} == {n: u.value for n, u in ankara.figures.items()}
    for seed in (1, 2):
        a, b = run(ankara, seed), run(other, seed)
        assert a.summary() == b.summary() and a.events == b.events


def test_each_kind_of_figure_is_drawn_by_its_rule(ankara: World) -> None:
    disputed = {d.name: d for d in disputed_figures(ankara.figures.values())}
    samples = [
        draw(list(disputed.values()), np.random.SeedSequence(5, spawn_key=(0, i))) for i in range(3000)
    ]

    def values(name: str) -> np.ndarray:
        return np.array([s[name] for s in samples])

    # an RCS is drawn log-uniformly: half the draws below the geometric mean of the range's ends
    # (a uniform draw would put (sqrt(0.01 x 0.5) - 0.01) / 0.49 = 12 % there); 4 binomial sd = 0.037
    rcs = disputed["subsonic-cruise-missile.rcs_m2"]
    assert (rcs.low, rcs.high, rcs.distribution) == (0.01, 0.5, "log-uniform")
    below = np.mean(values(rcs.name) < math.sqrt(rcs.low * rcs.high))
    assert below == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / 3000))
    # a narrow range (factor below 3) uniformly: the mean is the midpoint (4 sd of a uniform mean)
    reaction = disputed["s-400.reaction_time_s"]
    assert reaction.distribution == "uniform" and reaction.high / reaction.low < 3
    width = reaction.high - reaction.low
    assert values(reaction.name).mean() == pytest.approx(
        (reaction.low + reaction.high) / 2, abs=4 * width / math.sqrt(12 * 3000)
    )
    # fire channels: whole numbers within the claims (6 to 36: a factor of 6, log-uniform)
    channels = values("92n6e.targets_engaged")
    assert np.all(channels == np.round(channels)) and channels.min() >= 6 and channels.max() <= 36
    assert disputed["92n6e.targets_engaged"].distribution == "log-uniform"
    assert np.mean(channels <= 15) == pytest.approx(
        (math.log(15.5) - math.log(5.5)) / (math.log(36.5) - math.log(5.5)), abs=0.04
    )
    # antenna heights and sectors: one of LEVELS values spread evenly over the claims, each about as often
    mast = disputed["92n6e.mast_height_m"]
    levels = np.linspace(mast.low, mast.high, LEVELS)
    drawn = values(mast.name)
    assert set(np.unique(drawn)) == set(levels)
    assert np.all(np.abs(np.bincount(np.searchsorted(levels, drawn)) / 3000 - 1 / LEVELS) < 0.04)
    sector = disputed["92n6e.azimuth_sector_deg"]
    assert sector.distribution == "levels" and set(np.unique(values(sector.name))) == set(
        np.linspace(sector.low, sector.high, LEVELS)
    )


def test_the_study_says_what_was_drawn_and_what_was_held(ankara: World, tmp_path: Path) -> None:
    cat = default_catalog()
    sc = ankara.scenario.model_copy(update={"raids": ankara.scenario.raids[2:], "duration_s": 300.0})
    spec = StudySpec(sc, runs=3, seed=4, uncertainty=True)
    with StudyStore(tmp_path / "u.duckdb") as store:
        res = run_study(spec, cat, store)
        (study,) = store.studies()
        rows = store.replications(res.study_id)
    man = study["manifest"]
    world = build_world(sc, cat)
    assert [d["name"] for d in man["figures_drawn"]] == [
        d.name for d in disputed_figures(world.figures.values())
    ]
    assert man["figures_fixed"] == fixed_figures(world.figures.values())
    assert set(rows[0]["draws"]) == {d["name"] for d in man["figures_drawn"]}
    report = write_report(tmp_path / "u.duckdb", tmp_path / "report.html", catalog=cat).read_text(
        encoding="utf-8"
    )
    assert "Disputed figures drawn per replication" in report and "held at their catalog value" in report
    assert "92n6e.targets_engaged" in report and "92n6e.reference_pd" in report
