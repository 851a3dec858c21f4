"""The ``iadsim`` command line: the application, its commands (each in its own module) and :func:`main`."""

from __future__ import annotations

import contextvars
import importlib
import inspect
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from iadsim.cli._common import err_console, state
from iadsim.errors import IadsimError
from iadsim.limits import DEFAULT_MAX_MEMORY_BYTES, DEFAULT_MAX_STEPS, Limits, use

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
    "validate-radar": ("radar", "validate_radar"),
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
#: Commands that read a few files and print (and the help, ``None``): they run with the garbage collector
#: off and their objects frozen at exit (:mod:`iadsim.cli._startup`).
SHORT_COMMANDS = frozenset({None, "catalog", "validate", "scenarios", "radar", "validate-radar"})
_registered: set[str] = set()


def help_text(doc: str | None) -> str | None:
    """A command's docstring as its help shows it: each paragraph on one line, so that the terminal wraps it
    (the framework keeps the line breaks of every paragraph but the first); a paragraph of indented or
    listed lines is kept as written."""
    if not doc:
        return doc
    out = []
    for paragraph in inspect.cleandoc(doc).split("\n\n"):
        lines = paragraph.splitlines()
        if any(line.startswith((" ", "-", "*")) for line in lines):
            out.append(paragraph)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def register(names: Iterable[str] = COMMANDS) -> None:
    """Register the named commands with :data:`app` (once each), keeping the help's order."""
    for name in COMMANDS:
        if name not in names or name in _registered:
            continue
        module_name, attribute = COMMANDS[name]
        target = getattr(importlib.import_module(f"iadsim.cli.{module_name}"), attribute)
        if attribute == "app":
            for command in target.registered_commands:
                command.help = help_text(command.help or getattr(command.callback, "__doc__", None))
            app.add_typer(target, name=name)
        else:
            app.command(name, help=help_text(target.__doc__))(target)
        _registered.add(name)
    app.registered_groups.sort(key=lambda group: _ORDER[str(group.name)])
    app.registered_commands.sort(key=lambda command: _ORDER[str(command.name)])


def _command_named(argv: Sequence[str]) -> str | None:
    """The command a command line names (its first word that is not a root option), if it is one."""
    args = iter(argv)
    for arg in args:
        if arg in ("--catalog", "--max-memory-gb", "--max-steps"):
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
    max_memory_gb: Annotated[
        float,
        typer.Option(
            "--max-memory-gb",
            metavar="GB",
            help="Memory a command may plan for; it refuses larger work before starting.",
        ),
    ] = DEFAULT_MAX_MEMORY_BYTES / 2**30,
    max_steps: Annotated[
        int,
        typer.Option("--max-steps", metavar="N", help="Time steps and radar scans one engine run may take."),
    ] = DEFAULT_MAX_STEPS,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    from iadsim._atomic import protect
    from iadsim.cli._common import in_range, input_files

    state.extra_catalogs = list(catalog_paths or [])
    protect(input_files())  # no command writes over a catalog it reads
    in_range("--max-memory-gb", max_memory_gb, 0, 1e6, low_open=True)
    in_range("--max-steps", max_steps, 1, 1e12)
    use(Limits(memory_bytes=max_memory_gb * 2**30, steps=max_steps))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; bad input (and a path that cannot be read or written) is a message on
    stderr and exit code 2, never a traceback."""
    args = sys.argv[1:] if argv is None else list(argv)
    name = _command_named(args)
    if name not in SHORT_COMMANDS:
        return _main(name, args)
    from iadsim.cli import _startup

    _startup.freeze_at_exit()
    with _startup.collector_off():
        return _main(name, args)


def _main(name: str | None, args: list[str]) -> int:
    register(COMMANDS if name is None else (name,))
    # each command in a context of its own: what it sets there (its limits, its inputs) ends with it
    return contextvars.copy_context().run(_run, args)


def _run(args: list[str]) -> int:
    try:
        app(args=args, prog_name="iadsim")
    except SystemExit as exc:  # raised by the command-line framework on exit, with the status
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except IadsimError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except OSError as exc:  # a path the command cannot read or write: unwritable, a folder, a full disk
        where = f"{exc.filename}: " if exc.filename else ""
        message = f"{where}{exc.strerror or exc}"
        err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        return 2
    return 0
