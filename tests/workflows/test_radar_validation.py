"""Brochure validation (``iadsim validate-radar``): the calibration, the free-space prediction against the
closed form, a table the model wrote itself, and the shipped tables."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from iadsim.catalog import default_catalog
from iadsim.sensors import Environment, SurfaceModel
from iadsim.workflows.radar_validation import (
    RadarTable,
    _calibrated,
    mean_abs,
    read_table,
    validate_table,
)

TABLES = sorted((Path(__file__).parents[1] / "data" / "radar-tables").glob("*.yaml"))
KR = 4 / 3 * 6_371_000.0


def test_free_space_prediction_is_the_closed_form() -> None:
    # 36D6M, calibrated on 115 km at 1,000 m: in free space the 1 m^2 target's range is 115 km wherever
    # the horizon allows; at 100 m the smooth earth's horizon from 9 m is
    # sqrt(h_r (2 kR + h_r)) + sqrt(h_t (2 kR + h_t)) = 53.6 km.
    table = read_table(next(p for p in TABLES if p.name == "36d6m.yaml"))
    result = validate_table(table, default_catalog())
    low, high = result.points
    horizon = math.sqrt(9 * (2 * KR + 9)) + math.sqrt(100 * (2 * KR + 100))
    assert low.free_space_m == pytest.approx(horizon, rel=1e-9)
    assert (
        high.calibration
        and high.free_space_m == pytest.approx(115e3)
        and high.surface_m == pytest.approx(115e3, rel=2e-3)
    )


def test_a_table_the_model_wrote_itself_is_predicted_exactly() -> None:
    # Ranges the surface model predicts for a radar of known sensitivity, given back as a table: the
    # calibration finds that sensitivity again and the other points come out as written (to the
    # sampling of the outer edge, 1/4000 of the range).
    cat = default_catalog()
    base = read_table(next(p for p in TABLES if p.name == "36d6m.yaml"))
    env = Environment(surface=SurfaceModel.from_catalog(cat.surface(base.surface)))
    truth = _calibrated(base, env)
    alts = (50.0, 300.0, 2000.0, 8000.0)
    written = [truth.detection_range_m(1.0, 1, 0.5, a, env) / 1e3 for a in alts]
    table = RadarTable.model_validate(
        {
            **base.model_dump(exclude={"points", "calibrate"}),
            "calibrate": 2,
            "points": [{"altitude_m": a, "range_km": r} for a, r in zip(alts, written, strict=True)],
        }
    )
    result = validate_table(table, cat)
    for p in result.points:
        assert p.surface_error == pytest.approx(0.0, abs=1e-3), p


def test_the_shipped_tables_halve_the_low_altitude_error() -> None:
    # The acceptance of the model over a surface: on every shipped table calibrated on one of its points,
    # the mean absolute error of the low-altitude predictions is under half the free-space model's.
    cat = default_catalog()
    results = [validate_table(read_table(p), cat) for p in TABLES]
    assert len(results) >= 3
    low = [p for r in results for p in r.low_altitude()]
    free, surface = mean_abs([p.free_space_error for p in low]), mean_abs([p.surface_error for p in low])
    assert len(low) >= 3 and surface < 0.5 * free
    assert (round(100 * free), round(100 * surface)) == (38, 7)  # the README's figures
    # every point of the free-space model is at least as far as the published one at low altitude
    assert all(p.free_space_error > 0 for p in low)


def test_cli_validate_radar(cli: Any) -> None:
    result = cli("validate-radar", *map(str, TABLES), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert len(data["tables"]) == len(TABLES)
    low = data["mean_abs_error"]["low altitude"]
    assert low["surface"] < 0.5 * low["free_space"]
    text = cli("validate-radar", str(TABLES[0]))
    assert text.code == 0 and "mean absolute error" in text.out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("calibrate: 1", "calibrate: 5"), "calibrate: 5 is not the index of a point"),
        (("frequency_mhz: 3000", "frequency_mhz: -3"), "frequency_mhz"),
        (("surface: farmland", "surface: marsh"), "unknown surface id 'marsh'"),
        (("{altitude_m: 100, range_km: 42}", "{altitude_m: 100, range_km: 0}"), "range_km"),
    ],
)
def test_bad_tables_are_named(cli: Any, tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    src = next(p for p in TABLES if p.name == "36d6m.yaml").read_text(encoding="utf-8")
    assert edit[0] in src
    bad = tmp_path / "bad.yaml"
    bad.write_text(src.replace(*edit), encoding="utf-8")
    result = cli("validate-radar", str(bad))
    assert result.code == 2 and "Traceback" not in result.err
    assert message in result.err
