"""Validated catalog entities: every number is a :class:`Figure` carrying its sources.

Values are SI inside (metres, seconds, hertz, m², m/s); angles and geodetic positions stay in degrees
and say so in their names. The YAML files may give a value in another unit named by the key's suffix
(``max_range_km``); :mod:`iadsim.catalog.loader` converts it once, at the door.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator, model_validator

Confidence = Literal["high", "medium", "low"]
TargetClass = Literal[
    "fighter",
    "stealth-fighter",
    "strike-aircraft",
    "uav",
    "cruise-missile",
    "ballistic-missile",
    "airliner",
    "helicopter",
]
TARGET_CLASSES: tuple[str, ...] = TargetClass.__args__  # type: ignore[attr-defined]

#: The classes a missile's engagement envelope is published for.
EnvelopeClass = Literal["aircraft", "cruise-missile", "ballistic-missile", "drone"]
ENVELOPE_CLASSES: tuple[str, ...] = EnvelopeClass.__args__  # type: ignore[attr-defined]

#: The envelope class of each target class.
ENVELOPE_CLASS_OF: dict[str, str] = {
    "fighter": "aircraft",
    "stealth-fighter": "aircraft",
    "strike-aircraft": "aircraft",
    "airliner": "aircraft",
    "helicopter": "aircraft",
    "uav": "drone",
    "cruise-missile": "cruise-missile",
    "ballistic-missile": "ballistic-missile",
}


#: Radar frequency bands by their IEEE letter designations (IEEE Std 521-2019, "Standard Letter
#: Designations for Radar-Frequency Bands"; VHF and UHF as the ITU's): lower and upper edge, Hz.
BANDS: dict[str, tuple[float, float]] = {
    "VHF": (30e6, 300e6),
    "UHF": (300e6, 1e9),
    "L": (1e9, 2e9),
    "S": (2e9, 4e9),
    "C": (4e9, 8e9),
    "X": (8e9, 12e9),
    "Ku": (12e9, 18e9),
}
Band = Literal["VHF", "UHF", "L", "S", "C", "X", "Ku"]
#: Aspect sectors of a target seen by a radar: ``nose`` within 45 degrees of head-on, ``tail`` within 45
#: degrees of tail-on, ``beam`` in between (the angle between the target's heading and the line from the
#: target to the radar).
Aspect = Literal["nose", "beam", "tail"]
ASPECTS: tuple[str, ...] = Aspect.__args__  # type: ignore[attr-defined]


def band_of(frequency_hz: float) -> str:
    """The band (:data:`BANDS`) of a frequency; its lower edge belongs to it."""
    for band, (low, high) in BANDS.items():
        if low <= frequency_hz < high:
            return band
    raise ValueError(f"{frequency_hz / 1e9:g} GHz lies in no radar band from VHF to Ku (30 MHz to 18 GHz)")


def band_centre_hz(band: str) -> float:
    """The geometric centre ``sqrt(f_low f_high)`` of a band (Hz): the frequency of a radar that gives its
    band and no frequency."""
    low, high = BANDS[band]
    return float((low * high) ** 0.5)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


#: A number: an integer or a decimal, not ``true`` or ``"3"``; finite (the models' ``allow_inf_nan``).
Num = Annotated[float, Strict()]


@dataclass(frozen=True)
class Bounds:
    """Where a figure's value and range of claims must lie (SI units), and whether it counts things."""

    low: float
    high: float
    low_open: bool = False
    whole: bool = False
    unit: str = ""

    def check(self, fig: Any, key: str = "") -> None:
        """Raise ``ValueError`` if the figure's value or range falls outside (``key``: its key in a mapping
        of figures, named in the message)."""
        where = f"{key}: " if key else ""
        for v in (fig.value, *(fig.range or ())):
            low_ok = v > self.low if self.low_open else v >= self.low
            if not (low_ok and v <= self.high):
                bracket = "(" if self.low_open else "["
                unit = f" {self.unit}" if self.unit else ""
                raise ValueError(
                    f"{where}{v:g}{unit} is impossible: it must lie in {bracket}{self.low:g}, "
                    f"{self.high:g}]{unit}"
                )
            if self.whole and v != round(v):
                raise ValueError(f"{where}a count must be a whole number, got {v:g}")


