"""A small scenario on flat terrain with the validation catalog's made-up systems, for the reliability
suites to change one field at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

VALIDATION = Path(__file__).parent.parent / "validation" / "validation-catalog.yaml"

BASE_SCENARIO: dict[str, Any] = {
    "version": 1,
    "name": "fuzz",
    "terrain": "flat",
    "duration_s": 240,
    "step_s": 1.0,
    "defended_assets": [{"name": "city", "position": [40.0, 33.3], "radius_km": 10}],
    "units": [
        {
            "name": "u",
            "system": "val-sam",
            "position": [40.0, 33.0],
            "mast_m": 10,
            "facing_deg": 0,
            "battalions": [
                {
                    "name": "b",
                    "position": [40.0, 33.0],
                    "launchers": 2,
                    "missiles": {"val-constant": 4},
                    "reserve": {"val-constant": 2},
                }
            ],
        }
    ],
    "doctrine": {"salvo": 1, "shoot_look_shoot": True, "kill_assessment_s": 5},
    "options": {"false_alarms_per_scan": 0.5, "hold_s": 12},
    "raids": [
        {
            "name": "r",
            "target": "val-fighter",
            "count": 2,
            "start_s": 0,
            "interval_s": 5,
            "speed_mps": 300,
            "route": [
                {"position": [40.5, 33.0], "altitude": {"amsl": 5000}},
                {"position": [40.0, 33.3], "altitude": {"agl": 100}},
            ],
        }
    ],
    "coverage": {
        "targets": ["val-fighter"],
        "altitudes": [{"agl": 100}],
        "pd": 0.5,
        "k": 1.3333,
        "cell_m": 2000,
    },
}
