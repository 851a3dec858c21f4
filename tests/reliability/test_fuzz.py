"""Property-based fuzzing of what users feed the tool: scenario files, catalog files and command-line
options. Every generated input must end in success or in exit 2 with ``error: file:line: field: message``
(``--option: message`` for options), never a traceback, within a time budget (60 s an input) and a memory
budget (the process's peak resident memory may not grow by 1 GiB on one input, with every command run under
``--max-memory-gb 0.5``); a scenario that ``validate`` accepts must also ``run``.

A fixed seed (``@seed``: the same inputs whatever ran before) and a bounded number of examples, so that CI
is repeatable; the counts of inputs tried and of clean errors are printed (``pytest -s``) and recorded in
RELIABILITY.md.
"""

from __future__ import annotations

import copy
import re
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.reliability.cases import BASE_SCENARIO, VALIDATION

#: Values that break naive code: zero, signs, extremes, non-finite, wrong types.
NASTY: list[Any] = [
    0, -1, 1, 7, 2**31, 2**63, 10**30, -(10**30), 0.5, -0.5, 1e-300, 1e300,
    float("nan"), float("inf"), -float("inf"), True, False, None, "", "x", "1e3", "\u00ff\u00fe",
    [], {}, [1, 2], [1, 2, 3], {"a": 1}, [[1, 2]], 359.9, 360, 90.5, -90.5, 181, 1e9,
]  # fmt: skip


