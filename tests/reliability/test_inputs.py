"""Scenario and catalog files that used to give a traceback, a hang or a silently wrong answer: each is now
refused before any work, by ``validate`` as by ``run``, with ``error: file:line: field: message`` and exit 2.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reliability.cases import BASE_SCENARIO, VALIDATION

Doc = dict[str, Any]


def _battalion(d: Doc) -> Doc:
    battalion: Doc = d["units"][0]["battalions"][0]
    return battalion


def _raid(d: Doc) -> Doc:
    raid: Doc = d["raids"][0]
    return raid


#: (case, change to the base scenario, field blamed, words of the message)
SCENARIOS: list[tuple[str, Callable[[Doc], Any], str, str]] = [
    ("lax boolean", lambda d: d.update(duration_s=True), "duration_s", "valid number"),
    ("empty loadout", lambda d: _battalion(d).update(missiles={}), "units.0.battalions.0.missiles",
     "no missiles"),
    ("step longer than the scenario", lambda d: d.update(duration_s=20, step_s=30), "step_s",
     "longer than the scenario's duration_s"),
    ("speed that overflows", lambda d: _raid(d).update(speed_mps=1e-300), "raids.0.speed_mps",
     "greater than or equal to 1"),
    ("step of a nanosecond", lambda d: d.update(step_s=1e-9), "step_s", "greater than or equal to 0.01"),
    ("10**30 threats", lambda d: _raid(d).update(count=10**30), "raids.0.count", "less than or equal to"),
    ("a billion missiles", lambda d: _battalion(d).update(missiles={"val-constant": 10**9}),
     "units.0.battalions.0.missiles", "must lie in [0, 10000]"),
    ("no launchers", lambda d: _battalion(d).update(launchers=0), "units.0.battalions.0.launchers",
     "greater than or equal to 1"),
    ("a far waypoint", lambda d: _raid(d)["route"][0].update(position=[-60.0, 170.0]),
     "raids.0.route.0.position", "--max-memory-gb raises the limit"),
    ("an unknown target", lambda d: _raid(d).update(target="no-such-target"), "raids.0.target",
     "unknown target id"),
    ("a missing DEM", lambda d: d.update(terrain="/nonexistent/dem.tif"), "terrain", "DEM file not found"),
    ("NaN", lambda d: d.update(duration_s=float("nan")), "duration_s", "finite number"),
    ("a Pd below any false-alarm rate", lambda d: d["coverage"].update(pd=1e-300), "coverage.pd",
     "greater than or equal to 0.01"),
]  # fmt: skip


def _error(path: Path, field: str) -> re.Pattern[str]:
    return re.compile(rf"^error: {re.escape(str(path))}:\d+: {re.escape(field)}: ", re.MULTILINE)


def _write(tmp_path: Path, doc: Doc, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


CATALOG = ["--catalog", str(VALIDATION)]


@pytest.mark.parametrize(
    ("change", "field", "words"), [case[1:] for case in SCENARIOS], ids=[case[0] for case in SCENARIOS]
)
def test_a_bad_scenario_is_refused_with_file_line_and_field(
    cli: Any, tmp_path: Path, change: Callable[[Doc], Any], field: str, words: str
) -> None:
    doc = copy.deepcopy(BASE_SCENARIO)
    change(doc)
    path = _write(tmp_path, doc)
    for command in (["validate", str(path)], ["run", str(path)]):
        result = cli(*CATALOG, *command)
        assert result.code == 2, (command, result)
        assert _error(path, field).search(result.err), result.err
        assert words in result.err, result.err
        assert "Traceback" not in result.err


def test_the_line_is_the_line_of_the_field(cli: Any, tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE_SCENARIO)
    _raid(doc)["route"][1]["position"] = [-60.0, 170.0]
    path = _write(tmp_path, doc)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "- -60.0" in text)
    result = cli(*CATALOG, "validate", str(path))
    # the position's key is on the line before its first item
    assert f"{path}:{line - 1}: raids.0.route.1.position: " in result.err, result.err


def test_more_steps_than_the_limit_are_refused_and_the_limit_can_be_raised(cli: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, copy.deepcopy(BASE_SCENARIO))
    # the run ends when the last threat arrives: the route is 61.106 km (WGS84 geodesic, 40.5N 33.0E to
    # 40.0N 33.3E) at 300 m/s, 203.69 s, after the second threat's 5 s start: 208.69 s, so
    # floor(208.69 / 1 s) + 1 = 209 time steps, and the one radar scans once a second: 208.7 scans; 417.7
    small = cli(*CATALOG, "--max-steps", "417", "validate", str(path))
    assert small.code == 2
    assert _error(path, "step_s").search(small.err), small.err
    assert "would take 418 time steps and radar scans per run" in small.err
    assert "--max-steps raises the limit" in small.err
    assert cli(*CATALOG, "--max-steps", "418", "validate", str(path)).code == 0


def test_yaml_that_means_two_things_is_refused(cli: Any, tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE_SCENARIO, sort_keys=False)
    path = tmp_path / "dup.yaml"
    path.write_text(text.replace("duration_s: 240\n", "duration_s: 240\nduration_s: 300\n"))
    result = cli(*CATALOG, "validate", str(path))
    assert result.code == 2
    assert re.search(rf"{re.escape(str(path))}:5: duration_s: given twice .*first at line 4", result.err)


def test_text_that_is_not_utf8_is_refused_with_its_line(cli: Any, tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE_SCENARIO, sort_keys=False).replace("name: fuzz", "name: caf\u00e9")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text.encode("latin-1"))
    result = cli(*CATALOG, "run", str(path))
    assert result.code == 2
    assert re.search(rf"^error: {re.escape(str(path))}:2: not UTF-8 text \(byte 0xe9", result.err, re.M)


def test_a_file_over_the_size_limit_is_refused_before_parsing(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    # a YAML bomb would take far longer than this test if it were parsed; it is refused by its size alone
    path.write_text("a: &a [" + ",".join(["x"] * 10) + "]\n" + "#" * (10 * 2**20) + "\n")
    result = cli(*CATALOG, "validate", str(path))
    assert result.code == 2
    assert f"{path}: 10.0 MB is larger than the 10 MB a scenario or catalog file may be" in result.err


def test_exponent_notation_is_a_number(cli: Any, tmp_path: Path) -> None:
    # YAML 1.1 reads 1e-6 (no dot) as a string; the scenario's numbers read it as a number
    text = yaml.safe_dump(BASE_SCENARIO, sort_keys=False).replace("duration_s: 240", "duration_s: 2.4e2")
    path = tmp_path / "e.yaml"
    path.write_text(text.replace("step_s: 1.0", "step_s: 1e0"))
    assert cli(*CATALOG, "validate", str(path)).code == 0


#: (case, text in the validation catalog, replacement, field blamed, words)
CATALOG_CASES: list[tuple[str, str, str, str, str]] = [
    ("scan period 0 (an endless loop)", "scan_period_s: {value: 1,", "scan_period_s: {value: 0,",
     "radars.0.scan_period_s", "must lie in [0.01, 3600] s"),
    ("NaN RCS", "reference_rcs_m2: {value: 1,", "reference_rcs_m2: {value: .nan,",
     "radars.0.reference_rcs_m2.value", "finite number"),
    ("infinite reference range", "reference_range_km: {value: 9000,", "reference_range_km: {value: .inf,",
     "radars.0.reference_range_km.value", "finite number"),
    ("reference range 0", "reference_range_km: {value: 9000,", "reference_range_km: {value: 0,",
     "radars.0.reference_range_km", "impossible"),
    ("negative reload time", "reload_time_s: {value: 600,", "reload_time_s: {value: -600,",
     "launchers.0.reload_time_s", "impossible"),
    ("no launchers per battalion", "launchers_per_battalion: {value: 1,",
     "launchers_per_battalion: {value: 0,", "systems.0.launchers_per_battalion", "must lie in [1, 1000]"),
    ("a negative missile speed", "max_speed_mps: {value: 1000,", "max_speed_mps: {value: -1000,",
     "missiles.0.max_speed_mps", "impossible"),
    ("a fractional count", "missiles_per_launcher: {value: 4,", "missiles_per_launcher: {value: 4.5,",
     "launchers.0.missiles_per_launcher", "whole"),
    ("a boolean figure", "reference_pd: {value: 0.5,", "reference_pd: {value: true,",
     "radars.0.reference_pd.value", "valid number"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "field", "words"), [c[1:] for c in CATALOG_CASES], ids=[c[0] for c in CATALOG_CASES]
)
def test_a_bad_catalog_figure_is_refused_with_file_line_and_field(
    cli: Any, tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    text = VALIDATION.read_text(encoding="utf-8")
    assert old in text
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(i for i, t in enumerate(catalog.read_text().splitlines(), 1) if new in t)
    scenario = _write(tmp_path, copy.deepcopy(BASE_SCENARIO))
    for command in (["catalog", "list"], ["validate", str(scenario)], ["run", str(scenario)]):
        result = cli("--catalog", str(catalog), *command)
        assert result.code == 2, (command, result)
        assert f"error: {catalog}:{line}: {field}" in result.err, result.err
        assert words in result.err, result.err


def test_a_catalog_cross_reference_names_its_file_and_line(cli: Any, tmp_path: Path) -> None:
    text = VALIDATION.read_text(encoding="utf-8")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text.replace("launcher: val-launcher", "launcher: no-such-launcher", 1))
    line = next(i for i, t in enumerate(catalog.read_text().splitlines(), 1) if "no-such-launcher" in t)
    result = cli("--catalog", str(catalog), "catalog", "list")
    assert result.code == 2
    assert re.search(
        rf"{re.escape(str(catalog))}:{line}: systems\.\d+\.launcher: .*no-such-launcher", result.err
    )


def test_a_pd_threshold_must_exceed_the_false_alarm_probability() -> None:
    from iadsim.catalog.loader import default_catalog
    from iadsim.errors import InputError
    from iadsim.sensors import RadarModel

    radar = RadarModel.from_catalog(default_catalog().radar("91n6e"))
    with pytest.raises(InputError, match="not above the 91n6e's false-alarm probability"):
        radar.free_space_range_m(1.0, radar.pfa / 2, 1)
