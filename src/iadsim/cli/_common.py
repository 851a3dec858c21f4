"""Options, console and helpers shared by the commands."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from iadsim.catalog import Catalog

console = Console()
err_console = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


class _State:
    extra_catalogs: list[Path] = []


state = _State()


def get_catalog() -> Catalog:
    """The built-in catalog, plus any files given with ``--catalog``."""
    from iadsim.catalog import default_catalog, load_catalog

    if state.extra_catalogs:
        return load_catalog(state.extra_catalogs)
    return default_catalog()


def print_json(obj: Any) -> None:
    """Print ``obj`` as JSON on standard output (NaN and infinities become null)."""
    typer.echo(json.dumps(_clean(obj), indent=2, ensure_ascii=False))


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def km(metres: float) -> str:
    """A distance in metres shown in km."""
    return f"{metres / 1e3:,.1f}"