def _positive(high: float, unit: str) -> Bounds:
    return Bounds(0.0, high, low_open=True, unit=unit)


def _at_least_zero(high: float, unit: str) -> Bounds:
    return Bounds(0.0, high, unit=unit)


def _count(low: float, high: float) -> Bounds:
    return Bounds(low, high, whole=True)


class _Bounded(_Frozen):
    """A model whose figures each have a physical range (``BOUNDS``, by field; checked at load)."""

    BOUNDS: ClassVar[dict[str, Bounds]] = {}

    @field_validator("*")
    @classmethod
    def _within(cls, value: Any, info: ValidationInfo) -> Any:
        bounds = cls.BOUNDS.get(str(info.field_name))
        if bounds is not None and value is not None:
            if isinstance(value, dict):
                for key, fig in value.items():
                    bounds.check(fig, str(key))
            else:
                bounds.check(value)
        return value


class Source(_Frozen):
    """A published source: title and, where there is one, the address."""

    id: str
    title: str
    url: str | None = None
    note: str | None = None


class Figure(_Frozen):
    """A published number with its provenance.

    ``value`` is the figure the model uses (SI unit named by the field holding it). ``sources`` cite it;
    ``confidence`` grades it; ``range`` holds the spread of claims where sources disagree. A figure with no
    source is a *flagged default*: it must have ``confidence: low`` and a ``note`` that says why the value
    was chosen. Such figures are listed by ``iadsim catalog show`` and in reports.
    """

    value: Num
    sources: tuple[Source, ...] = ()
    confidence: Confidence
    range: tuple[Num, Num] | None = None
    note: str | None = None

    @property
    def flagged(self) -> bool:
        """True for a default without a published source."""
        return not self.sources

    @model_validator(mode="after")
    def _check(self) -> Figure:
        if not self.sources:
            if self.confidence != "low":
                raise ValueError("a figure without sources is a flagged default: confidence must be 'low'")
            if not self.note:
                raise ValueError("a figure without sources needs a 'note' saying where the value comes from")
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise ValueError(f"range [{low}, {high}] has low > high")
            if not low <= self.value <= high:
                raise ValueError(f"value {self.value} lies outside its range [{low}, {high}]")
        return self


def _check_swerling(fig: Figure, field: str) -> None:
    if fig.value not in (0, 1, 2, 3, 4):
        raise ValueError(f"{field}: Swerling case must be 0, 1, 2, 3 or 4, got {fig.value}")


def _check_probability(fig: Figure, field: str, upper: float = 1.0) -> None:
    if not 0.0 < fig.value < upper:
        raise ValueError(f"{field}: must lie strictly between 0 and {upper}, got {fig.value}")


