"""The ``iadsim`` command line: thin commands over the library, each in its own module."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from iadsim.cli._common import err_console, state
from iadsim.errors import IadsimError

app = typer.Typer(
    name="iadsim",
    help="Open simulator and analysis toolkit for ground-based integrated air defence (published data only).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Every command, in the order of the help: name -> (module under iadsim.cli, attribute); the attribute
#: ``app`` is a group of subcommands. Modules are imported, and commands registered, when a run needs them:
#: the one named on the command line, or all of them (help, an unknown name).
COMMANDS: dict[str, tuple[str, str]] = {
    "catalog": ("catalog", "app"),
    "coverage": ("coverage", "app"),
    "radar": ("radar", "radar"),
    "demo": ("demo", "demo"),
    "validate": ("scenario", "validate"),
    "scenarios": ("scenario", "scenarios"),
    "run": ("scenario", "run"),
    "mc": ("mc", "mc"),
    "results": ("mc", "results"),
    "report": ("report", "report"),
    "serve": ("serve", "serve"),
}
_ORDER = {name: i for i, name in enumerate(COMMANDS)}
_registered: set[str] = set()


def register(names: Iterable[str] = COMMANDS) -> None:
    """Register the named commands with :data:`app` (once each), keeping the help's order."""
    for name in COMMANDS:
        if name not in names or name in _registered:
            continue
        module_name, attribute = COMMANDS[name]
        target = getattr(importlib.import_module(f"iadsim.cli.{module_name}"), attribute)
        if attribute == "app":
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
        _registered.add(name)
    app.registered_groups.sort(key=lambda group: _ORDER[str(group.name)])
    app.registered_commands.sort(key=lambda command: _ORDER[str(command.name)])


def _command_named(argv: Sequence[str]) -> str | None:
    """The command a command line names (its first word that is not a root option), if it is one."""
    args = iter(argv)
    for arg in args:
        if arg == "--catalog":
            next(args, None)
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


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
    args = sys.argv[1:] if argv is None else list(argv)
    name = _command_named(args)
    register(COMMANDS if name is None else (name,))
    try:
        app(args=args, prog_name="iadsim")
    except SystemExit as exc:  # raised by the command-line framework on exit, with the status
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except IadsimError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    return 0


def _console_script() -> None:
    sys.exit(main())
