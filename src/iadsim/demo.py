"""``iadsim demo``: the S-400's radars against every catalog target, beside the advertised ring."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iadsim import physics
from iadsim._atomic import atomic_path
from iadsim.catalog import Catalog, default_catalog, figures
from iadsim.sensors import DetectionRange, RadarModel, detection_range_table

if TYPE_CHECKING:
    from iadsim.coverage.study import CoverageResult

DEMO_SYSTEM = "s-400"
DEMO_ALTITUDES_M = (50.0, 1000.0, 10000.0)
DEMO_PD = 0.5
BLAKE_TARGETS = ("f-16c", "f-35a", "subsonic-cruise-missile")


#: The coverage part: the S-400 at Mürted (built-in scenario ``ankara-s400``) against these cases.
DEMO_SCENARIO = "ankara-s400"
DEMO_COVERAGE = (
    ("f-16c", 50.0),
    ("f-16c", 1000.0),
    ("f-16c", 10000.0),
    ("f-35a", 10000.0),
    ("subsonic-cruise-missile", 50.0),
)


@dataclass(frozen=True)
class DemoResult:
    """What the demo computed and where it wrote it."""

    system: str
    ring_m: float
    pd: float
    rows: list[DetectionRange]
    files: list[Path]
    coverage: CoverageResult | None = None


def run_demo(
    out_dir: Path,
    catalog: Catalog | None = None,
    coverage: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """The S-400's radars against every catalog target, then its coverage over real terrain at Mürted.

    1. Detection ranges over a smooth 4/3 earth with each radar at its catalog mast height: the smaller of
       the free-space range at single-look Pd 0.5 and the radar horizon to the target altitude (CSV, PNG).
    2. With ``coverage``: the regiment of the built-in scenario ``ankara-s400`` over the embedded GLOBE
       terrain: radar floor, detection and engagement coverage of an F-16C at 50 m, 1 km and 10 km, an
       F-35A at 10 km and a cruise missile at 50 m above ground, the ring vs real table and the maps, in
       ``out_dir / "coverage"``.
    """
    cat = catalog or default_catalog()
    system = cat.system(DEMO_SYSTEM)
    radar_ids = [*system.regiment_radars, *system.battalion_radars]
    targets = [cat.targets[t] for t in sorted(cat.targets)]
    ring_m = system.advertised_range_m.value
    rows = detection_range_table(cat, radar_ids, targets, DEMO_ALTITUDES_M, pd=DEMO_PD, ring_m=ring_m)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [
        _write_csv(out_dir / "detection-ranges.csv", rows),
        _write_assumptions(
            out_dir / "assumptions.csv", cat, [DEMO_SYSTEM, *radar_ids, *(t.id for t in targets)]
        ),
    ]
    from iadsim.report.plots import blake_chart, detection_range_chart

    with atomic_path(out_dir / "detection-ranges.png") as tmp:
        detection_range_chart(
            tmp, rows, f"{system.name}: detection range over a smooth 4/3 earth, Pd {DEMO_PD:g}", ring_m / 1e3
        )
    files.append(out_dir / "detection-ranges.png")
    acq = cat.radar(system.regiment_radars[0])
    model = RadarModel.from_catalog(acq)
    curves = []
    for tid in BLAKE_TARGETS:
        tgt = cat.target(tid)
        free = float(model.free_space_range_m(tgt.rcs_m2.value, DEMO_PD, int(tgt.swerling.value)))
        curves.append(
            (
                f"{tgt.name}, {tgt.rcs_m2.value:g} m²",
                physics.vertical_coverage(
                    free, model.mast_height_m, model.min_elevation_rad, model.max_elevation_rad
                ),
            )
        )
    blake = out_dir / f"blake-{acq.id}.png"
    with atomic_path(blake) as tmp:
        blake_chart(
            tmp,
            f"{acq.name}: vertical coverage, Pd {DEMO_PD:g}",
            curves,
            model.mast_height_m,
            max_height_km=30.0,
        )
    files.append(blake)
    study = None
    if coverage:
        from iadsim.coverage.study import run_coverage
        from iadsim.scenario import Altitude, resolve_scenario

        scenario = resolve_scenario(DEMO_SCENARIO, cat)
        cases = [(t, Altitude(agl=a)) for t, a in DEMO_COVERAGE]
        study = run_coverage(scenario, cat, out_dir / "coverage", cases=cases, progress=progress)
    return DemoResult(system=system.name, ring_m=ring_m, pd=DEMO_PD, rows=rows, files=files, coverage=study)


def _write_csv(path: Path, rows: list[DetectionRange]) -> Path:
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].as_dict()))
        writer.writeheader()
        for row in rows:
            writer.writerow(row.as_dict())
    return path


def _write_assumptions(path: Path, cat: Catalog, ids: list[str]) -> Path:
    """Every catalog figure the demo used, with its confidence and sources."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "id",
                "figure",
                "value_si",
                "confidence",
                "range_low",
                "range_high",
                "flagged",
                "sources",
                "note",
            ]
        )
        for entity_id in ids:
            for name, fig in figures(cat.get(entity_id)):
                low, high = fig.range if fig.range else ("", "")
                writer.writerow(
                    [
                        entity_id,
                        name,
                        fig.value,
                        fig.confidence,
                        low,
                        high,
                        fig.flagged,
                        " | ".join(f"{s.title} {s.url or ''}".strip() for s in fig.sources),
                        fig.note or "",
                    ]
                )
    return path
