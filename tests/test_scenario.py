"""Scenario files: the built-ins validate; bad files give one clear message each, exit 2, no traceback;
``iadsim run`` prints the contract's fields and stores the run in DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from iadsim.catalog import default_catalog
from iadsim.scenario import ScenarioError, builtin_scenarios, load_scenario

GOOD = """version: 1
name: t
terrain: flat
units:
  - name: u
    system: s-400
    position: [40.0, 33.0]
    facing_deg: 0
raids:
  - name: r
    target: f-16c
    count: 2
    route:
      - {position: [41.0, 33.0], altitude: {amsl: 8000}}
      - {position: [40.0, 33.0], altitude: {amsl: 8000}}
"""

BAD = [
    pytest.param(
        GOOD.replace("system: s-400", "system: s-999"),
        "s.yaml:6",
        "units.0.system",
        "unknown system id 's-999'",
        id="unknown-system",
    ),
    pytest.param(
        GOOD.replace(
            """    route:
      - {position: [41.0, 33.0], altitude: {amsl: 8000}}
      - {position: [40.0, 33.0], altitude: {amsl: 8000}}
""",
            "",
        ),
        "s.yaml:10",
        "raids.0.route",
        "a raid flies a route of at least two waypoints",
        id="missing-route",
    ),
    pytest.param(
        GOOD.replace("{amsl: 8000}}\n      - {position: [40.0", "{amsl: 250000}}\n      - {position: [40.0"),
        "s.yaml:14",
        "raids.0.route.0.altitude",
        "impossible",
        id="impossible-altitude",
    ),
    pytest.param(
        GOOD.replace("{amsl: 8000}}\n      - {position: [40.0", "{agl: -50}}\n      - {position: [40.0"),
        "s.yaml:14",
        "raids.0.route.0.altitude",
        "impossible",
        id="negative-altitude",
    ),
    pytest.param(GOOD.replace("count: 2", "count: [2"), "s.yaml:", "malformed YAML", "", id="malformed-yaml"),
    pytest.param(
        GOOD.replace("position: [40.0, 33.0]\n    facing", "position: [140.0, 33.0]\n    facing"),
        "s.yaml:7",
        "units.0.position",
        "latitude 140.0",
        id="latitude-out-of-range",
    ),
    pytest.param(
        GOOD.replace("target: f-16c", "target: f-16"),
        "s.yaml:11",
        "raids.0.target",
        "did you mean f-16c",
        id="unknown-target",
    ),
    pytest.param(
        GOOD.replace("    facing_deg: 0\n", ""),
        "s.yaml:5",
        "units.0",
        "the 92n6e cover(s) an azimuth sector: give facing_deg",
        id="sector-radar-facing-nothing",
    ),
]


def test_the_good_scenario_validates(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    assert load_scenario(path, default_catalog()).units[0].facing_deg == 0.0


def test_a_sector_radar_faces_the_nearest_defended_asset_by_default() -> None:
    # the azimuth of the WGS84 geodesic toward the nearest asset (Ankara from Murted: about 121 degrees);
    # none when the radar stands on it
    from pyproj import Geod

    from iadsim.scenario import default_facing_deg

    murted, ankara, far = (40.09, 32.52), (39.93, 32.86), (41.5, 29.0)
    expected = Geod(ellps="WGS84").inv(murted[1], murted[0], ankara[1], ankara[0])[0] % 360
    assert default_facing_deg(murted, [far, ankara]) == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(121.4, abs=0.1)
    assert default_facing_deg(ankara, [ankara]) is None and default_facing_deg(murted, []) is None


@pytest.mark.parametrize(("text", "where", "field", "message"), BAD)
def test_bad_scenarios_exit_2_with_one_clear_message(
    cli, tmp_path: Path, text: str, where: str, field: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    for command in ("validate", "run"):
        result = cli(command, str(path))
        assert result.code == 2, (command, result.err)
        assert "Traceback" not in result.err
        for fragment in (where, field, message):
            assert fragment in result.err, (command, fragment, result.err)


@pytest.mark.slow  # (the installed command in its own processes: 6 s)
def test_a_bad_scenario_exits_2_from_a_real_process(cli_process, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the same, as a user's shell sees it: the first case of BAD through the installed command
    text, where, field, message = BAD[0].values
    path = tmp_path / "s.yaml"
    path.write_text(str(text))
    for command in ("validate", "run"):
        result = cli_process(command, str(path))
        assert result.code == 2 and "Traceback" not in result.err, (command, result.err)
        for fragment in (where, field, message):
            assert str(fragment) in result.err, (command, fragment, result.err)


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD.replace("system: s-400", "system: s-999").replace("target: f-16c", "target: f-99"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, default_catalog())
    assert "s-999" in str(info.value) and "f-99" in str(info.value)


def test_builtin_scenarios_validate(cli) -> None:  # type: ignore[no-untyped-def]
    names = set(builtin_scenarios())
    assert {"ankara-s400", "ankara-s400-2bn", "crete-s300", "turkey-bmd"} <= names
    result = cli("scenarios", "--json")
    assert result.code == 0
    assert {s["name"] for s in json.loads(result.out)} == names
    for name, path in builtin_scenarios().items():
        assert cli("validate", str(path)).code == 0
        assert cli("validate", name).code == 0  # (by name, as `iadsim run` takes them)
    missing = cli("validate", "no-such-scenario")
    assert missing.code == 2 and "not a file, nor a built-in (ankara-s400" in missing.err
    two = load_scenario(builtin_scenarios()["ankara-s400-2bn"], default_catalog())
    assert len(two.units[0].battalions) == 2


def test_run_json_fields_and_store(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "runs.duckdb"
    result = cli("run", "ankara-s400", "--seed", "5", "--out", str(db), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    for key in ("threats", "detected", "engaged", "killed", "leaked", "interceptors_launched", "intercepts"):
        assert isinstance(data[key], int), key
    assert data["threats"] == 29
    assert data["killed"] + data["leaked"] <= data["threats"]
    assert data["intercepts"] <= data["interceptors_launched"]
    assert sum(data["interceptors_by_type"].values()) == data["interceptors_launched"]
    assert set(data["first_detection_s"]) <= {"subsonic-cruise-missile", "f-16c", "bayraktar-tb2"}
    assert data["manifest"]["seed"] == 5 and len(data["manifest"]["scenario_digest"]) == 64
    con = duckdb.connect(str(db), read_only=True)
    (n_runs,) = con.execute("SELECT count(*) FROM runs").fetchone()  # type: ignore[misc]
    (n_out,) = con.execute("SELECT count(*) FROM outcomes").fetchone()  # type: ignore[misc]
    kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM events").fetchall()}
    assert n_runs == 1 and n_out == 29
    assert {"detection", "track_start", "launch", "intercept"} <= kinds
    (killed,) = con.execute("SELECT count(*) FROM outcomes WHERE outcome = 'killed'").fetchone()  # type: ignore[misc]
    assert killed == data["killed"]


def test_one_message_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        GOOD.replace("{amsl: 8000}}\n      - {position: [40.0", "{amsl: 250000}}\n      - {position: [40.0")
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, default_catalog())
    assert len(str(info.value).splitlines()) == 1
