"""The compiled time loop (:mod:`iadsim.sim._loop`, what :func:`iadsim.sim.engine.run` runs) against the
reference engine in Python (:class:`iadsim.sim.engine._Run`): the same seed gives the same events, the same
outcome per threat and the same counts, event for event, over the built-in scenarios, a scenario that uses
every rule (false alarms, reloads from the transloader, salvos, no shoot-look-shoot), a world of drawn
figures and a member of the scale family.

Both engines draw from one ``numpy.random.Generator`` per run in the same order; numba's ``Generator``
methods give numpy's numbers (checked first, since every other test here relies on it)."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from numba import njit

from iadsim.catalog import Catalog, default_catalog, load_catalog
from iadsim.scenario import load_scenario, resolve_scenario
from iadsim.sim import _loop, engine
from iadsim.sim.world import World, build_world
from tests.reliability.cases import BASE_SCENARIO, VALIDATION


def _same_run(world: World, seed: int) -> engine.RunResult:
    """Both engines' runs of ``world`` with ``seed``, held equal; the compiled one."""
    ref = engine._Run(world, seed, True).run()
    got = engine.run(world, seed)
    assert got.summary() == ref.summary()
    assert got.outcomes == ref.outcomes
    for i, (a, b) in enumerate(zip(got.events, ref.events, strict=False)):
        assert a == b, (i, a, b)
    assert len(got.events) == len(ref.events)
    quiet = engine.run(world, seed, record_events=False)
    assert quiet.summary() == ref.summary() and quiet.events == []
    return got


@njit
def _numba_draws(rng: np.random.Generator, n: int) -> tuple[Any, ...]:
    return rng.random(n), rng.poisson(0.7), rng.uniform(0.0, 2 * np.pi, n), rng.standard_normal((3, n))


def test_numba_draws_numpys_numbers_from_the_same_generator() -> None:
    a, b = np.random.default_rng(np.random.SeedSequence(5)), np.random.default_rng(np.random.SeedSequence(5))
    for n in (0, 1, 7, 30):
        got = _numba_draws(a, n)
        want = (b.random(n), b.poisson(0.7), b.uniform(0.0, 2 * np.pi, n), b.standard_normal((3, n)))
        for x, y in zip(got, want, strict=True):
            np.testing.assert_array_equal(x, y)
    assert a.random() == b.random()  # (the state moved on alike)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return default_catalog()


@pytest.mark.parametrize("name", ["ankara-s400", "ankara-s400-2bn", "crete-s300", "turkey-bmd"])
def test_built_in_scenarios_run_as_the_reference(cat: Catalog, name: str) -> None:
    world = build_world(resolve_scenario(name, cat), cat)
    for seed in range(3):
        result = _same_run(world, seed)
        assert result.killed > 0 and result.interceptors_launched > 0  # (the runs engage)


def _fuzz_world(tmp_path: Path, change: dict[str, Any]) -> World:
    doc = copy.deepcopy(BASE_SCENARIO)
    doc["raids"][0]["count"] = 10  # more threats than ready rounds: the launchers reload
    doc["raids"][0]["interval_s"] = 2
    for key, value in change.items():
        doc[key] = {**doc[key], **value}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    vcat = load_catalog([VALIDATION])
    return build_world(load_scenario(path, vcat), vcat, cell_m=1000.0)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"doctrine": {"salvo": 2}},
        {"doctrine": {"shoot_look_shoot": False}},
        {"options": {"false_alarms_per_scan": 3.0}},
    ],
    ids=["base", "salvo-2", "no-shoot-look-shoot", "many-false-alarms"],
)
def test_every_rule_runs_as_the_reference(tmp_path: Path, change: dict[str, Any]) -> None:
    world = _fuzz_world(tmp_path, change)
    kinds: set[str] = set()
    for seed in range(4):
        result = _same_run(world, seed)
        kinds |= {e.kind for e in result.events}
    assert {"detection", "track_start", "assignment", "launch", "intercept"} <= kinds


def test_a_world_of_drawn_figures_runs_as_the_reference(cat: Catalog) -> None:
    from iadsim.montecarlo.uncertainty import disputed_figures

    world = build_world(resolve_scenario("ankara-s400", cat), cat)
    low = world.with_figures({d.name: d.low for d in disputed_figures(world.figures.values())})
    for seed in (4, 5):
        _same_run(low, seed)


def test_a_scale_family_member_runs_as_the_reference(cat: Catalog, tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "engine_scale.py"
    spec = importlib.util.spec_from_file_location("engine_scale", script)
    assert spec is not None and spec.loader is not None
    family = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(family)
    world = build_world(load_scenario(family.write_scale_scenario(3, 100, tmp_path), cat), cat)
    result = _same_run(world, 1)
    assert result.threats == 100


def test_a_run_stops_before_the_step_its_caller_says(cat: Catalog) -> None:
    world = build_world(resolve_scenario("crete-s300", cat), cat)
    seen: list[float] = []

    def stop(t: float) -> bool:
        seen.append(t)
        return t >= 30.0

    with pytest.raises(engine.RunStopped, match="stopped at t = 30 s"):
        engine.run(world, 1, should_stop=stop)
    step = world.scenario.step_s
    assert seen == pytest.approx(np.arange(0.0, 30.0 + step / 2, step))  # asked before every step
    # a run that is not stopped is the run
    assert engine.run(world, 1, should_stop=lambda t: False).events == engine.run(world, 1).events


def test_warm_up_loads_the_loop_every_run_uses(cat: Catalog) -> None:
    engine.warm_up()
    world = build_world(resolve_scenario("crete-s300", cat), cat)
    engine.run(world, 0)
    assert len(_loop.run_block.signatures) == 1  # (one compiled loop, loaded once per process)


@pytest.mark.slow
def test_a_process_loads_the_kernels_after_another_has_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lock of engine._one_compiler, held here: a second process that warms up waits for it, then loads
    # the kernels (from numba's cache, written by whoever compiled them first) and finishes.
    monkeypatch.setenv("IADSIM_CACHE", str(tmp_path))
    code = "from iadsim.sim import engine; print('start', flush=True); engine.warm_up(); print('done')"
    with engine._one_compiler():
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"
        time.sleep(2.0)  # (a warm-up takes about half a second once compiled)
        assert proc.poll() is None  # still waiting
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and out.strip() == "done"
    assert (tmp_path / "kernels.lock").exists()


def test_the_arrays_of_a_world_go_with_it(cat: Catalog) -> None:
    import gc
    import weakref

    world = build_world(resolve_scenario("crete-s300", cat), cat)
    engine.run(world, 0)
    assert id(world) in engine._ARRAYS
    gone = weakref.ref(world)
    key = id(world)
    del world
    gc.collect()
    assert gone() is None and key not in engine._ARRAYS
