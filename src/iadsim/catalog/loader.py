"""Load and validate the catalog: YAML files -> :class:`Catalog` of frozen pydantic models.

A catalog file is a mapping with any of the sections ``sources``, ``systems``, ``radars``, ``missiles``,
``launchers``, ``command_posts``, ``targets``, ``sites`` and ``surfaces``. ``sources`` maps a source id to
its title and URL; every figure names its sources by id. Units other than SI are named by a key's suffix
and converted here, once (``max_range_km: {value: 400, ...}`` becomes ``max_range_m`` = 400 000).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from iadsim._yamlio import YamlDocument, describe_validation_error, read_yaml
from iadsim.catalog.models import (
    CommandPost,
    Entity,
    Figure,
    Launcher,
    Missile,
    Radar,
    Site,
    Source,
    Surface,
    System,
    Target,
)
from iadsim.errors import CatalogError

E = TypeVar("E", bound=Entity)

SECTIONS: dict[str, type[Entity]] = {
    "systems": System,
    "radars": Radar,
    "missiles": Missile,
    "launchers": Launcher,
    "command_posts": CommandPost,
    "targets": Target,
    "sites": Site,
    "surfaces": Surface,
}

#: YAML key suffix -> (SI suffix, factor to SI).
UNIT_SUFFIXES: dict[str, tuple[str, float]] = {
    "_km": ("_m", 1e3),
    "_nmi": ("_m", 1852.0),
    "_ft": ("_m", 0.3048),
    "_ghz": ("_hz", 1e9),
    "_mhz": ("_hz", 1e6),
    "_kmh": ("_mps", 1.0 / 3.6),
    "_kt": ("_mps", 1852.0 / 3600.0),
    "_min": ("_s", 60.0),
}


@dataclass(frozen=True)
class Catalog:
    """All catalog entities by id, with the sources they cite.

    ``digest`` is a SHA-256 of the files read, in order, for run manifests.
    """

    systems: dict[str, System]
    radars: dict[str, Radar]
    missiles: dict[str, Missile]
    launchers: dict[str, Launcher]
    command_posts: dict[str, CommandPost]
    targets: dict[str, Target]
    sites: dict[str, Site]
    surfaces: dict[str, Surface]
    sources: dict[str, Source]
    files: tuple[Path, ...] = ()
    digest: str = ""
    _index: dict[str, Entity] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for section in SECTIONS:
            self._index.update(getattr(self, section))

    def get(self, entity_id: str) -> Entity:
        """The entity with this id, of any kind; :class:`CatalogError` naming close ids if unknown."""
        try:
            return self._index[entity_id]
        except KeyError:
            raise CatalogError(_unknown(entity_id, "catalog id", self._index)) from None

    def _typed(self, section: str, entity_id: str, kind: type[E]) -> E:
        table: dict[str, Entity] = getattr(self, section)
        if entity_id not in table:
            raise CatalogError(_unknown(entity_id, section[:-1].replace("_", " ") + " id", table))
        return cast(E, table[entity_id])  # (each section holds entities of its own kind: ``kind``)

    def system(self, entity_id: str) -> System:
        """The system with this id."""
        return self._typed("systems", entity_id, System)

    def radar(self, entity_id: str) -> Radar:
        """The radar with this id."""
        return self._typed("radars", entity_id, Radar)

    def missile(self, entity_id: str) -> Missile:
        """The missile with this id."""
        return self._typed("missiles", entity_id, Missile)

    def target(self, entity_id: str) -> Target:
        """The target with this id."""
        return self._typed("targets", entity_id, Target)

    def site(self, entity_id: str) -> Site:
        """The site with this id."""
        return self._typed("sites", entity_id, Site)

    def surface(self, entity_id: str) -> Surface:
        """The surface with this id."""
        return self._typed("surfaces", entity_id, Surface)

    def kind_of(self, entity_id: str) -> str:
        """The section an id belongs to (``"radars"``, ``"targets"``, ...)."""
        entity = self.get(entity_id)
        return next(s for s, model in SECTIONS.items() if type(entity) is model)

    def all(self) -> Iterator[tuple[str, Entity]]:
        """Every entity as (section, entity), in section order then id order."""
        for section in SECTIONS:
            for entity_id in sorted(getattr(self, section)):
                yield section, getattr(self, section)[entity_id]


def _unknown(entity_id: str, what: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(entity_id, list(known), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `iadsim catalog list` shows them all"
    return f"unknown {what} {entity_id!r}{hint}"


def figures(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Figure]]:
    """Every :class:`Figure` inside a model, as (dotted field path, figure), through nested models and
    mappings (``envelopes.aircraft.max_range_m``, ``pk.fighter``)."""
    for name in type(model).model_fields:
        yield from _figures_in(getattr(model, name), f"{prefix}{name}")


def _figures_in(value: Any, path: str) -> Iterator[tuple[str, Figure]]:
    if isinstance(value, Figure):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from figures(value, f"{path}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _figures_in(item, f"{path}.{key}")


def builtin_files() -> list[Path]:
    """The catalog YAML files shipped in the package."""
    data = resources.files("iadsim.catalog") / "data"
    return sorted(Path(str(p)) for p in data.iterdir() if p.name.endswith((".yaml", ".yml")))


@cache
def default_catalog() -> Catalog:
    """The built-in catalog (loaded once per process)."""
    return load_catalog()


def load_catalog(extra: Sequence[Path] = (), builtin: bool = True) -> Catalog:
    """Load the built-in catalog files and then ``extra`` files or folders.

    An entity in ``extra`` with the id of a built-in one replaces it (to try other figures); ids repeated
    within the built-in files or within one extra file are an error.
    """
    layers: list[list[Path]] = [builtin_files()] if builtin else []
    for path in extra:
        if path.is_dir():
            layers.append(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        elif path.exists():
            layers.append([path])
        else:
            raise CatalogError(f"{path}: no such catalog file or folder")
    docs = [[read_yaml(p, CatalogError) for p in layer] for layer in layers]
    for layer in docs:
        for doc in layer:
            _check_top(doc)

    sources: dict[str, Source] = {}
    for layer in docs:
        for doc in layer:
            for sid, raw in (doc.data.get("sources") or {}).items():
                if sid in sources:
                    raise CatalogError(
                        f"{doc.where(['sources', sid])}: sources.{sid}: source id defined twice"
                    )
                if not isinstance(raw, dict):
                    raise CatalogError(
                        f"{doc.where(['sources', sid])}: sources.{sid}: expected a mapping "
                        f"with title and url, got {raw!r}"
                    )
                try:
                    sources[sid] = Source(id=sid, **raw)
                except ValidationError as exc:
                    raise CatalogError(describe_validation_error(doc, exc, ["sources", sid])) from None

    tables: dict[str, dict[str, Entity]] = {s: {} for s in SECTIONS}
    owner: dict[str, tuple[int, str]] = {}
    origin: dict[str, tuple[YamlDocument, list[str | int]]] = {}
    for depth, layer in enumerate(docs):
        for doc in layer:
            for section, model in SECTIONS.items():
                for i, raw in enumerate(doc.data.get(section) or []):
                    entity = _build(doc, section, i, raw, model, sources)
                    prev = owner.get(entity.id)
                    if prev is not None and (prev[0] == depth and (depth == 0 or prev[1] == str(doc.path))):
                        raise CatalogError(
                            f"{doc.where([section, i, 'id'])}: {section}.{i}.id: "
                            f"id {entity.id!r} is already defined in {prev[1]}"
                        )
                    if prev is not None:
                        for table in tables.values():
                            table.pop(entity.id, None)
                    owner[entity.id] = (depth, str(doc.path))
                    origin[entity.id] = (doc, [section, i])
                    tables[section][entity.id] = entity

    files = tuple(doc.path for layer in docs for doc in layer)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()
    catalog = Catalog(**tables, sources=sources, files=files, digest=digest)  # type: ignore[arg-type]
    _check_references(catalog, origin)
    return catalog


def _check_top(doc: YamlDocument) -> None:
    if doc.data is None:
        raise CatalogError(f"{doc.path}: the file is empty")
    if not isinstance(doc.data, dict):
        raise CatalogError(f"{doc.where([])}: expected a mapping of sections at the top level")
    allowed = {"sources", *SECTIONS}
    for key, value in doc.data.items():
        if key not in allowed:
            raise CatalogError(
                f"{doc.where([key])}: {key}: unknown section; expected one of {', '.join(sorted(allowed))}"
            )
        if key != "sources" and value is not None and not isinstance(value, list):
            raise CatalogError(f"{doc.where([key])}: {key}: expected a list of entries")


def _build(
    doc: YamlDocument, section: str, index: int, raw: Any, model: type[Entity], sources: dict[str, Source]
) -> Entity:
    loc: list[str | int] = [section, index]
    if not isinstance(raw, dict):
        raise CatalogError(f"{doc.where(loc)}: {section}.{index}: expected a mapping, got {raw!r}")
    yaml_key: dict[tuple[str, ...], str] = {}
    converted = _resolve(doc, loc, raw, 1.0, sources, yaml_key)
    try:
        return model.model_validate(converted)
    except ValidationError as exc:
        raise CatalogError(describe_validation_error(doc, exc, loc, rename=yaml_key)) from None


def _si_key(key: str) -> tuple[str, float]:
    for suffix, (si_suffix, factor) in UNIT_SUFFIXES.items():
        if key.endswith(suffix):
            return key[: -len(suffix)] + si_suffix, factor
    return key, 1.0


def _resolve(
    doc: YamlDocument,
    loc: list[str | int],
    value: Any,
    factor: float,
    sources: dict[str, Source],
    yaml_key: dict[tuple[str, ...], str],
    depth: int = 2,
) -> Any:
    """Resolve source ids and convert units inside a figure mapping, recursively through mappings whose
    keys may name a unit (``envelopes: {aircraft: {max_range_km: ...}}``); ``yaml_key`` gets the key
    written in the file of each renamed field, by its path below ``loc[:depth]``."""
    if isinstance(value, dict) and "value" not in value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            si_key, key_factor = _si_key(str(key))
            path = [*loc, str(key)]
            if si_key in out:
                field = ".".join(str(p) for p in path)
                first = yaml_key.get((*(str(p) for p in loc[depth:]), si_key), si_key)
                raise CatalogError(f"{doc.where(path)}: {field}: given twice (as {first} and {key})")
            if si_key != key:
                yaml_key[(*(str(p) for p in loc[depth:]), si_key)] = str(key)
            out[si_key] = _resolve(
                doc, path, item, key_factor if si_key != key else factor, sources, yaml_key, depth
            )
        return out
    if isinstance(value, dict):
        fig = dict(value)
        ids = fig.get("sources") or []
        if not isinstance(ids, list):
            ids = [ids]
        resolved = []
        for sid in ids:
            if sid not in sources:
                where = doc.where([*loc, "sources"])
                field_path = ".".join(str(p) for p in loc)
                raise CatalogError(
                    f"{where}: {field_path}.sources: {_unknown(str(sid), 'source id', sources)}"
                )
            resolved.append(sources[sid])
        fig["sources"] = resolved
        if factor != 1.0:
            if isinstance(fig["value"], int | float):
                fig["value"] = fig["value"] * factor
            if isinstance(fig.get("range"), list):
                fig["range"] = [v * factor if isinstance(v, int | float) else v for v in fig["range"]]
        return fig
    return value


def _check_references(cat: Catalog, origin: dict[str, tuple[YamlDocument, list[str | int]]]) -> None:
    """Every id a system or site refers to exists; an error names the file, line and field of the
    reference."""

    def where(entity_id: str, *field: str | int) -> str:
        doc, loc = origin[entity_id]
        path = [*loc, *field]
        return f"{doc.where(path)}: " + ".".join(str(p) for p in path)

    def need(table: dict[str, Any], ref: str, what: str, at: str) -> None:
        if ref not in table:
            raise CatalogError(f"{at}: {_unknown(ref, what, table)}")

    for sys in cat.systems.values():
        if sys.command_post is not None:
            need(cat.command_posts, sys.command_post, "command post id", where(sys.id, "command_post"))
        for key in ("regiment_radars", "battalion_radars"):
            for i, rid in enumerate(getattr(sys, key)):
                need(cat.radars, rid, "radar id", where(sys.id, key, i))
        need(cat.launchers, sys.launcher, "launcher id", where(sys.id, "launcher"))
        for i, mid in enumerate(sys.missiles):
            need(cat.missiles, mid, "missile id", where(sys.id, "missiles", i))
        for mid in sys.loadout:
            if mid not in sys.missiles:
                raise CatalogError(
                    f"{where(sys.id, 'loadout', mid)}: {mid!r} is not among the system's missiles "
                    f"({', '.join(sys.missiles)})"
                )
    for site in cat.sites.values():
        for i, sid in enumerate(site.systems):
            need(cat.systems, sid, "system id", where(site.id, "systems", i))
