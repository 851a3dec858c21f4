"""YAML reading that remembers where each value came from, for error messages with line numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from iadsim.errors import IadsimError

Loc = Sequence[str | int]

#: Largest scenario or catalog file read, bytes (a scenario is a few kB; the built-in catalog 100 kB).
MAX_YAML_BYTES = 10 * 2**20


#: YAML 1.2's floats: ``1e-6`` (no dot) is a number, as YAML 1.1 reads only ``1.0e-6``.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


def _reading_exponents(base: type[Any]) -> type[Any]:
    """A subclass of the loader ``base`` that reads ``1e-6`` as a number, as YAML 1.2 does."""
    loader: type[Any] = type(f"Iadsim{base.__name__}", (base,), {"__doc__": _reading_exponents.__doc__})
    loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))
    return loader


#: YAML's safe loader in pure Python.
_PureLoader = _reading_exponents(yaml.SafeLoader)
#: The loader used: libyaml's parser (C) where PyYAML was built with it, else the pure-Python one. The
#: pure-Python parser took 0.31 s for the 8 files of the built-in catalog, libyaml 0.027 s; both give every
#: node its line, from which the messages take theirs.
_Loader = _reading_exponents(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else _PureLoader


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file and its node tree, to map a key path back to a line."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: Loc) -> int | None:
        """1-based line of the deepest node on ``loc`` that exists, or ``None``."""
        node = self.root
        line = None if node is None else node.start_mark.line + 1
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                        node, line = v, k.start_mark.line + 1
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def lines(self) -> dict[str, int]:
        """1-based line of every key and list item, by dotted path (``raids.0.route.1.position``)."""
        out: dict[str, int] = {}
        stack: list[tuple[str, yaml.Node | None]] = [("", self.root)]
        while stack:
            prefix, node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode):
                        path = f"{prefix}{k.value}"
                        out.setdefault(path, k.start_mark.line + 1)
                        stack.append((path + ".", v))
            elif isinstance(node, yaml.SequenceNode):
                for i, v in enumerate(node.value):
                    path = f"{prefix}{i}"
                    out.setdefault(path, v.start_mark.line + 1)
                    stack.append((path + ".", v))
        return out

    def where(self, loc: Loc) -> str:
        """``file:line`` for a key path (line omitted when unknown)."""
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def read_yaml(path: Path, error: type[IadsimError] = IadsimError) -> YamlDocument:
    """Read and parse a YAML file; a file over :data:`MAX_YAML_BYTES`, one that is not UTF-8 text, a syntax
    error and a key given twice in one mapping become ``error`` with file and line."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise error(
                f"{path}: {size / 2**20:,.1f} MB is larger than the {MAX_YAML_BYTES // 2**20} MB a scenario "
                "or catalog file may be"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the "
            "file as UTF-8"
        ) from None
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark, ctx = exc.problem_mark, exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        context = ""
        if exc.context and ctx is not None and (mark is None or ctx.line != mark.line):
            context = f" ({exc.context} started at line {ctx.line + 1})"
        raise error(f"{path}{where}: malformed YAML: {exc.problem}{context}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise error(f"{path}: malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    twice = _key_given_twice(root)
    if twice is not None:
        key, line, first = twice
        raise error(f"{path}:{line}: {key}: given twice in the same mapping (first at line {first})")
    return YamlDocument(path=path, data=data, root=root)


def _key_given_twice(root: yaml.Node | None) -> tuple[str, int, int] | None:
    """The first key that a mapping of the tree gives twice: (key, its line, the first one's line)."""
    stack = [root] if root is not None else []
    seen_nodes: set[int] = set()  # a node reached again through an alias is checked once
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        return key.value, line, seen[key.value]
                    seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def describe_validation_error(
    doc: YamlDocument,
    exc: ValidationError,
    prefix: Loc = (),
    rename: Mapping[tuple[str, ...], str] | None = None,
) -> str:
    """One line per problem: ``file:line: field.path: message (got value)``.

    ``prefix`` is where the validated mapping sits in the file; ``rename`` maps the path of a model field
    (its names from the validated mapping down) to the key written in the file, where the two differ.
    """
    lines = []
    errors = exc.errors()
    # a list whose item failed also reports being too short once that item is dropped: say it once
    inner = [tuple(e["loc"]) for e in errors]
    errors = [
        e
        for e in errors
        if not (
            e["type"] == "too_short"
            and any(len(o) > len(e["loc"]) and o[: len(e["loc"])] == tuple(e["loc"]) for o in inner)
        )
    ]
    for err in errors:
        parts = [p for p in err["loc"] if not _is_union_tag(p)]
        if rename:
            names = tuple(str(p) for p in parts)
            parts = [rename.get(names[: i + 1], p) for i, p in enumerate(parts)]
        loc = [*prefix, *parts]
        field = ".".join(str(p) for p in loc) or "(top level)"
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{doc.where(loc)}: {field}: {message}{shown}")
    return "\n".join(lines)


def _is_union_tag(part: str | int) -> bool:
    # pydantic inserts the member type name ("float", "Figure") into locations of union errors
    return isinstance(part, str) and (part[:1].isupper() or part in {"float", "int", "str", "bool"})
