"""The YAML reader: libyaml's parser where PyYAML has it, the pure-Python one otherwise, with the same data,
the same lines and the same refusals either way."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from iadsim import _yamlio
from iadsim._yamlio import read_yaml
from iadsim.catalog.loader import builtin_files
from iadsim.errors import IadsimError
from iadsim.scenario import builtin_scenarios

FILES = [
    *builtin_files(),
    *sorted(builtin_scenarios().values()),
    Path(__file__).parent / "data" / "test-catalog.yaml",
]


@pytest.fixture(params=["libyaml", "pure"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test once with the loader in use and once with the pure-Python one."""
    if request.param == "pure":
        monkeypatch.setattr(_yamlio, "_Loader", _yamlio._PureLoader)
    return str(request.param)


def test_libyaml_is_used_where_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__  # (the locked PyYAML wheels are built with it)
    assert issubclass(_yamlio._Loader, yaml.CSafeLoader)
    assert issubclass(_yamlio._PureLoader, yaml.SafeLoader)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_both_parsers_give_the_same_data_and_lines(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = read_yaml(path)
    monkeypatch.setattr(_yamlio, "_Loader", _yamlio._PureLoader)
    pure = read_yaml(path)
    assert fast.data == pure.data
    assert fast.lines() == pure.lines()
    assert len(fast.lines()) > 10


def test_lines_exponents_and_repeated_keys(tmp_path: Path, loader: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\nb:\n  - x: 1e-6\n  - y: [2.5E+3, 1e3, '1e3']\nc: {d: 4}\n", encoding="utf-8")
    doc = read_yaml(path)
    assert doc.data == {"a": 1, "b": [{"x": 1e-6}, {"y": [2500.0, 1000.0, "1e3"]}], "c": {"d": 4}}
    assert isinstance(doc.data["b"][1]["y"][1], float) and math.isclose(doc.data["b"][1]["y"][1], 1e3)
    lines = {"a": 1, "b": 2, "b.0": 3, "b.0.x": 3, "b.1": 4, "b.1.y": 4, "c": 5, "c.d": 5}
    assert doc.lines() == lines | {"b.1.y.0": 4, "b.1.y.1": 4, "b.1.y.2": 4}
    assert doc.where(["b", 1, "y"]) == f"{path}:4"
    path.write_text("a: 1\nb:\n  c: 2\n  c: 3\n", encoding="utf-8")
    with pytest.raises(
        IadsimError, match=r"doc.yaml:4: c: given twice in the same mapping \(first at line 3\)"
    ):
        read_yaml(path)


def test_a_key_repeated_under_an_alias_is_found_once(tmp_path: Path, loader: str) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text("base: &b {k: 1, k: 2}\nuse: [*b, *b]\n", encoding="utf-8")
    with pytest.raises(IadsimError, match=r"alias.yaml:1: k: given twice"):
        read_yaml(path)


def test_syntax_errors_keep_their_line(tmp_path: Path, loader: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(IadsimError) as info:
        read_yaml(path)
    message = str(info.value)
    assert message.startswith(f"{path}:") and "malformed YAML" in message
    assert "started at line 2" in message


def test_nesting_beyond_any_real_file_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(IadsimError, match="malformed YAML"):
        read_yaml(path)
