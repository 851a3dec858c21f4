"""Ballistic raids in scenario files (``trajectory: ballistic``): what validates, and one clear message per
mistake naming the file, the line and the field, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Geod

from iadsim.catalog import default_catalog
from iadsim.physics.ballistic import DEPRESSED_APOGEE_FACTOR, LOFTED_APOGEE_FACTOR, ballistic_trajectory
from iadsim.scenario import ScenarioError, load_scenario

GOOD = """version: 1
name: t
terrain: flat
defended_assets:
  - {name: base, position: [37.0, 35.43], radius_km: 5}
units:
  - name: u
    system: s-400
    position: [37.02, 35.40]
    facing_deg: 90
raids:
  - name: r
    target: srbm-300
    count: 2
    trajectory: ballistic
    launch: [36.9, 38.7]
    impact: base
"""

BAD = [
    pytest.param(
        GOOD.replace("launch: [36.9, 38.7]", "launch: [36.9, 41.7]"),
        "s.yaml:17",
        "raids.0.impact",
        "beyond srbm-300's maximum range of 300 km",
        id="beyond-range",
    ),
    pytest.param(
        GOOD.replace("impact: base", "impact: adana"),
        "s.yaml:17",
        "raids.0.impact",
        "'adana' is neither a [lat, lon] position nor a defended asset (defended assets: base)",
        id="unknown-asset",
    ),
    pytest.param(
        GOOD.replace("target: srbm-300", "target: f-16c"),
        "s.yaml:13",
        "raids.0.target",
        "'f-16c' cannot fly a ballistic trajectory",
        id="not-ballistic",
    ),
    pytest.param(
        GOOD.replace("    launch: [36.9, 38.7]\n", ""),
        "s.yaml:12",
        "raids.0",
        "a ballistic raid needs launch ([lat, lon])",
        id="no-launch",
    ),
    pytest.param(
        GOOD.replace("impact: base", "impact: base\n    profile: lofted\n    apogee_km: 40"),
        "s.yaml:19",
        "raids.0.apogee_km",
        "a lofted trajectory climbs above the minimum-energy apogee",
        id="lofted-below-minimum-energy",
    ),
    pytest.param(
        GOOD.replace("impact: base", "impact: base\n    profile: sideways"),
        "s.yaml:18",
        "raids.0.profile",
        "'minimum-energy', 'lofted' or 'depressed'",
        id="unknown-profile",
    ),
    pytest.param(
        GOOD.replace("impact: base", "impact: base\n    speed_mps: 2000"),
        "s.yaml:12",
        "raids.0",
        "a ballistic raid's speed follows from its trajectory",
        id="speed-given",
    ),
    pytest.param(
        GOOD.replace("    trajectory: ballistic\n", ""),
        "s.yaml:12",
        "raids.0.route",
        "a raid flies a route of at least two waypoints",
        id="launch-without-ballistic",
    ),
]


@pytest.mark.parametrize(("text", "where", "field", "message"), BAD)
def test_bad_ballistic_raids_exit_2_with_one_clear_message(
    cli, tmp_path: Path, text: str, where: str, field: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = cli("validate", str(path))
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    for fragment in (where, field, message):
        assert fragment in result.err, (fragment, result.err)


def _flight(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    cat = default_catalog()
    sc = load_scenario(path, cat)
    return sc.flight_of(sc.raids[0], cat)


def test_a_ballistic_raid_flies_the_geodesic_from_launch_to_its_asset(tmp_path: Path) -> None:
    # The range is the WGS 84 geodesic's (pyproj), 291.5 km from [36.9, 38.7] to the base; the trajectory is
    # the minimum-energy one of that range with srbm-300's burn time.
    flight = _flight(tmp_path, GOOD)
    distance = Geod(ellps="WGS84").inv(38.7, 36.9, 35.43, 37.0)[2]
    assert distance == pytest.approx(291.5e3, abs=100)
    burn = default_catalog().targets["srbm-300"].burn_time_s
    assert burn is not None
    expected = ballistic_trajectory(distance, burn.value)
    assert flight.impact == (37.0, 35.43) and flight.launch == (36.9, 38.7)
    assert flight.trajectory.range_m == pytest.approx(distance, rel=1e-9)
    assert flight.trajectory.apogee_height_m == pytest.approx(expected.apogee_height_m, rel=1e-9)
    lat, lon, height = flight.track([0.0, flight.trajectory.time_of_flight_s])
    assert lat == pytest.approx([36.9, 37.0], abs=1e-9) and lon == pytest.approx([38.7, 35.43], abs=1e-9)
    assert height == pytest.approx([0.0, 0.0], abs=1e-3)


@pytest.mark.parametrize(
    ("profile", "factor"), [("lofted", LOFTED_APOGEE_FACTOR), ("depressed", DEPRESSED_APOGEE_FACTOR)]
)
def test_a_named_profile_without_apogee_scales_the_minimum_energy_apogee(
    tmp_path: Path, profile: str, factor: float
) -> None:
    least = _flight(tmp_path, GOOD).trajectory
    named = _flight(
        tmp_path, GOOD.replace("impact: base", f"impact: base\n    profile: {profile}")
    ).trajectory
    assert named.apogee_height_m == pytest.approx(factor * least.apogee_height_m, rel=1e-6)
    assert named.range_m == pytest.approx(least.range_m, rel=1e-9)
    # a lofted flight takes longer, a depressed one less (same range, higher / lower arc)
    assert (named.time_of_flight_s > least.time_of_flight_s) == (profile == "lofted")


def test_an_apogee_picks_the_trajectory(tmp_path: Path) -> None:
    flight = _flight(tmp_path, GOOD.replace("impact: base", "impact: base\n    apogee_km: 60"))
    assert flight.trajectory.apogee_height_m == pytest.approx(60e3, rel=1e-6)


def test_a_scenario_made_in_code_is_checked_when_its_flight_is_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    cat = default_catalog()
    sc = load_scenario(path, cat)
    far = sc.raids[0].model_copy(update={"launch": (36.9, 41.7)})
    bad = sc.model_copy(update={"raids": (far,), "source": None})
    with pytest.raises(ScenarioError, match="raids.0.impact: .* beyond srbm-300's maximum range"):
        bad.flight_of(far, cat)