class Entity(_Bounded):
    """Common fields of everything in the catalog."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    name: str
    description: str | None = None


class Radar(Entity):
    """A radar, described by published figures.

    Peak power and antenna gain of these radars are not published, so detection is *calibrated*: the
    catalog gives a published detection range ``reference_range_m`` against a reference RCS
    ``reference_rcs_m2`` at probability ``reference_pd`` (false-alarm probability ``reference_pfa``), and
    the radar equation scales SNR as ``sigma / R^4`` from there
    (see :func:`iadsim.physics.calibrated_snr_db`).
    """

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "frequency_hz": Bounds(1e6, 1e12, unit="Hz"),
        "reference_range_m": _positive(1e7, "m"),
        "reference_rcs_m2": _positive(1e6, "m²"),
        "instrumented_range_m": _positive(1e7, "m"),
        "scan_period_s": Bounds(0.01, 3600.0, unit="s"),
        "min_elevation_deg": Bounds(-90.0, 90.0, unit="°"),
        "max_elevation_deg": Bounds(-90.0, 90.0, unit="°"),
        "azimuth_sector_deg": _positive(360.0, "°"),
        "mast_height_m": _at_least_zero(200.0, "m"),
        "targets_tracked": _count(1, 1e5),
        "targets_engaged": _count(1, 1e4),
        "missiles_guided": _count(1, 1e5),
        "range_sigma_m": _positive(1e5, "m"),
        "azimuth_sigma_deg": _positive(90.0, "°"),
        "elevation_sigma_deg": _positive(90.0, "°"),
        "elevation_beamwidth_deg": _positive(90.0, "°"),
        "beam_elevation_deg": Bounds(-10.0, 90.0, unit="°"),
        "azimuth_beamwidth_deg": _positive(360.0, "°"),
        "range_resolution_m": _positive(1e5, "m"),
        "improvement_factor_db": _at_least_zero(100.0, "dB"),
    }

    role: Literal["acquisition", "all-altitude", "engagement", "multifunction", "early-warning"]
    band: Band | None = None
    frequency_hz: Figure | None = None
    polarization: Literal["H", "V"] = "H"
    elevation_beamwidth_deg: Figure | None = None
    beam_elevation_deg: Figure | None = None
    azimuth_beamwidth_deg: Figure | None = None
    range_resolution_m: Figure | None = None
    improvement_factor_db: Figure | None = None
    reference_range_m: Figure
    reference_rcs_m2: Figure
    reference_pd: Figure
    reference_pfa: Figure
    reference_swerling: Figure
    instrumented_range_m: Figure | None = None
    scan_period_s: Figure | None = None
    min_elevation_deg: Figure
    max_elevation_deg: Figure
    azimuth_sector_deg: Figure | None = None
    mast_height_m: Figure | None = None
    targets_tracked: Figure | None = None
    targets_engaged: Figure | None = None
    missiles_guided: Figure | None = None
    range_sigma_m: Figure | None = None
    azimuth_sigma_deg: Figure | None = None
    elevation_sigma_deg: Figure | None = None

    @model_validator(mode="after")
    def _check(self) -> Radar:
        _check_swerling(self.reference_swerling, "reference_swerling")
        _check_probability(self.reference_pd, "reference_pd")
        _check_probability(self.reference_pfa, "reference_pfa", upper=0.5)
        if self.min_elevation_deg.value >= self.max_elevation_deg.value:
            raise ValueError("min_elevation_deg must be below max_elevation_deg")
        if self.band is None and self.frequency_hz is None:
            raise ValueError("give the radar's band (VHF, UHF, L, S, C, X or Ku) or its frequency")
        if self.frequency_hz is not None:
            for f in (self.frequency_hz.value, *(self.frequency_hz.range or ())):
                found = band_of(f)
                if self.band is not None and found != self.band:
                    raise ValueError(
                        f"frequency {f / 1e9:g} GHz lies in {found}-band, not in {self.band}-band"
                    )
        if self.azimuth_sector_deg is not None:
            low, high = self.azimuth_sector_deg.range or (self.azimuth_sector_deg.value,) * 2
            if not (0.0 < low and high <= 360.0):
                got = self.azimuth_sector_deg.value
                raise ValueError(f"azimuth_sector_deg: a sector lies in (0, 360] degrees, got {got}")
        return self

    @property
    def radar_band(self) -> str:
        """The radar's band: as given, else that of its frequency."""
        if self.band is not None:
            return self.band
        assert self.frequency_hz is not None  # (one of the two is required)
        return band_of(self.frequency_hz.value)

    @property
    def sector_scan(self) -> bool:
        """Whether the radar covers an azimuth sector (``azimuth_sector_deg`` below 360), not all round."""
        return self.azimuth_sector_deg is not None and self.azimuth_sector_deg.value < 360.0