def _leaf_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value of a nested dict/list (the containers themselves included)."""
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _leaf_paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _leaf_paths(v, (*prefix, i))
    return out


SCENARIO_PATHS = _leaf_paths(BASE_SCENARIO)


def _set(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete:
        if isinstance(target, dict):
            target.pop(path[-1], None)
        elif isinstance(target, list) and len(target) > 1:
            target.pop(path[-1])
    elif isinstance(value, Scale):
        old = target[path[-1]]
        if isinstance(old, (int, float)) and not isinstance(old, bool):
            target[path[-1]] = old * value.factor
    else:
        target[path[-1]] = copy.deepcopy(value)  # NASTY's lists and mappings stay as they are


@dataclass(frozen=True)
class Scale:
    """A mutation that multiplies a number by ``factor`` (a plausible figure, where NASTY are extremes)."""

    factor: float


_ERROR_LINE = re.compile(r"^error: \S+:\d+: [^:]+: .+")


#: Per input: wall time and growth of the process's peak resident memory.
TIME_BUDGET_S = 60.0
MEMORY_BUDGET_BYTES = 2**30
LIMITS = ["--max-memory-gb", "0.5"]


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


class Tally:
    """Counts of inputs tried, accepted and refused cleanly, and the worst time and memory of one input."""

    def __init__(self, name: str) -> None:
        self.name, self.tried, self.ok, self.clean = name, 0, 0, 0
        self.slowest_s, self.growth_bytes = 0.0, 0
        self._started, self._peak = 0.0, 0

    def start(self) -> None:
        self.tried += 1
        self._started, self._peak = time.perf_counter(), _peak_rss_bytes()

    def stop(self) -> None:
        took, growth = time.perf_counter() - self._started, _peak_rss_bytes() - self._peak
        self.slowest_s, self.growth_bytes = max(self.slowest_s, took), max(self.growth_bytes, growth)
        assert took < TIME_BUDGET_S, f"{took:.1f} s"
        assert growth < MEMORY_BUDGET_BYTES, f"peak memory grew by {growth / 2**20:.0f} MiB"

    def report(self) -> None:
        print(
            f"\n{self.name}: {self.tried} inputs, {self.ok} accepted, {self.clean} refused with a clean "
            f"error; slowest {self.slowest_s:.1f} s, peak memory grew by at most "
            f"{self.growth_bytes / 2**20:.0f} MiB"
        )


FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check_file_input(cli: Any, tally: Tally, args: list[str], path: Path) -> None:
    """``validate`` then, if valid, ``run``: a clean error naming ``path`` with a line and a field, or a run
    that completes."""
    tally.start()
    result = cli(*LIMITS, *args[:-1], "validate", args[-1])
    assert result.code in (0, 2), result
    if result.code == 2:
        tally.clean += 1
        errors = [line for line in result.err.splitlines() if line.startswith("error")]
        assert errors and all(_ERROR_LINE.match(line) for line in errors), result.err
        assert str(path) in result.err
    else:
        tally.ok += 1
        run = cli(*LIMITS, *args[:-1], "run", args[-1], "--seed", "3", "--json")
        assert run.code == 0, run.err
    tally.stop()


def _mutations(
    paths: list[tuple[Any, ...]], values: list[Any] = NASTY
) -> st.SearchStrategy[list[tuple[tuple[Any, ...], Any, bool]]]:
    return st.lists(
        st.tuples(st.sampled_from(paths), st.sampled_from(values), st.booleans()), min_size=1, max_size=3
    )


def _mutated(doc: Any, mutations: list[tuple[tuple[Any, ...], Any, bool]]) -> Any:
    doc = copy.deepcopy(doc)
    for path, value, delete in mutations:
        try:
            _set(doc, path, value, delete)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@pytest.mark.slow
def test_scenario_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tally = Tally("scenario files")

    @FUZZ
    @seed(1)
    @given(_mutations(SCENARIO_PATHS))
    def check(mutations: list[tuple[tuple[Any, ...], Any, bool]]) -> None:
        path = tmp_path / "s.yaml"
        doc = _mutated(BASE_SCENARIO, mutations)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        _check_file_input(cli, tally, ["--catalog", str(VALIDATION), str(path)], path)

    check()
    tally.report()
    assert tally.clean > 10 and tally.ok >= 5


CATALOG = yaml.safe_load(VALIDATION.read_text(encoding="utf-8"))
#: the catalog's figures, and the entities and lists that hold them (the free-text fields left out)
CATALOG_PATHS = [p for p in _leaf_paths(CATALOG) if p[-1] not in ("note", "name", "confidence", "source")]


@pytest.mark.slow
def test_catalog_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tally = Tally("catalog files")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(BASE_SCENARIO), encoding="utf-8")

    @FUZZ
    @seed(2)
    @given(_mutations(CATALOG_PATHS, NASTY + [Scale(f) for f in (0.1, 0.5, 0.9, 1.5, 2.0, 10.0)] * 3))
    def check(mutations: list[tuple[tuple[Any, ...], Any, bool]]) -> None:
        path = tmp_path / "catalog.yaml"
        path.write_text(yaml.safe_dump(_mutated(CATALOG, mutations), allow_unicode=True), encoding="utf-8")
        _check_file_input(cli, tally, ["--catalog", str(path), str(scenario)], path)

    check()
    tally.report()
    assert tally.clean > 10 and tally.ok >= 5


#: Option values as a user might type them (numbers, non-finite, garbage).
OPTION_TEXT = [
    "0",
    "-1",
    "1",
    "0.5",
    "2",
    "90",
    "360",
    "1e9",
    "-1e9",
    "1e-300",
    "inf",
    "-inf",
    "nan",
    "x",
    "",
    "3,4",
]

#: Commands with their options to fuzz; every one runs on flat terrain or the embedded catalog, fast.
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "radar": (["radar", "91n6e", "--target", "f-16c"], ["--pd", "--mast", "--k", "-a", "--swerling"]),
    "radar-rcs": (["radar", "92n6e"], ["--rcs", "--pd", "-a"]),
    "floor": (
        ["coverage", "floor", "--dem", "flat", "--site", "40,33", "--max-range-km", "20", "--cell-m", "500"],
        ["--mast", "--k", "--max-range-km", "--cell-m", "--site"],
    ),
    "map": (
        ["coverage", "map", "--site", "40,33", "--system", "val-sam", "--target", "val-fighter",
         "--terrain", "flat", "--cell-m", "4000", "-a", "1000"],
        ["-a", "--pd", "--k", "--cell-m", "--facing", "--site"],
    ),
    "footprint": (
        ["coverage", "footprint", "--site", "37.03,35.36", "--launch-area", "36.9,38.7,30", "--cells", "12",
         "--launch-points", "3"],
        ["--cells", "--launch-points", "--half-width-km", "--pd", "--uncertainty", "--site", "--launch-area"],
    ),
}  # fmt: skip


@pytest.mark.slow
def test_command_line_options(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tally = Tally("command-line options")

    @FUZZ
    @seed(3)
    @given(
        st.sampled_from(sorted(COMMANDS)),
        st.lists(st.tuples(st.integers(0, 10), st.sampled_from(OPTION_TEXT)), min_size=1, max_size=3),
    )
    def check(command: str, choices: list[tuple[int, str]]) -> None:
        base, options = COMMANDS[command]
        args = list(base)
        for i, text in choices:
            args += [options[i % len(options)], text]
        out = tmp_path / f"out-{command}"
        if command in ("floor",):
            args += ["--out", str(out) + ".tif"]
        elif command in ("map", "footprint"):
            args += ["--out", str(out)]
        tally.start()
        result = cli(*LIMITS, "--catalog", str(VALIDATION), *args)
        assert result.code in (0, 2), (args, result)
        if result.code == 2:
            tally.clean += 1
            # our checks say "error: ... --option ..."; the parser's own (a word for a number) show the usage
            parser = result.err.startswith("Usage: iadsim") and "Invalid value for" in result.err
            ours = result.err.startswith("error: ") and "--" in result.err
            assert ours or parser, (args, result.err)
            assert "Traceback" not in result.err
        else:
            tally.ok += 1
        tally.stop()

    check()
    tally.report()
    assert tally.clean > 10 and tally.ok >= 5
