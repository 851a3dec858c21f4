"""The demo's steps: reported with their progress (the coverage and the saturation study side by side),
timed, and the coverage study's count of progress messages known beforehand."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from iadsim.catalog import default_catalog
from iadsim.scenario import Altitude, CoverageSpec, resolve_scenario
from iadsim.workflows.coverage_study import CoverageCache, progress_total, run_coverage
from iadsim.workflows.demo import DEMO_SCENARIO, STEPS, run_demo


@pytest.mark.slow
def test_progress_total_is_the_number_of_messages_and_a_cache_gives_the_same_study(tmp_path: Path) -> None:
    cat = default_catalog()
    sc = resolve_scenario(DEMO_SCENARIO, cat)
    sc = sc.model_copy(update={"coverage": CoverageSpec(**{**sc.coverage.model_dump(), "cell_m": 4000.0})})
    cases = [("f-16c", Altitude(agl=1000)), ("f-16c", Altitude(agl=50)), ("f-35a", Altitude(agl=10000))]
    messages: list[str] = []
    cache = CoverageCache()
    first = run_coverage(sc, cat, tmp_path / "a", cases=cases, progress=messages.append, cache=cache)
    # 1 terrain + 3 radars (91N6E, 96L6E, 92N6E) + 3 cases + 2 targets' maps
    assert len(messages) == progress_total(sc, cat, cases) == 1 + 3 + 3 + 2
    assert len(cache.grids) == 1 and len(cache.floors) == 3
    floors = dict(cache.floors)
    again = run_coverage(sc, cat, tmp_path / "b", cases=cases, cache=cache)
    assert cache.floors == floors  # nothing computed again
    assert [r.area_km2 for r in again.rows] == [r.area_km2 for r in first.rows]
    alone = run_coverage(sc, cat, tmp_path / "c", cases=cases)
    assert [r.area_km2 for r in alone.rows] == [r.area_km2 for r in first.rows]


@pytest.mark.slow
def test_the_demo_reports_each_step_and_times_it(tmp_path: Path) -> None:
    events: list[tuple[str, int, int | None, str]] = []
    start = time.perf_counter()
    result = run_demo(
        tmp_path, default_catalog(), coverage=False, saturation_runs=1, progress=lambda *e: events.append(e)
    )
    wall = time.perf_counter() - start
    ran = [s for s in STEPS if s != "coverage over terrain"]
    assert list(dict.fromkeys(e[0] for e in events)) == ran
    for step in ran:
        mine = [e for e in events if e[0] == step]
        assert mine[0][1] == 0  # announced before its work
        assert mine[-1][1] == mine[-1][2]  # and every unit of it done at the end
        assert [e[1] for e in mine] == sorted(e[1] for e in mine)
    saturation = [e for e in events if e[0] == "saturation study"]
    assert saturation[-1][2] == 2 * 4  # two defences, four raid sizes, one replication each
    assert set(result.step_times_s) == set(ran)
    assert all(0 < t <= result.wall_s for t in result.step_times_s.values())
    assert result.step_times_s["detection ranges"] + result.step_times_s["report"] < result.wall_s <= wall
