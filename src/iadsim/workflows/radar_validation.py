"""Brochure validation: a published range-against-altitude table of a radar, predicted from one of its
points by the free-space model (the radar equation up to the smooth earth's horizon) and by the model over
a surface (with its multipath, diffraction and clutter), and the errors of both.

A table is a YAML file::

    radar: "36D6M"
    source: {title: "...", url: "...", quote: "..."}
    frequency_mhz: 3000            # or frequency_ghz
    antenna_height_m: 9
    surface: farmland              # a catalog surface under the signal
    rcs_m2: 1                      # of every point that gives none
    calibrate: 1                   # index of the point the radar is calibrated on
    notes: {frequency: "...", antenna_height: "..."}   # what each assumed figure rests on
    points:
      - {altitude_m: 100, range_km: 42}
      - {altitude_m: 1000, range_km: 115}

Optional: ``polarization`` (H), ``pd`` (0.5), ``pfa`` (1e-6), ``swerling`` (1), ``elevation_beamwidth_deg``
(2), ``azimuth_beamwidth_deg`` (1.5), ``range_resolution_m`` (150), ``improvement_factor_db`` (45), ``k``
(4/3), a point's own ``rcs_m2``. The radar's sensitivity is the one unknown: each model is calibrated so that
it predicts the calibration point exactly, then predicts the others.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from iadsim import physics
from iadsim._yamlio import describe_validation_error, read_yaml
from iadsim.catalog import Catalog, band_of
from iadsim.errors import InputError
from iadsim.sensors import Environment, RadarModel

Num = Annotated[float, Strict()]
Regime = Literal["free space", "interference", "intermediate", "diffraction"]
#: The regimes, in the order of the reports.
REGIMES: tuple[Regime, ...] = ("free space", "interference", "intermediate", "diffraction")
#: Points at or below this altitude (m) are the table's low-altitude points.
LOW_ALTITUDE_M = 1000.0
#: Two-way propagation factor (dB) within which a point counts as free space.
FREE_SPACE_DB = 1.0


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TableSource(_Model):
    """Where the table was published."""

    title: str
    url: str | None = None
    quote: str | None = None


class TablePoint(_Model):
    """One published point: detection range (km) of a target at an altitude (m above the surface)."""

    altitude_m: Num = Field(ge=0, le=100_000)
    range_km: Num = Field(gt=0, le=5_000)
    rcs_m2: Num | None = Field(default=None, gt=0, le=1e6)


class RadarTable(_Model):
    """A published range-against-altitude table and the radar figures it is predicted with (module
    docstring)."""

    radar: str
    source: TableSource
    frequency_mhz: Num | None = Field(default=None, gt=30, lt=18_000)
    frequency_ghz: Num | None = Field(default=None, gt=0.03, lt=18)
    antenna_height_m: Num = Field(ge=0, le=500)
    surface: str
    rcs_m2: Num = Field(default=1.0, gt=0, le=1e6)
    pd: Num = Field(default=0.5, gt=0.01, lt=0.999)
    pfa: Num = Field(default=1e-6, gt=0, lt=0.01)
    swerling: int = Field(default=1, ge=0, le=4)
    polarization: Literal["H", "V"] = "H"
    elevation_beamwidth_deg: Num = Field(default=2.0, gt=0, le=90)
    azimuth_beamwidth_deg: Num = Field(default=1.5, gt=0, le=360)
    range_resolution_m: Num = Field(default=150.0, gt=0, le=1e5)
    improvement_factor_db: Num = Field(default=45.0, ge=0, le=100)
    k: Num = Field(default=4 / 3, ge=0.5, le=100)
    calibrate: int = Field(ge=0)
    notes: dict[str, str] = Field(default_factory=dict)
    points: tuple[TablePoint, ...] = Field(min_length=2, max_length=100)

    @model_validator(mode="after")
    def _check(self) -> RadarTable:
        if (self.frequency_mhz is None) == (self.frequency_ghz is None):
            raise ValueError("give exactly one of frequency_mhz and frequency_ghz")
        if self.calibrate >= len(self.points):
            raise ValueError(
                f"calibrate: {self.calibrate} is not the index of a point (0 to {len(self.points) - 1})"
            )
        return self

    @property
    def frequency_hz(self) -> float:
        """The radar's frequency, Hz."""
        return (
            self.frequency_mhz * 1e6
            if self.frequency_mhz is not None
            else float(self.frequency_ghz or 0) * 1e9
        )

    def rcs_of(self, point: TablePoint) -> float:
        """The RCS (m²) of a point's target."""
        return point.rcs_m2 if point.rcs_m2 is not None else self.rcs_m2


def read_table(path: Path) -> RadarTable:
    """Read and validate a table file; :class:`InputError` names the file, line and field of a problem."""
    doc = read_yaml(path, InputError)
    if not isinstance(doc.data, dict):
        raise InputError(f"{doc.where([])}: a radar table is a mapping with radar, source, points, ...")
    try:
        return RadarTable.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(doc, exc)) from None


@dataclass(frozen=True)
class PointResult:
    """One point of a table: published and predicted ranges (m), the errors (predicted / published - 1)
    and the regime of the published point over the surface."""

    altitude_m: float
    rcs_m2: float
    published_m: float
    free_space_m: float
    surface_m: float
    regime: Regime
    calibration: bool

    @property
    def free_space_error(self) -> float:
        """Relative error of the free-space model."""
        return self.free_space_m / self.published_m - 1.0

    @property
    def surface_error(self) -> float:
        """Relative error of the model over the surface."""
        return self.surface_m / self.published_m - 1.0

    def as_dict(self) -> dict[str, object]:
        """Fields and errors, for JSON."""
        return {
            **asdict(self),
            "free_space_error": self.free_space_error,
            "surface_error": self.surface_error,
        }


