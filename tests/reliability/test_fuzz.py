"""Property-based fuzzing of what users feed the tool: scenario files, catalog files and command-line
options. Every generated input must end in success or in exit 2 with ``error: file:line: field: message``
(``--option: message`` for options), never a traceback, and within a time budget; a scenario that
``validate`` accepts must also ``run``.

Fixed seed (``derandomize``) and a bounded number of examples, so that CI is repeatable; the counts of
inputs tried and of clean errors are printed (``pytest -s``) and recorded in RELIABILITY.md.
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
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
    else:
        target[path[-1]] = value


_ERROR_LINE = re.compile(r"^error: \S+:\d+: [^:]+: .+")


class Tally:
    def __init__(self, name: str) -> None:
        self.name, self.tried, self.ok, self.clean = name, 0, 0, 0

    def report(self) -> None:
        print(
            f"\n{self.name}: {self.tried} inputs, {self.ok} accepted, {self.clean} refused with a clean error"
        )


@pytest.fixture(scope="module")
def catalog_arg() -> list[str]:
    return ["--catalog", str(VALIDATION)]


FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
def test_scenario_files(cli, catalog_arg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tally = Tally("scenario files")

    @FUZZ
    @given(
        st.lists(
            st.tuples(st.sampled_from(SCENARIO_PATHS), st.sampled_from(NASTY), st.booleans()),
            min_size=1,
            max_size=3,
        )
    )
    def check(mutations: list[tuple[tuple[Any, ...], Any, bool]]) -> None:
        doc = copy.deepcopy(BASE_SCENARIO)
        for path, value, delete in mutations:
            try:
                _set(doc, path, value, delete)
            except (KeyError, IndexError, TypeError):
                continue
        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        tally.tried += 1
        started = time.perf_counter()
        result = cli(*catalog_arg, "validate", str(path))
        assert result.code in (0, 2), result
        if result.code == 2:
            tally.clean += 1
            assert all(
                _ERROR_LINE.match(line) or not line.startswith("error") for line in result.err.splitlines()
            ), result.err
            assert str(path) in result.err
            return
        tally.ok += 1
        run = cli(*catalog_arg, "run", str(path), "--seed", "3", "--json")
        assert run.code == 0, (doc, run.err)
        assert time.perf_counter() - started < 60

    check()
    tally.report()
    assert tally.clean > 10 and tally.ok > 10


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
}  # fmt: skip


@pytest.mark.slow
def test_command_line_options(cli, catalog_arg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tally = Tally("command-line options")

    @FUZZ
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
        elif command == "map":
            args += ["--out", str(out)]
        tally.tried += 1
        started = time.perf_counter()
        result = cli(*catalog_arg, *args)
        assert result.code in (0, 2), (args, result)
        if result.code == 2:
            tally.clean += 1
            assert result.err.startswith("error: "), (args, result.err)
        else:
            tally.ok += 1
        assert time.perf_counter() - started < 60, args

    check()
    tally.report()
    assert tally.clean > 10 and tally.ok > 5
