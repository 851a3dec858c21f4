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
#: ``--surface`` of the commands that take one surface for every radar (default: farmland).
SurfaceOption = Annotated[
    str,
    typer.Option(
        metavar="ID", help="Surface under the signal (catalog surface id), or 'none' for free space."
    ),
]


class _State:
    extra_catalogs: list[Path] = []


state = _State()


def get_catalog() -> Catalog:
    """The built-in catalog, plus any files given with ``--catalog``."""
    from iadsim.catalog import default_catalog, load_catalog

    if state.extra_catalogs:
        return load_catalog(state.extra_catalogs)
    return default_catalog()


def in_range(
    option: str, value: float | None, low: float, high: float, low_open: bool = False, high_open: bool = False
) -> None:
    """Refuse (exit 2) an option's number outside ``[low, high]`` (ends open as told), or not finite."""
    if value is None:
        return
    low_ok = value > low if low_open else value >= low
    high_ok = value < high if high_open else value <= high
    if not (math.isfinite(value) and low_ok and high_ok):
        from iadsim.errors import InputError

        def fmt(v: float) -> str:
            return f"{v}" if isinstance(v, int) else f"{v:g}"

        opening, closing = "(" if low_open else "[", ")" if high_open else "]"
        raise InputError(f"{option}: must lie in {opening}{fmt(low)}, {fmt(high)}{closing}, got {fmt(value)}")


def input_files(*paths: str | Path | None) -> list[Path]:
    """The files among ``paths`` (terrain names such as ``globe`` are not), and the catalog files given
    with ``--catalog``: what a command reads and must never write over."""
    out = [Path(p) for p in paths if p is not None and Path(p).is_file()]
    for extra in state.extra_catalogs:
        out += sorted(extra.glob("*.y*ml")) if extra.is_dir() else [extra]
    return out


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
