"""``iadsim catalog list`` and ``iadsim catalog show ID``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from iadsim.cli._common import JsonOption, console, get_catalog, print_json
from iadsim.errors import InputError

if TYPE_CHECKING:
    from iadsim.catalog import Entity

SECTION_NAMES = ("systems", "radars", "missiles", "launchers", "command_posts", "targets", "sites")

app = typer.Typer(
    help="Browse the cited catalog of systems, radars, missiles, targets and sites.", no_args_is_help=True
)


def _summary(entity: Entity) -> str:
    from iadsim.catalog import Figure

    parts = []
    for name in ("role", "band", "target_class"):
        if hasattr(entity, name) and getattr(entity, name):
            parts.append(str(getattr(entity, name)))
    for name in ("advertised_range_m", "reference_range_m", "max_range_m", "rcs_m2"):
        fig = getattr(entity, name, None)
        if isinstance(fig, Figure):
            parts.append(f"{name.removesuffix('_m')}: {format_value(name, fig.value)}")
    return "; ".join(parts)


@app.command("list")
def list_(
    kind: Annotated[
        str | None, typer.Option("--kind", help=f"Only one section: {', '.join(SECTION_NAMES)}.")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """List every catalog entry by section, with a one-line summary."""
    cat = get_catalog()
    if kind is not None and kind not in SECTION_NAMES:
        raise InputError(f"--kind: unknown section {kind!r}; expected one of {', '.join(SECTION_NAMES)}")
    entries = [(s, e) for s, e in cat.all() if kind is None or s == kind]
    if json_:
        print_json([{"id": e.id, "kind": s, "name": e.name, "summary": _summary(e)} for s, e in entries])
        return
    table = Table(title=f"iadsim catalog ({len(entries)} entries, {len(cat.sources)} sources)")
    for col in ("kind", "id", "name", "summary"):
        table.add_column(col)
    for section, entity in entries:
        table.add_row(section, entity.id, entity.name, _summary(entity))
    console.print(table)


def format_value(field: str, value: float) -> str:
    """A SI value shown in the unit a reader expects (km, GHz, m/s, ...), with that unit."""
    if field.endswith("_m") and abs(value) >= 10_000:
        return f"{value / 1e3:,.4g} km"
    if field.endswith("_hz"):
        return f"{value / 1e9:.4g} GHz" if value >= 1e9 else f"{value / 1e6:.4g} MHz"
    unit = {"_m": "m", "_s": "s", "_mps": "m/s", "_m2": "m²", "_deg": "°", "_kg": "kg"}
    for suffix, name in unit.items():
        if field.endswith(suffix):
            return f"{value:,.4g} {name}"
    return f"{value:.4g}"


@app.command("show")
def show(
    entity_id: Annotated[str, typer.Argument(metavar="ID", help="A catalog id (see `iadsim catalog list`).")],
    json_: JsonOption = False,
) -> None:
    """Show one entry: every figure with its confidence, spread of claims and sources."""
    from pydantic import BaseModel

    from iadsim.catalog import ENVELOPE_CLASSES, Figure, Missile, figures

    cat = get_catalog()
    entity = cat.get(entity_id)
    if json_:
        data: dict[str, Any] = {"kind": cat.kind_of(entity_id), **entity.model_dump(mode="json")}
        print_json(data)
        return
    console.print(f"[bold]{entity.name}[/] ([cyan]{entity.id}[/], {cat.kind_of(entity_id)[:-1]})")
    if entity.description:
        console.print(entity.description)
    for name in type(entity).model_fields:
        value = getattr(entity, name)
        if name in {"id", "name", "description"} or value is None or isinstance(value, Figure):
            continue
        if isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            continue
        shown = ", ".join(value) if isinstance(value, tuple) else str(value)
        console.print(f"  {name}: {shown}")
    if isinstance(entity, Missile):
        own = [c for c in ENVELOPE_CLASSES if c in entity.envelopes]
        borrowed = [c for c in ENVELOPE_CLASSES if c not in own and c != "ballistic-missile"]
        line = "  envelopes: " + ", ".join(own)
        if borrowed:
            line += f"; {' and '.join(borrowed)} as aircraft"
        if "ballistic-missile" not in own:
            line += "; does not engage ballistic missiles (no published envelope)"
        console.print(line)
    table = Table(show_lines=True)
    table.add_column("figure", no_wrap=True)
    table.add_column("value", no_wrap=True)
    table.add_column("confidence")
    table.add_column("range of claims")
    table.add_column("sources / note", overflow="fold")
    flagged = 0
    for path, fig in figures(entity):
        unit_field = path.split(".")[-1]  # envelopes.aircraft.max_range_m: in m; pk.fighter: dimensionless
        rng = "" if fig.range is None else " – ".join(format_value(unit_field, v) for v in fig.range)
        cites = "\n".join(escape(s.title) + (f" <{s.url}>" if s.url else "") for s in fig.sources)
        if fig.flagged:
            flagged += 1
            cites = f"[yellow]FLAGGED DEFAULT[/]: {escape(fig.note or '')}"
        elif fig.note:
            cites += f"\n[dim]{escape(fig.note)}[/]"
        conf = {"high": "[green]high[/]", "medium": "[yellow]medium[/]", "low": "[red]low[/]"}[fig.confidence]
        table.add_row(path, format_value(unit_field, fig.value), conf, rng, cites)
    console.print(table)
    if flagged:
        console.print(f"[yellow]{flagged} figure(s) have no published source and are flagged defaults.[/]")
