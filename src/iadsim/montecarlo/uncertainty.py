"""Disputed catalog figures, drawn per replication.

A world records every catalog figure it used (:attr:`iadsim.sim.world.World.figures`); under
``--uncertainty`` a replication draws each of them that has a range of published claims, and runs the world
:meth:`~iadsim.sim.world.World.with_figures` those values. No claim is favoured (the sources disagree, they
do not give distributions):

- ``uniform`` within the range, for most figures;
- ``log-uniform`` for scale quantities: an RCS, or a range spanning a factor of 3 or more (a claim of
  10 and one of 36 fire channels are as far apart as 1 and 3.6);
- counts (fire channels, missiles, launchers) are drawn as above over ``[low - 1/2, high + 1/2]`` and
  rounded, so that every whole number in the range is as likely as its share of that interval;
- a figure that changes where a radar sees (antenna height, azimuth sector, instrumented range, elevation
  limits) is drawn among :data:`LEVELS` equally spaced values across its range, ends included: each value
  needs the radar's floor or visibility computed anew, once per process.

The draws use their own stream, spawned from the replication's seed, so that the run's own random numbers
are the same with or without uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from iadsim.deployment import FigureUse

#: Values drawn per disputed figure of where a radar sees (each needs its floor or visibility anew).
LEVELS = 5
#: A range whose ends differ by this factor or more is drawn log-uniformly.
LOG_UNIFORM_FACTOR = 3.0

Distribution = Literal["uniform", "log-uniform", "levels"]


@dataclass(frozen=True)
class Disputed:
    """A disputed figure a study draws: ``entity.field`` name, its range of claims, how it is drawn, and
    whether it is a count (rounded to a whole number)."""

    name: str
    low: float
    high: float
    distribution: Distribution
    count: bool = False

    def describe(self) -> dict[str, object]:
        """For manifests and reports."""
        return {
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "distribution": self.distribution + (" (whole numbers)" if self.count else ""),
        }


def distribution_of(use: FigureUse) -> Distribution:
    """How a disputed figure is drawn (see the module docstring)."""
    assert use.figure.range is not None
    low, high = use.figure.range
    if use.kind == "level":
        return "levels"
    if use.name.endswith("rcs_m2") or (low > 0 and high / low >= LOG_UNIFORM_FACTOR):
        return "log-uniform"
    return "uniform"


def disputed_figures(figures: Iterable[FigureUse]) -> list[Disputed]:
    """The figures among those a world used that have a range of claims, sorted by name."""
    out = []
    for use in sorted(figures, key=lambda u: u.name):
        rng = use.figure.range
        if rng is not None and rng[0] < rng[1]:
            out.append(
                Disputed(use.name, float(rng[0]), float(rng[1]), distribution_of(use), use.kind == "count")
            )
    return out


def fixed_figures(figures: Iterable[FigureUse]) -> list[str]:
    """The figures a world used that no draw changes (no range of claims), sorted by name."""
    return sorted(u.name for u in figures if u.figure.range is None or u.figure.range[0] >= u.figure.range[1])


def draw(disputed: list[Disputed], seq: np.random.SeedSequence) -> dict[str, float]:
    """One draw of every disputed figure, from its own stream of the replication's seed."""
    rng = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 1)))
    out: dict[str, float] = {}
    for d in disputed:
        u = float(rng.random())
        if d.distribution == "levels":
            k = min(int(u * LEVELS), LEVELS - 1)
            out[d.name] = d.low + (d.high - d.low) * k / (LEVELS - 1)
            continue
        low, high = (d.low - 0.5, d.high + 0.5) if d.count else (d.low, d.high)
        if d.distribution == "log-uniform":
            value = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        else:
            value = low + u * (high - low)
        out[d.name] = float(min(max(round(value), d.low), d.high)) if d.count else value
    return out