@dataclass(frozen=True)
class TableResult:
    """The predictions of one table."""

    path: str
    radar: str
    source: str
    surface: str
    points: list[PointResult]

    def low_altitude(self) -> list[PointResult]:
        """The points predicted (not the calibration point) at or below :data:`LOW_ALTITUDE_M`."""
        return [p for p in self.points if not p.calibration and p.altitude_m <= LOW_ALTITUDE_M]

    def as_dict(self) -> dict[str, object]:
        """Everything, for JSON."""
        return {
            "path": self.path,
            "radar": self.radar,
            "source": self.source,
            "surface": self.surface,
            "points": [p.as_dict() for p in self.points],
        }


def mean_abs(errors: list[float]) -> float:
    """Mean absolute relative error (NaN for none)."""
    return sum(abs(e) for e in errors) / len(errors) if errors else math.nan


def _model(table: RadarTable, reference_range_m: float, reference_rcs_m2: float) -> RadarModel:
    f = table.frequency_hz
    bw = math.radians(table.elevation_beamwidth_deg)
    return RadarModel(
        id="table",
        name=table.radar,
        reference_range_m=reference_range_m,
        reference_rcs_m2=reference_rcs_m2,
        reference_pd=table.pd,
        pfa=table.pfa,
        mast_height_m=table.antenna_height_m,
        min_elevation_rad=-math.pi / 2,
        max_elevation_rad=math.pi / 2,
        reference_swerling=table.swerling,
        band=band_of(f),
        frequency_hz=f,
        polarization=table.polarization,
        elevation_beamwidth_rad=bw,
        beam_elevation_rad=bw / 2,
        azimuth_beamwidth_rad=math.radians(table.azimuth_beamwidth_deg),
        range_resolution_m=table.range_resolution_m,
        improvement_factor_db=table.improvement_factor_db,
    )


def _calibrated(table: RadarTable, env: Environment) -> RadarModel:
    """The radar whose detection range at the calibration point, over ``env``, is the published one: its
    free-space range against the calibration RCS found by bisection on its logarithm (the outer edge of
    detection grows with the radar's sensitivity)."""
    point = table.points[table.calibrate]
    rcs = table.rcs_of(point)
    target = point.range_km * 1e3
    if env.free_space:
        return _model(table, target, rcs)

    def reach(reference_m: float) -> float:
        return _model(table, reference_m, rcs).detection_range_m(
            rcs, table.swerling, table.pd, point.altitude_m, env
        )

    low, high = math.log(target / 100), math.log(target * 100)
    if reach(math.exp(high)) < target:
        raise InputError(
            f"{table.radar}: the calibration point ({point.range_km:g} km at {point.altitude_m:g} m) lies "
            f"beyond what the model over {env.describe()} reaches at any sensitivity (the line of sight)"
        )
    for _ in range(36):  # the bracket is ln(1e4) wide: 36 halvings leave 1.3e-10 of it
        mid = (low + high) / 2
        if reach(math.exp(mid)) >= target:
            high = mid
        else:
            low = mid
    return _model(table, math.exp(high), rcs)


def regime_of(model: RadarModel, altitude_m: float, slant_m: float, env: Environment) -> Regime:
    """Where a point lies over the surface: beyond the smooth earth's line of sight (diffraction), between
    it and the range where the path difference is a quarter wavelength (intermediate), inside that
    (interference), or where the two-way factor is within :data:`FREE_SPACE_DB` of free space."""
    from iadsim.physics import multipath

    hr, ht = model.mast_height_m, altitude_m
    ground = float(physics.ground_range_m(slant_m, ht, hr, env.k))
    d_los = float(multipath.line_of_sight_range_m(hr, ht, env.k))
    d_q = float(multipath.interference_limit_range_m(hr, ht, model.frequency_hz, env.k))
    if ground >= d_los:
        return "diffraction"
    if ground > d_q:
        return "intermediate"
    clean = Environment(k=env.k, surface=env.surface, multipath=True, clutter=False)
    if abs(float(model.environment_loss_db(ground, ht, clean))) <= FREE_SPACE_DB:
        return "free space"
    return "interference"


def validate_table(
    table: RadarTable, catalog: Catalog, env_from: Environment | None = None, path: str = ""
) -> TableResult:
    """Predict every point of a table with the free-space model and the model over its surface, each
    calibrated on the table's calibration point. ``env_from`` gives the multipath and clutter switches
    (both on by default); the surface and k are the table's."""
    if table.surface not in catalog.surfaces:
        known = ", ".join(sorted(catalog.surfaces))
        raise InputError(
            f"{path or table.radar}: surface: unknown surface id {table.surface!r}; one of {known}"
        )
    switches = env_from or Environment()
    env = Environment.of(catalog, table.surface, table.k, switches.multipath, switches.clutter)
    free_env = Environment(k=table.k)
    free_model = _calibrated(table, free_env)
    surface_model = _calibrated(table, env)
    points = []
    for i, p in enumerate(table.points):
        rcs = table.rcs_of(p)
        points.append(
            PointResult(
                altitude_m=p.altitude_m,
                rcs_m2=rcs,
                published_m=p.range_km * 1e3,
                free_space_m=free_model.detection_range_m(
                    rcs, table.swerling, table.pd, p.altitude_m, free_env
                ),
                surface_m=surface_model.detection_range_m(rcs, table.swerling, table.pd, p.altitude_m, env),
                regime=regime_of(surface_model, p.altitude_m, p.range_km * 1e3, env),
                calibration=i == table.calibrate,
            )
        )
    return TableResult(path, table.radar, table.source.title, env.describe(), points)