class Envelope(_Bounded):
    """Where a missile can intercept one class of target: ground range from the launcher and the target's
    height (minimum above ground, maximum above sea level)."""

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "max_range_m": _positive(1e7, "m"),
        "min_range_m": _at_least_zero(1e7, "m"),
        "max_altitude_m": _positive(1e6, "m"),
        "min_altitude_m": _at_least_zero(1e6, "m"),
    }

    max_range_m: Figure
    min_range_m: Figure
    max_altitude_m: Figure
    min_altitude_m: Figure

    @model_validator(mode="after")
    def _check(self) -> Envelope:
        if self.min_range_m.value >= self.max_range_m.value:
            raise ValueError("min_range must be below max_range")
        if self.min_altitude_m.value >= self.max_altitude_m.value:
            raise ValueError("min_altitude must be below max_altitude")
        return self


class Missile(Entity):
    """An interceptor, modelled kinematically: an engagement envelope per target class, a boost-coast
    flight profile for the time of flight, and a single-shot Pk per target class.

    ``envelopes`` must hold ``aircraft``; ``cruise-missile`` and ``drone`` fall back to it when absent, and a
    missile without a ``ballistic-missile`` envelope does not engage ballistic missiles (a capability
    against them is only assumed where it is published). The flight profile
    (:func:`iadsim.physics.boost_coast_profile`) boosts to ``max_speed_mps`` in ``burn_time_s``, then
    coasts against drag so as to reach the aircraft envelope's maximum range (straight-line distance) at
    the average speed ``average_speed_mps``: its maximum flight time is that range over that speed.
    """

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "average_speed_mps": _positive(2e4, "m/s"),
        "max_speed_mps": _positive(2e4, "m/s"),
        "burn_time_s": _at_least_zero(3600.0, "s"),
        "max_target_speed_mps": _positive(1e5, "m/s"),
        "length_m": _positive(100.0, "m"),
        "diameter_m": _positive(20.0, "m"),
        "mass_kg": _positive(1e6, "kg"),
        "pk": _at_least_zero(1.0, ""),
    }

    envelopes: dict[EnvelopeClass, Envelope]
    average_speed_mps: Figure
    max_speed_mps: Figure
    burn_time_s: Figure
    max_target_speed_mps: Figure | None = None
    length_m: Figure | None = None
    diameter_m: Figure | None = None
    mass_kg: Figure | None = None
    pk: dict[TargetClass, Figure] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Missile:
        if "aircraft" not in self.envelopes:
            raise ValueError("envelopes: an 'aircraft' envelope is required (the others default to it)")
        for cls, fig in self.pk.items():
            if not 0.0 <= fig.value <= 1.0:
                raise ValueError(f"pk.{cls}: a probability must lie in [0, 1], got {fig.value}")
        speed, avg, burn = self.max_speed_mps.value, self.average_speed_mps.value, self.burn_time_s.value
        if not (speed > 0 and avg > 0 and burn >= 0):
            raise ValueError("max_speed, average_speed and burn_time must be positive (burn_time may be 0)")
        reach = self.envelopes["aircraft"].max_range_m.value
        flight = reach / avg
        if burn >= flight or avg > speed * (1.0 - burn / (2.0 * flight)):
            raise ValueError(
                f"average_speed {avg:g} m/s over {reach / 1e3:g} km cannot be flown with max_speed "
                f"{speed:g} m/s reached after a burn of {burn:g} s (it must stay below "
                f"max_speed x (1 - burn_time / (2 x flight time)); equal to it: no drag losses)"
            )
        return self

    def envelope(self, target_class: str) -> Envelope | None:
        """The envelope against a target class (see the class docstring); ``None``: cannot engage it."""
        cls = ENVELOPE_CLASS_OF[target_class]
        found: Envelope | None = self.envelopes.get(cls)  # type: ignore[call-overload]
        if found is None and cls != "ballistic-missile":
            return self.envelopes["aircraft"]
        return found

    @property
    def max_range_m(self) -> Figure:
        """Maximum range of the aircraft envelope (the missile's published range)."""
        return self.envelopes["aircraft"].max_range_m


