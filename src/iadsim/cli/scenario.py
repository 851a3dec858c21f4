"""``iadsim validate``, ``iadsim scenarios`` and ``iadsim run``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iadsim.cli._common import JsonOption, console, get_catalog, in_range, print_json
from iadsim.limits import MAX_SEED

#: Largest seed (the store keeps seeds as signed 64-bit integers).


def validate(
    file: Annotated[str, typer.Argument(help="Scenario YAML file or built-in name.")],
    json_: JsonOption = False,
) -> None:
    """Check a scenario file (or a built-in scenario): every problem is reported with its file, line and
    field; a scenario that validates also runs (its terrain opens, its deployment holds, its world fits the
    limits)."""
    from iadsim.cli import _startup

    _startup.import_numpy_for_one_pass()  # no linear algebra here: no OpenBLAS threads to start
    from iadsim.scenario import resolve_scenario
    from iadsim.sim.plan import plan_world  # not the engine, whose numba kernels are slow to import

    cat = get_catalog()
    sc = resolve_scenario(file, cat)
    plan_world(sc, cat)
    threats = sum(r.count for r in sc.raids)
    if json_:
        print_json(
            {
                "file": str(file),
                "valid": True,
                "name": sc.name,
                "units": len(sc.units),
                "threats": threats,
                "digest": sc.digest,
            }
        )
        return
    console.print(
        f"[green]valid[/]: {file} — scenario {sc.name!r}, {len(sc.units)} unit(s), "
        f"{len(sc.raids)} raid(s), {threats} threat(s)"
    )


def scenarios(json_: JsonOption = False) -> None:
    """List the built-in scenarios (run one by name: ``iadsim run ankara-s400``)."""
    from rich.table import Table

    from iadsim.scenario import builtin_scenarios, load_scenario

    cat = get_catalog()
    items = [load_scenario(path, cat) for _, path in sorted(builtin_scenarios().items())]
    if json_:
        print_json(
            [
                {
                    "name": s.name,
                    "description": s.description,
                    "units": [u.system for u in s.units],
                    "threats": sum(r.count for r in s.raids),
                }
                for s in items
            ]
        )
        return
    table = Table(title="built-in scenarios")
    for col in ("name", "systems", "threats", "description"):
        table.add_column(col)
    for s in items:
        table.add_row(
            s.name, ", ".join(u.system for u in s.units), str(sum(r.count for r in s.raids)), s.description
        )
    console.print(table)


def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")],
    seed: Annotated[int, typer.Option(help=f"Seed of the run's random numbers, 0 to {MAX_SEED}.")] = 1,
    out: Annotated[Path | None, typer.Option(help="DuckDB results file to add the run to.")] = None,
    events: Annotated[bool, typer.Option(help="Store the events log with the run.")] = True,
    json_: JsonOption = False,
) -> None:
    """Run a scenario once: who is detected when, tracked, engaged, killed or leaks."""
    from rich.table import Table

    from iadsim._atomic import check_not_input, protect
    from iadsim.scenario import resolve_scenario
    from iadsim.sim.engine import run as run_engine
    from iadsim.sim.world import build_world
    from iadsim.store import RunStore, manifest

    in_range("--seed", seed, 0, MAX_SEED)
    protect([scenario])
    if out is not None:
        check_not_input(out, "--out")
    cat = get_catalog()
    sc = resolve_scenario(scenario, cat)
    with console.status(f"building the world of {sc.name} (terrain, radar floors)..."):
        world = build_world(sc, cat)
    with console.status(f"running {sc.name}, seed {seed}..."):
        result = run_engine(world, seed)
    man = manifest(
        scenario=sc.name,
        scenario_digest=sc.digest,
        catalog_digest=cat.digest,
        dem=world.terrain_identity,
        seed=seed,
    )
    run_id = None
    if out is not None:
        with RunStore(out) as store:
            run_id = store.add_run(
                man, result.summary(), result.outcomes, result.events_as_dicts() if events else None
            )
    if json_:
        print_json({**result.summary(), "manifest": man, "run_id": run_id, "outcomes": result.outcomes})
        return
    s = result.summary()
    table = Table(title=f"{sc.name}, seed {seed}")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    for key in ("threats", "detected", "engaged", "killed", "leaked", "interceptors_launched", "intercepts"):
        table.add_row(key.replace("_", " "), str(s[key]))
    console.print(table)
    if s["interceptors_by_type"]:
        console.print("interceptors: " + ", ".join(f"{k} {v}" for k, v in s["interceptors_by_type"].items()))
    if s["first_detection_s"]:
        console.print(
            "first detection: " + ", ".join(f"{k} at {v:.0f} s" for k, v in s["first_detection_s"].items())
        )
    if run_id:
        console.print(f"stored as run {run_id} in {out}")
