"""Validated catalog entities: every number is a :class:`Figure` carrying its sources.

Values are SI inside (metres, seconds, hertz, m², m/s); angles and geodetic positions stay in degrees
and say so in their names. The YAML files may give a value in another unit named by the key's suffix
(``max_range_km``); :mod:`iadsim.catalog.loader` converts it once, at the door.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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

    value: float
    sources: tuple[Source, ...] = ()
    confidence: Confidence
    range: tuple[float, float] | None = None
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


class Entity(_Frozen):
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

    role: Literal["acquisition", "all-altitude", "engagement", "multifunction", "early-warning"]
    band: str | None = None
    frequency_hz: Figure | None = None
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
        if self.azimuth_sector_deg is not None:
            low, high = self.azimuth_sector_deg.range or (self.azimuth_sector_deg.value,) * 2
            if not (0.0 < low and high <= 360.0):
                got = self.azimuth_sector_deg.value
                raise ValueError(f"azimuth_sector_deg: a sector lies in (0, 360] degrees, got {got}")
        return self

    @property
    def sector_scan(self) -> bool:
        """Whether the radar covers an azimuth sector (``azimuth_sector_deg`` below 360), not all round."""
        return self.azimuth_sector_deg is not None and self.azimuth_sector_deg.value < 360.0


class Envelope(_Frozen):
    """Where a missile can intercept one class of target: ground range from the launcher and the target's
    height (minimum above ground, maximum above sea level)."""

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
        found = self.envelopes.get(cls)  # type: ignore[call-overload]
        if found is None and cls != "ballistic-missile":
            return self.envelopes["aircraft"]
        return found

    @property
    def max_range_m(self) -> Figure:
        """Maximum range of the aircraft envelope (the missile's published range)."""
        return self.envelopes["aircraft"].max_range_m


class Launcher(Entity):
    """A transporter-erector-launcher."""

    missiles_per_launcher: Figure
    reload_time_s: Figure


class CommandPost(Entity):
    """A command post that fuses tracks and assigns engagements."""

    tracks_handled: Figure | None = None
    processing_delay_s: Figure


class System(Entity):
    """A surface-to-air missile system: its components (by catalog id) and system-level figures.

    ``loadout`` is the default missile load of one battalion (fire unit), missile id -> count.
    """

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


class Target(Entity):
    """An air target: radar cross-section, fluctuation model, typical speed and altitudes."""

    target_class: TargetClass
    rcs_m2: Figure
    swerling: Figure
    speed_mps: Figure
    max_speed_mps: Figure | None = None
    altitude_m: Figure
    min_altitude_m: Figure
    max_altitude_m: Figure

    @model_validator(mode="after")
    def _check(self) -> Target:
        _check_swerling(self.swerling, "swerling")
        if self.rcs_m2.value <= 0:
            raise ValueError(f"rcs: must be positive, got {self.rcs_m2.value}")
        return self


class Site(Entity):
    """A publicly reported location (city or base level)."""

    latitude_deg: Figure
    longitude_deg: Figure
    systems: tuple[str, ...] = ()
