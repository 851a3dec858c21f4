"""The files an output folder holds: the names the demo and the coverage study write, and the report and
the web map read.

A demo folder (``iadsim demo``)::

    assumptions.csv            every catalog figure used, with its sources
    detection-ranges.csv/png   detection range of each radar against each target
    blake-<radar>.png          Blake charts of the acquisition and the low-altitude radars
    surface-effects.csv/png    detection range near the ground in free space and over two surfaces
    signatures.csv/png         the F-35A beside the F-16C, by radar band and aspect
    saturation.csv/png         the saturation study's leak fractions with 95% intervals
    saturation.duckdb          its replications (a results file)
    ballistic.csv/png          defended footprints of three batteries against one ballistic missile class
    ballistic/<system>/        each battery's footprint study (``iadsim coverage footprint``'s files)
    report.html                everything above in one page
    coverage/                  the coverage study, as below
    coverage-free-space/       the cruise missile's coverage in free space, to set beside coverage/

A coverage folder (``iadsim coverage map``, or ``coverage/`` of a demo folder)::

    floor-<radar>.tif/png      radar floor (height above ground a target must fly to be seen)
    detection-<target>-<altitude>.tif, detection-<target>.png
    engagement-<target>-<altitude>.tif, engagement-<target>.png
    coverage.geojson, coverage.kml   detection and engagement polygons
    ring-vs-real.json          the area seen against the advertised ring, per target and altitude
"""

from __future__ import annotations

from pathlib import Path

ASSUMPTIONS_CSV = "assumptions.csv"
DETECTION_CSV = "detection-ranges.csv"
DETECTION_PNG = "detection-ranges.png"
BLAKE_PREFIX = "blake-"
SURFACE_CSV = "surface-effects.csv"
SURFACE_PNG = "surface-effects.png"
SIGNATURES_CSV = "signatures.csv"
SIGNATURES_PNG = "signatures.png"
SATURATION_CSV = "saturation.csv"
SATURATION_PNG = "saturation.png"
SATURATION_DB = "saturation.duckdb"
BALLISTIC_CSV = "ballistic.csv"
BALLISTIC_PNG = "ballistic.png"
BALLISTIC_DIR = "ballistic"
REPORT_HTML = "report.html"
COVERAGE_DIR = "coverage"
FREE_SPACE_DIR = "coverage-free-space"

COVERAGE_GEOJSON = "coverage.geojson"
COVERAGE_KML = "coverage.kml"
RING_VS_REAL_JSON = "ring-vs-real.json"
#: Map kinds of a coverage folder, in the order a report shows them (``<kind>-<name>.png``/``.tif``).
MAP_KINDS = ("floor", "detection", "engagement")


def blake_png(radar_id: str) -> str:
    """File name of a radar's Blake chart."""
    return f"{BLAKE_PREFIX}{radar_id}.png"


def map_name(kind: str, name: str, suffix: str) -> str:
    """File name of a coverage map: ``<kind>-<name><suffix>`` (``kind`` one of :data:`MAP_KINDS`)."""
    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}; expected one of {', '.join(MAP_KINDS)}")
    return f"{kind}-{name}{suffix}"


def coverage_folders(folder: Path) -> tuple[Path, Path]:
    """Where a coverage study may lie in ``folder``: its ``coverage/`` (a demo folder), then the folder itself
    (a ``coverage map`` folder)."""
    return folder / COVERAGE_DIR, folder
