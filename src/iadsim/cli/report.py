"""``iadsim report``: one self-contained HTML file from an output folder or a DuckDB results file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from iadsim.cli._common import console, get_catalog
from iadsim.errors import InputError


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
    The inputs are only read; --out may not be one of them.
    """
    from iadsim._atomic import check_not_input, protect
    from iadsim.workflows.report import find_inputs, write_report

    protect([source, *find_inputs(source, read=False).files()])
    check_not_input(out, "--out")
    _check_writable(out)
    try:
        path = write_report(source, out, title, get_catalog())
    except OSError as exc:
        raise InputError(f"--out: cannot write {out} ({exc.strerror or exc})") from None
    size_mb = path.stat().st_size / 1e6
    console.print(f"report written to [bold]{path}[/] ({size_mb:.1f} MB)", highlight=False, soft_wrap=True)


def _check_writable(out: Path) -> None:
    """Refuse, before the report is built, an output that is a folder, whose folder cannot be made, or that
    cannot be named (:class:`InputError`)."""
    try:
        if out.is_dir():
            raise InputError(f"--out: {out} is a folder; give the HTML file to write")
        out.lstat()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise InputError(f"--out: cannot write {out} ({exc.strerror or exc})") from None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create the folder of {out} ({exc.strerror or exc})") from None
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise InputError(f"--out: cannot write in {out.parent} (permission denied)")
