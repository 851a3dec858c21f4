"""The ``iadsim`` command line: thin commands over the library, each in its own module."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from iadsim.cli import catalog, coverage, demo, mc, radar, report, scenario, serve
from iadsim.cli._common import err_console, state
from iadsim.errors import IadsimError

app = typer.Typer(
    name="iadsim",
    help="Open simulator and analysis toolkit for ground-based integrated air defence (published data only).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(coverage.app, name="coverage")
app.command("radar")(radar.radar)
app.command("demo")(demo.demo)
app.command("validate")(scenario.validate)
app.command("scenarios")(scenario.scenarios)
app.command("run")(scenario.run)
app.command("mc")(mc.mc)
app.command("results")(mc.results)
app.command("report")(report.report)
app.command("serve")(serve.serve)


def _version(value: bool) -> None:
    if value:
        from iadsim import __version__  # read from the package metadata: only when asked for

        typer.echo(f"iadsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    catalog_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--catalog",
            metavar="PATH",
            help="Extra catalog YAML file or folder; its ids replace built-in ones.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    state.extra_catalogs = list(catalog_paths or [])


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; bad input is a message on stderr and exit code 2, never a traceback."""
    try:
        app(args=argv, prog_name="iadsim")
    except SystemExit as exc:  # raised by the command-line framework on exit, with the status
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except IadsimError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    return 0


def _console_script() -> None:
    sys.exit(main())