class Launcher(Entity):
    """A transporter-erector-launcher."""

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "missiles_per_launcher": _count(1, 1000),
        "reload_time_s": _at_least_zero(1e6, "s"),
    }

    missiles_per_launcher: Figure
    reload_time_s: Figure


class CommandPost(Entity):
    """A command post that fuses tracks and assigns engagements."""

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "tracks_handled": _count(1, 1e6),
        "processing_delay_s": _at_least_zero(3600.0, "s"),
    }

    tracks_handled: Figure | None = None
    processing_delay_s: Figure


class System(Entity):
    """A surface-to-air missile system: its components (by catalog id) and system-level figures.

    ``loadout`` is the default missile load of one battalion (fire unit), missile id -> count.
    """

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "loadout": _count(0, 1e4),
        "battalions_per_regiment": _count(1, 1000),
        "launchers_per_battalion": _count(1, 1000),
        "advertised_range_m": _positive(1e7, "m"),
        "reaction_time_s": _at_least_zero(3600.0, "s"),
        "min_launch_interval_s": _at_least_zero(3600.0, "s"),
        "targets_engaged": _count(1, 1e4),
        "missiles_guided": _count(1, 1e5),
    }

    operators: tuple[str, ...] = ()
    command_post: str | None = None
    regiment_radars: tuple[str, ...] = ()
    battalion_radars: tuple[str, ...]
    launcher: str
    missiles: tuple[str, ...]
    loadout: dict[str, Figure]
    battalions_per_regiment: Figure
    launchers_per_battalion: Figure
    advertised_range_m: Figure
    reaction_time_s: Figure
    min_launch_interval_s: Figure
    targets_engaged: Figure
    missiles_guided: Figure


#: The figures of a ballistic missile class, from ``max_range_m`` on: a class that gives one gives all.
BALLISTIC_FIGURES: tuple[str, ...] = (
    "max_range_m",
    "burn_time_s",
    "burnout_speed_mps",
    "apogee_m",
    "reentry_speed_mps",
)


