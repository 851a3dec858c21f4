"""``iadsim mc`` and ``iadsim results``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iadsim.cli._common import JsonOption, console, err_console, get_catalog, print_json
from iadsim.errors import IadsimError, InputError

if TYPE_CHECKING:
    from iadsim.catalog import Catalog
    from iadsim.montecarlo import StudySpec
    from iadsim.montecarlo.runner import StudyRun

#: The most replications per sweep point (the store numbers them with 32-bit integers; the list of those to
#: do is held in memory): ten million, hours of work on one machine.
MAX_RUNS = 10_000_000
#: Local worker processes per core at most (each runs one replication at a time).
WORKERS_PER_CORE = 4


def _cores() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def check_options(runs: int, seed: int, workers: int, batch: int | None) -> None:
    """Refuse, before any work, numeric options outside what a study can use (:class:`InputError`)."""
    from iadsim.store import MAX_SEED

    if not 1 <= runs <= MAX_RUNS:
        raise InputError(f"--runs: must be from 1 to {MAX_RUNS:,} (per sweep point), got {runs}")
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"--seed: must be from 0 to 2**63 - 1 ({MAX_SEED}), got {seed}")
    most = WORKERS_PER_CORE * _cores()
    if not 1 <= workers <= most:
        raise InputError(
            f"--workers: must be from 1 to {most} ({WORKERS_PER_CORE} per core here), got {workers}; "
            "for more, start a Dask cluster and give its --scheduler"
        )
    if batch is not None and not 1 <= batch <= MAX_RUNS:
        raise InputError(f"--batch: must be from 1 to {MAX_RUNS:,} replications per task, got {batch}")


def mc(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")],
    runs: Annotated[int, typer.Option(help="Replications (per sweep point).")] = 100,
    seed: Annotated[
        int, typer.Option(help="Seed of the study: replication i gets the same stream anywhere.")
    ] = 1,
    workers: Annotated[int, typer.Option(help="Local Dask worker processes (1: run here).")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Address of a running Dask scheduler.")] = None,
    sweep: Annotated[str | None, typer.Option(help="PATH=v1,v2,...: a scenario field to vary.")] = None,
    uncertainty: Annotated[
        bool, typer.Option(help="Draw each disputed catalog figure per replication.")
    ] = False,
    out: Annotated[Path, typer.Option(help="DuckDB results file (the same command resumes a study).")] = Path(
        "results.duckdb"
    ),
    batch: Annotated[int | None, typer.Option(help="Replications per task.")] = None,
    json_: JsonOption = False,
) -> None:
    """Monte Carlo study: many replications of a scenario with 95% intervals; resumable; serial or Dask."""

    from iadsim._atomic import check_not_input, protect
    from iadsim.montecarlo import StudySpec, parse_sweep
    from iadsim.montecarlo.stats import summarize
    from iadsim.scenario import resolve_scenario

    check_options(runs, seed, workers, batch)
    if scheduler is not None and workers != 1:
        raise InputError("give either --workers or --scheduler, not both")
    protect([scenario])
    check_not_input(out, "--out")
    cat = get_catalog()
    sc = resolve_scenario(scenario, cat)
    spec = StudySpec(sc, runs, seed, parse_sweep(sweep) if sweep else None, uncertainty)
    spec.points()  # check the sweep before any work
    new_file = not out.exists()
    try:
        rows, more, man, result = _study(spec, cat, out, workers, scheduler, batch, json_, sc.name)
    except BaseException:
        if new_file:
            _remove_if_empty(out)  # (a study that stored nothing leaves no file behind)
        raise
    summary = summarize(rows)
    if result.interrupted:
        raise IadsimError(
            f"interrupted: {len(rows)} of {result.total} replications are stored in {out}; "
            "run the same command again to finish the study"
        )
    if json_:
        print_json(
            {
                "study_id": result.study_id,
                "replications": rows,
                "summary": summary,
                "more_stored": more,
                "timing": {
                    **result.timing,
                    "computed": result.computed,
                    "skipped": result.skipped,
                    "replications_per_s": result.computed / result.timing["total_s"]
                    if result.computed
                    else 0.0,
                },
            }
        )
        return
    _print_summary(summary, f"study {result.study_id}: {sc.name}, {runs} replications per point")
    if uncertainty:
        console.print(
            f"{len(man.get('figures_drawn', []))} disputed catalog figures drawn in every replication, "
            f"{len(man.get('figures_fixed', []))} held at their catalog value (both listed in the study's "
            "manifest: iadsim results --json, iadsim report)"
        )
    console.print(
        f"{result.computed} computed, {result.skipped} already stored, in {result.timing['total_s']:.1f} s; "
        f"results in {out}"
    )
    if more:
        console.print(
            f"{more} more replication(s) of this study, beyond the {runs} per point asked for, are stored in "
            f"{out} and left out of this summary (`iadsim results {out}` summarises them all)"
        )


def _study(
    spec: StudySpec,
    cat: Catalog,
    out: Path,
    workers: int,
    scheduler: str | None,
    batch: int | None,
    json_: bool,
    name: str,
) -> tuple[list[dict[str, Any]], int, dict[str, Any], StudyRun]:
    """Run the study into ``out`` with a progress bar: its replications as asked, how many more are stored,
    its manifest and the run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from iadsim.montecarlo.runner import run_study
    from iadsim.store import StudyStore

    runs = spec.runs
    with StudyStore(out) as store:
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=err_console, transient=json_) as bar:
            task = bar.add_task(name, total=None, rate="")
            started: dict[str, Any] = {}

            def progress(done: int, total: int) -> None:
                import time

                now = time.perf_counter()
                if "t" not in started:
                    started.update(t=now, done=done)
                elapsed = now - started["t"]
                rate = (done - started["done"]) / elapsed if elapsed > 0 else 0.0
                bar.update(task, completed=done, total=total, rate=f"{rate:.1f}/s" if rate else "")

            result = run_study(spec, cat, store, workers, scheduler, batch, progress)
        rows = store.replications(result.study_id, runs)  # the study as asked: replications 0 to runs - 1
        more = store.count(result.study_id) - len(rows)
        man = next(s["manifest"] for s in store.studies() if s["study_id"] == result.study_id)
    return rows, more, man, result


