"""YAML reading that remembers where each value came from, for error messages with line numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from iadsim.errors import IadsimError

Loc = Sequence[str | int]


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

    def where(self, loc: Loc) -> str:
        """``file:line`` for a key path (line omitted when unknown)."""
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def read_yaml(path: Path, error: type[IadsimError] = IadsimError) -> YamlDocument:
    """Read and parse a YAML file; syntax errors become ``error`` with file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read file ({exc.strerror or exc})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark, ctx = exc.problem_mark, exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        context = ""
        if exc.context and ctx is not None and (mark is None or ctx.line != mark.line):
            context = f" ({exc.context} started at line {ctx.line + 1})"
        raise error(f"{path}{line}: malformed YAML: {exc.problem}{context}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: malformed YAML: {exc}") from None
    return YamlDocument(path=path, data=data, root=root)


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
