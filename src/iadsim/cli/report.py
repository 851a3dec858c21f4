"""``iadsim report``: one self-contained HTML file from an output folder or a DuckDB results file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iadsim.cli._common import console, get_catalog, state


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
    from iadsim._atomic import atomic_path
    from iadsim.errors import InputError
    from iadsim.report.html import build_report, find_inputs
    from iadsim.store.files import catalog_files, refuse_input_as_output

    inputs = find_inputs(source, read=False).files()
    refuse_input_as_output("--out", out, [source, *inputs, *catalog_files(state.extra_catalogs)])
    _check_writable(out)
    text = build_report(source, title, get_catalog())
    try:
        with atomic_path(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out: cannot write {out} ({exc.strerror or exc})") from None
    size_mb = out.stat().st_size / 1e6
    console.print(f"report written to [bold]{out}[/] ({size_mb:.1f} MB)", highlight=False, soft_wrap=True)


def _check_writable(out: Path) -> None:
    """Refuse, before the report is built, an output that is a folder, whose folder cannot be made, or that
    cannot be named (:class:`InputError`)."""
    import os

    from iadsim.errors import InputError

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
