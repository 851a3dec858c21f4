"""``iadsim demo``: the main job on the embedded default data."""

from __future__ import annotations

import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iadsim.cli._common import JsonOption, console, err_console, get_catalog, km, print_json

_MARK = {"power": "", "horizon": "*", "instrumented": "†"}


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's tables and charts.")] = Path("iadsim-demo"),
    coverage: Annotated[bool, typer.Option(help="Include the coverage study over real terrain.")] = True,
    mc_runs: Annotated[
        int, typer.Option(help="Replications per point of the saturation study (0: skip it).")
    ] = 40,
    workers: Annotated[
        int,
        typer.Option(help="Dask worker processes for the saturation study (default: 2, or 1 on one core)."),
    ] = 0,
    ballistic: Annotated[
        bool, typer.Option(help="Include the ballistic-missile defence study (defended footprints).")
    ] = True,
    json_: JsonOption = False,
) -> None:
    """The S-400 near Ankara: detection ranges beside the 400 km ring, coverage over terrain, saturation,
    ballistic-missile defence beside Patriot and SAMP/T.

    Detection ranges of its radars against every catalog target, what its radars and missiles cover over
    real terrain at Mürted, a Monte Carlo saturation study, the areas one S-400, Patriot and SAMP/T battery
    each defend against a short-range ballistic missile with the disputed figures drawn, and one HTML report
    of it all.
    """
    from iadsim.cli import _startup

    _startup.no_huge_pages()  # (behind the coverage's large arrays)
    from iadsim.cli._common import in_range
    from iadsim.errors import InputError

    in_range("--mc-runs", mc_runs, 0, 100_000)
    in_range("--workers", workers, 0, 1024)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out is a file; the demo writes a folder of files")
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    from iadsim.workflows.demo import run_demo

    columns = (
        SpinnerColumn(finished_text="[green]✓"),
        TextColumn("{task.description:<24}"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[message]}"),
    )
    tasks: dict[str, TaskID] = {}
    # (on a terminal only; transient: the bars give way to the table of step times, or to an error)
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bars:
        lock = threading.Lock()  # (the coverage and the saturation study report from two threads)

        def show(step: str, done: int, total: int | None, message: str) -> None:
            with lock:
                if step not in tasks:
                    tasks[step] = bars.add_task(step, total=total, message="")
                bars.update(tasks[step], completed=done, total=total, message=message)
                if total is not None and done >= total:
                    bars.stop_task(tasks[step])

        result = run_demo(
            out,
            get_catalog(),
            coverage=coverage,
            progress=show,
            saturation_runs=mc_runs,
            workers=workers or min(2, os.cpu_count() or 1),
            ballistic=ballistic,
        )

    if json_:
        print_json(
            {
                "system": result.system,
                "ring_m": result.ring_m,
                "pd": result.pd,
                "rows": [r.as_dict() for r in result.rows],
                "files": [str(f) for f in result.files],
                "coverage": result.coverage.as_dict() if result.coverage else None,
                "saturation": [asdict(r) for r in result.saturation] if result.saturation else None,
                "ballistic": [asdict(r) for r in result.ballistic] if result.ballistic else None,
                "step_times_s": result.step_times_s,
                "wall_s": result.wall_s,
            }
        )
        return
    alts = sorted({r.altitude_m for r in result.rows})
    table = Table(
        title=f"{result.system}: detection range (km) over a smooth 4/3 earth, single-look Pd "
        f"{result.pd:g}; advertised ring {km(result.ring_m)} km"
    )
    for col in (
        "radar",
        "target",
        "RCS m²",
        "free space",
        *(f"at {a:g} m" for a in alts),
        "% of ring at 10 km",
    ):
        table.add_column(col, justify="right" if col not in ("radar", "target") else "left")
    by_key = {(r.radar, r.target, r.altitude_m): r for r in result.rows}
    for radar, target in dict.fromkeys((r.radar, r.target) for r in result.rows):
        first = by_key[(radar, target, alts[0])]
        det = [by_key[(radar, target, a)] for a in alts]
        cells = [f"{km(d.detection_m)}{_MARK[d.limited_by]}" for d in det]
        table.add_row(
            radar,
            target,
            f"{first.rcs_m2:g}",
            km(first.free_space_m),
            *cells,
            f"{100 * det[-1].detection_m / result.ring_m:.0f}%",
        )
    console.print(table)
    console.print("* limited by the radar horizon; † by the radar's instrumented range; unmarked: by power.")
    if result.coverage is not None:
        from iadsim.cli.coverage import ring_table

        console.print(ring_table(result.coverage))
    if result.saturation:
        sat = Table(title="Saturation: cruise missiles at 50 m against the S-400 near Ankara (95% intervals)")
        for col in ("defence", "raid", "runs", "leak fraction", "P(any leak)", "interceptors"):
            sat.add_column(col, justify="left" if col == "defence" else "right")
        for r in result.saturation:
            sat.add_row(
                r.defence,
                str(r.raid_size),
                str(r.replications),
                f"{r.leak_fraction:.2f} [{r.leak_fraction_low:.2f}, {r.leak_fraction_high:.2f}]",
                f"{r.any_leak:.2f} [{r.any_leak_low:.2f}, {r.any_leak_high:.2f}]",
                f"{r.interceptors:.0f}",
            )
        console.print(sat)
    if result.ballistic:
        one = result.ballistic[0]
        bmd = Table(
            title=f"Defended footprint against {one.threat} launched {one.launch_km:,.0f} km away: km² "
            f"defended (in at least 50% / 90% of {one.draws} draws of the disputed figures)"
        )
        for col in ("battery", "missiles", "radar range km", "catalog figures", "≥ 50%", "≥ 90%"):
            bmd.add_column(col, justify="left" if col in ("battery", "missiles") else "right")
        for b in result.ballistic:
            bmd.add_row(
                b.system,
                b.missiles,
                f"{b.radar_range_km:.0f}",
                f"{b.defended_km2:,.0f}",
                f"{b.defended_50_km2:,.0f}",
                f"{b.defended_90_km2:,.0f}",
            )
        console.print(bmd)
    times = Table(title="Time per step (coverage beside saturation, then ballistic defence)")
    times.add_column("step")
    times.add_column("s", justify="right")
    for step, seconds in result.step_times_s.items():
        times.add_row(step, f"{seconds:.1f}")
    times.add_row("[bold]whole demo", f"[bold]{result.wall_s:.1f}")
    console.print(times)
    console.print("Files written:")
    for f in result.files:
        console.print(f"  {f}", soft_wrap=True)  # (paths are never broken across lines)
    if result.coverage is not None:
        console.print(
            f"  and {len(result.coverage.files)} coverage files (GeoTIFF, GeoJSON, KML, PNG maps) in "
            f"{out / 'coverage'}",
            soft_wrap=True,
        )
    if result.ballistic:
        console.print(
            f"  and each battery's footprint study (GeoTIFF, GeoJSON, PNG map, CSV) in {out / 'ballistic'}",
            soft_wrap=True,
        )
