"""Interceptor models built from catalog figures: envelope per target class, flight profile, Pk.

What a missile reaches is decided here, once, for the engine and the coverage maps alike: a target can be
engaged at a point whose ground range from the launcher lies between the envelope's minimum and maximum
range, whose height above ground is at least its minimum altitude and whose height above sea level is at
most its maximum altitude (:func:`in_envelope`), reached within the missile's maximum flight time along its
boost-coast profile (:class:`iadsim.physics.BoostCoast`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from iadsim.catalog import ENVELOPE_CLASS_OF, ENVELOPE_CLASSES, Figure, Missile
from iadsim.physics import BoostCoast

#: Reads a figure of an entity (its dotted path, the figure) and gives the value to use.
FigureReader = Callable[[str, Figure], float]


def _catalog_value(_path: str, fig: Figure) -> float:
    return fig.value


@dataclass(frozen=True)
class EnvelopeLimits:
    """Where a missile can intercept one class of target (m): ground range from the launcher, height above
    ground (minimum) and above sea level (maximum)."""

    min_range_m: float
    max_range_m: float
    min_altitude_m: float
    max_altitude_m: float


def in_envelope(
    env: EnvelopeLimits,
    ground_range_m: Any,
    height_agl_m: Any,
    height_amsl_m: Any,
    range_margin_m: float = 0.0,
) -> Any:
    """Whether points lie in an envelope: ``min_range + margin <= ground range <= max_range - margin``,
    height above ground ``>= min_altitude`` and height above sea level ``<= max_altitude``.

    Floats give a bool, arrays (broadcast) a boolean array; NaN is outside. ``range_margin_m`` keeps a
    point that far inside the range limits (fire control's allowance for an uncertain aim point).
    """
    return (
        (ground_range_m >= env.min_range_m + range_margin_m)
        & (ground_range_m <= env.max_range_m - range_margin_m)
        & (height_agl_m >= env.min_altitude_m)
        & (height_amsl_m <= env.max_altitude_m)
    )


@dataclass(frozen=True)
class InterceptorModel:
    """A missile as the engine and the coverage maps see it.

    Attributes:
        id: Catalog id.
        envelopes: Limits per envelope class (``aircraft``, ``cruise-missile``, ``ballistic-missile``,
            ``drone``) for the classes it was made for; ``None`` where the missile cannot engage the class.
        flight: What calibrates the flight profile: maximum speed (m/s), burn time (s), the aircraft
            envelope's maximum range (m) and the average speed over it (m/s).
        max_target_speed_mps: Fastest target it can engage (``inf`` when not published).
        pk: Single-shot kill probability per target class (0 where the catalog gives none).
    """

    id: str
    name: str
    envelopes: dict[str, EnvelopeLimits | None]
    flight: tuple[float, float, float, float]
    max_target_speed_mps: float
    pk: dict[str, float]

    @classmethod
    def from_catalog(
        cls, missile: Missile, target_classes: tuple[str, ...] = (), read: FigureReader = _catalog_value
    ) -> InterceptorModel:
        """The model of a catalog missile against ``target_classes`` (its envelopes and Pk for those
        classes only; the aircraft envelope always, which sets the flight profile), its figures read
        through ``read`` (the catalog's values by default).

        The profile is :meth:`BoostCoast.calibrated` to the aircraft envelope's maximum range at the
        missile's average speed. A class without its own envelope takes the aircraft envelope, but for
        ballistic missiles (see :class:`iadsim.catalog.Missile`).
        """
        wanted = {"aircraft", *(ENVELOPE_CLASS_OF[c] for c in target_classes)}
        own: dict[str, EnvelopeLimits] = {}
        for name in ENVELOPE_CLASSES:
            env = missile.envelopes.get(name)  # type: ignore[call-overload]
            if env is None or name not in wanted:
                continue
            base = f"envelopes.{name}."
            own[name] = EnvelopeLimits(
                min_range_m=read(base + "min_range_m", env.min_range_m),
                max_range_m=read(base + "max_range_m", env.max_range_m),
                min_altitude_m=read(base + "min_altitude_m", env.min_altitude_m),
                max_altitude_m=read(base + "max_altitude_m", env.max_altitude_m),
            )
        aircraft = own["aircraft"]
        envelopes: dict[str, EnvelopeLimits | None] = {
            name: own.get(name, None if name == "ballistic-missile" else aircraft)
            for name in ENVELOPE_CLASSES
            if name in wanted
        }
        flight = (
            read("max_speed_mps", missile.max_speed_mps),
            read("burn_time_s", missile.burn_time_s),
            aircraft.max_range_m,
            read("average_speed_mps", missile.average_speed_mps),
        )
        top = missile.max_target_speed_mps
        table: dict[str, Figure] = {str(c): f for c, f in missile.pk.items()}
        pk = {c: read(f"pk.{c}", table[c]) for c in target_classes if c in table}
        return cls(
            id=missile.id,
            name=missile.name,
            envelopes=envelopes,
            flight=flight,
            max_target_speed_mps=read("max_target_speed_mps", top) if top is not None else float("inf"),
            pk=pk,
        )

    @cached_property
    def profile(self) -> BoostCoast:
        """Flight profile (time of flight, reach, maximum flight time): :meth:`BoostCoast.calibrated` to
        :attr:`flight`, computed on first use (the calibration needs SciPy's root finder)."""
        return BoostCoast.calibrated(*self.flight)

    def envelope(self, target_class: str) -> EnvelopeLimits | None:
        """Limits against a target class; ``None``: it cannot engage that class. The model must have been
        made for the class (:meth:`from_catalog`)."""
        name = ENVELOPE_CLASS_OF[target_class]
        if name not in self.envelopes:
            raise KeyError(f"{self.id} was modelled without its envelope against {target_class}")
        return self.envelopes[name]

    @property
    def max_range_m(self) -> float:
        """Longest ground range of any of its envelopes."""
        return max(e.max_range_m for e in self.envelopes.values() if e is not None)