def _remove_if_empty(path: Path) -> None:
    """Delete a results file (and DuckDB's write-ahead log beside it) that holds no replication."""
    from iadsim.store import StudyStore

    try:
        with StudyStore(path) as store:
            stored = sum(store.count(s["study_id"]) for s in store.studies())
    except Exception:
        return  # (unreadable: leave it for the user to see)
    if stored == 0:
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _print_summary(summary: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for col in ("point", "runs", "leak fraction (95% CI)", "P(any leak)", "killed", "interceptors"):
        table.add_column(col, justify="left" if col == "point" else "right")
    for s in summary:
        lf, al, k, i = s["leak_fraction"], s["any_leak"], s["killed"], s["interceptors_launched"]
        table.add_row(
            s["label"],
            str(s["replications"]),
            f"{lf['mean']:.3f} [{lf['low']:.3f}, {lf['high']:.3f}]",
            f"{al['p']:.2f} [{al['low']:.2f}, {al['high']:.2f}]",
            f"{k['mean']:.1f} ± {(k['high'] - k['mean']):.1f}",
            f"{i['mean']:.1f} ± {(i['high'] - i['mean']):.1f}",
        )
    console.print(table)
    for s in summary:
        if s.get("sensitivity"):
            top = ", ".join(f"{x['figure']} {x['spearman_rho']:+.2f}" for x in s["sensitivity"][:5])
            console.print(f"{s['label']}: rank correlation with leaks: {top}")


def results(
    file: Annotated[Path, typer.Argument(help="DuckDB results file.")],
    parquet: Annotated[
        Path | None, typer.Option(help="Export every table as Parquet to this folder.")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Summaries of the studies in a results file, with 95% intervals; optional Parquet export.

    The results file is only read (opened read-only).
    """
    from iadsim.montecarlo.stats import summarize
    from iadsim.store import StudyStore

    with StudyStore(file, read_only=True) as store:  # (a missing file: "no such results file")
        studies = store.studies()
        data = [{**s, "summary": summarize(store.replications(s["study_id"]))} for s in studies]
        runs = store.runs()
        files = store.export_parquet(parquet) if parquet else []
    if json_:
        print_json({"studies": data, "runs": runs, "parquet": [str(f) for f in files]})
        return
    for s in data:
        spec = s["spec"]
        _print_summary(
            s["summary"],
            f"study {s['study_id']}: {spec['scenario']}, seed {spec['seed']}"
            + (", with uncertainty" if spec["uncertainty"] else ""),
        )
    if runs:
        console.print(f"{len(runs)} single run(s) stored")
    for f in files:
        console.print(f"wrote {f}")