class Target(Entity):
    """An air target: radar cross-section, fluctuation model, typical speed and altitudes.

    A ballistic missile class that can be flown on a ballistic trajectory (a raid's ``trajectory:
    ballistic``) also gives its published maximum range, boost (burn) time, burnout speed, apogee and
    re-entry speed at that range (:data:`BALLISTIC_FIGURES`). The trajectory is computed from the range
    and the burn time (:func:`iadsim.physics.ballistic.ballistic_trajectory`); the other three are the
    published claims the computed trajectory is checked against.
    """

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "rcs_m2": _positive(1e6, "m²"),
        "speed_mps": _positive(2e4, "m/s"),
        "max_speed_mps": _positive(1e5, "m/s"),
        "altitude_m": _at_least_zero(1e6, "m"),
        "min_altitude_m": _at_least_zero(1e6, "m"),
        "max_altitude_m": _at_least_zero(1e6, "m"),
        "max_range_m": _positive(2e7, "m"),
        "burn_time_s": _at_least_zero(1e3, "s"),
        "burnout_speed_mps": _positive(8e3, "m/s"),
        "apogee_m": _positive(5e6, "m"),
        "reentry_speed_mps": _positive(8e3, "m/s"),
    }

    target_class: TargetClass
    rcs_m2: Figure
    rcs_by_band: dict[Band, dict[Aspect, Figure]] = Field(default_factory=dict)
    swerling: Figure
    speed_mps: Figure
    max_speed_mps: Figure | None = None
    altitude_m: Figure
    min_altitude_m: Figure
    max_altitude_m: Figure
    max_range_m: Figure | None = None
    burn_time_s: Figure | None = None
    burnout_speed_mps: Figure | None = None
    apogee_m: Figure | None = None
    reentry_speed_mps: Figure | None = None

    @property
    def ballistic(self) -> bool:
        """Whether the class can fly a ballistic trajectory (it gives :data:`BALLISTIC_FIGURES`)."""
        return self.max_range_m is not None

    @model_validator(mode="after")
    def _check(self) -> Target:
        _check_swerling(self.swerling, "swerling")
        given = [name for name in BALLISTIC_FIGURES if getattr(self, name) is not None]
        if given and len(given) < len(BALLISTIC_FIGURES):
            missing = [name for name in BALLISTIC_FIGURES if name not in given]
            raise ValueError(
                f"a ballistic class gives all of {', '.join(BALLISTIC_FIGURES)}; "
                f"missing: {', '.join(missing)}"
            )
        if given and self.target_class != "ballistic-missile":
            raise ValueError(f"ballistic figures ({given[0]}) belong to a ballistic-missile class only")
        if self.rcs_m2.value <= 0:
            raise ValueError(f"rcs: must be positive, got {self.rcs_m2.value}")
        for band, aspects in self.rcs_by_band.items():
            if "nose" not in aspects:
                raise ValueError(f"rcs_by_band.{band}: give at least the nose-on RCS ('nose')")
            for aspect, fig in aspects.items():
                _positive(1e6, "m²").check(fig, f"rcs_by_band.{band}.{aspect}")
        return self

    def rcs(self, band: str, aspect: str = "nose") -> tuple[str, Figure]:
        """The RCS figure (and its field path) a radar of ``band`` sees from ``aspect``.

        From ``rcs_by_band``: the band's entry, else that of the nearest band listed (in the order of
        :data:`BANDS`; between two as near, the higher); within it the aspect, else the nose-on value.
        Without ``rcs_by_band``: ``rcs_m2`` for every band and aspect (one value).
        """
        if not self.rcs_by_band:
            return "rcs_m2", self.rcs_m2
        order = list(BANDS)
        listed = sorted(self.rcs_by_band, key=order.index)
        nearest = min(listed, key=lambda b: (abs(order.index(b) - order.index(band)), -order.index(b)))
        aspects: dict[str, Figure] = self.rcs_by_band[nearest]  # type: ignore[assignment]
        found = aspect if aspect in aspects else "nose"
        return f"rcs_by_band.{nearest}.{found}", aspects[found]


#: The surface id that names none: free space (a scenario's ``environment.surface``, ``--surface``).
FREE_SPACE_SURFACE = "none"


class Surface(Entity):
    """A reflecting surface: what the ground or the sea does to a radar's signal near the horizon.

    Its electrical constants (relative permittivity, conductivity) give the Fresnel reflection coefficient,
    its rms height the roughness that scatters the reflection away, both for the pattern propagation factor
    (:mod:`iadsim.physics.multipath`); ``gamma_db`` is its constant-gamma clutter reflectivity at 10 GHz
    (``sigma0 = gamma sin(grazing)``, scaled to other frequencies as ``+5 log10(f / 10 GHz)``;
    :func:`iadsim.physics.clutter.constant_gamma_sigma0`).
    """

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "relative_permittivity": Bounds(1.0, 100.0),
        "conductivity_s_per_m": _at_least_zero(100.0, "S/m"),
        "rms_height_m": _at_least_zero(100.0, "m"),
        "gamma_db": Bounds(-80.0, 20.0, unit="dB"),
    }

    kind: Literal["sea", "land"]
    relative_permittivity: Figure
    conductivity_s_per_m: Figure
    rms_height_m: Figure
    gamma_db: Figure


class Site(Entity):
    """A publicly reported location (city or base level)."""

    BOUNDS: ClassVar[dict[str, Bounds]] = {
        "latitude_deg": Bounds(-90.0, 90.0, unit="°"),
        "longitude_deg": Bounds(-180.0, 180.0, unit="°"),
    }

    latitude_deg: Figure
    longitude_deg: Figure
    systems: tuple[str, ...] = ()
