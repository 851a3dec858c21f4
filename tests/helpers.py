"""What several test modules share: the test catalog's folder, a site near Ankara, points around it, the
analytic scenario of the engine tests and the scenario of the web tests, a free local port."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from pyproj import Geod

from iadsim.scenario import Scenario

DATA = Path(__file__).parent / "data"
SITE = (40.0, 33.0)
GEOD = Geod(ellps="WGS84")


def point(bearing_deg: float, distance_km: float, ndigits: int | None = None) -> list[float]:
    """[lat, lon] of the point ``distance_km`` from :data:`SITE` on ``bearing_deg`` (WGS84 geodesic),
    rounded to ``ndigits`` decimals if given."""
    lon, lat, _ = GEOD.fwd(SITE[1], SITE[0], bearing_deg, distance_km * 1e3)
    return [lat, lon] if ndigits is None else [round(lat, ndigits), round(lon, ndigits)]


def analytic_scenario(
    raids: list[dict],
    missiles: int = 1,
    salvo: int = 1,
    sls: bool = True,
    terrain: str = "flat",
    pk_note: str = "",
) -> Scenario:
    """One test SAM battalion at :data:`SITE` on flat terrain (test catalog) against ``raids``."""
    return Scenario.model_validate(
        {
            "version": 1,
            "name": "analytic",
            "terrain": terrain,
            "duration_s": 900,
            "step_s": 1.0,
            "units": [
                {
                    "name": "u",
                    "system": "test-sam",
                    "position": list(SITE),
                    "battalions": [
                        {
                            "name": "b",
                            "position": list(SITE),
                            "launchers": 2,
                            "missiles": {"test-missile": missiles},
                        }
                    ],
                }
            ],
            "doctrine": {"salvo": salvo, "shoot_look_shoot": sls, "kill_assessment_s": 5},
            "raids": raids,
        }
    )


def write_analytic_scenario(folder: Path) -> Path:
    """:func:`analytic_scenario` against one raid from 70 km, 2 missiles, as ``folder/analytic.yaml``."""
    import yaml

    path = folder / "analytic.yaml"
    data = analytic_scenario([inbound("r", 0.0, 70.0)], missiles=2).model_dump(mode="json")
    path.write_text(yaml.safe_dump(data))
    return path


def inbound(name: str, bearing: float, start_km: float, count: int = 1, alt: dict | None = None) -> dict:
    """A raid of test fighters at 300 m/s from ``start_km`` on ``bearing`` straight to :data:`SITE`."""
    return {
        "name": name,
        "target": "test-fighter",
        "count": count,
        "speed_mps": 300,
        "route": [
            {"position": point(bearing, start_km), "altitude": alt or {"amsl": 3000}},
            {"position": list(SITE), "altitude": alt or {"amsl": 3000}},
        ],
    }


def web_scenario_doc() -> dict[str, Any]:
    """One test SAM on flat terrain near Ankara against two small raids of test fighters."""
    raid = {
        "target": "test-fighter",
        "speed_mps": 300,
        "interval_s": 20,
    }
    return {
        "version": 1,
        "name": "web-test",
        "description": "one test battalion against two raids",
        "terrain": "flat",
        "duration_s": 900,
        "step_s": 1.0,
        "defended_assets": [{"name": "site", "position": list(SITE), "radius_km": 5}],
        "units": [
            {
                "name": "u",
                "system": "test-sam",
                "position": list(SITE),
                "battalions": [
                    {"name": "b", "position": list(SITE), "launchers": 2, "missiles": {"test-missile": 3}}
                ],
            }
        ],
        "doctrine": {"salvo": 1, "shoot_look_shoot": True},
        "raids": [
            {
                **raid,
                "name": "west",
                "count": 3,
                "route": [
                    {"position": point(270, 150, 5), "altitude": {"amsl": 3000}},
                    {"position": list(SITE), "altitude": {"amsl": 3000}},
                ],
            },
            {
                **raid,
                "name": "north",
                "count": 2,
                "start_s": 60,
                "route": [
                    {"position": point(20, 120, 5), "altitude": {"amsl": 3000}},
                    {"position": list(SITE), "altitude": {"amsl": 3000}},
                ],
            },
        ],
        "coverage": {"cell_m": 4000},
    }


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
