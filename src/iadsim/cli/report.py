"""``iadsim report``: one self-contained HTML file from an output folder or a DuckDB results file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iadsim.cli._common import console, get_catalog


def report(
    source: Annotated[
        Path,
        typer.Argument(help="Folder written by `iadsim demo` (or part of one), or a DuckDB results file."),
    ],
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("report.html"),
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
) -> None:
    """HTML report: summary, coverage, Monte Carlo with 95% intervals, assumptions with sources, manifest.

    One self-contained file: images embedded, stylesheet inline, nothing fetched from the network.
    Catalog names and figures come from the built-in catalog plus any files given with --catalog.
    """
    from iadsim.report.html import write_report

    path = write_report(source, out, title, get_catalog())
    size_mb = path.stat().st_size / 1e6
    console.print(f"report written to [bold]{path}[/] ({size_mb:.1f} MB)", highlight=False, soft_wrap=True)
