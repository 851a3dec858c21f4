"""Disputed catalog figures (those with a ``range`` of claims), drawn per replication and applied to a world.

A replication under ``--uncertainty`` draws each disputed figure the study uses uniformly within its range
of published claims (no claim is favoured: the sources disagree, they do not give distributions). The draw
uses its own stream, spawned from the replication's seed, so that the run's own random numbers are the same
with or without uncertainty.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np

from iadsim.catalog import Figure, Missile
from iadsim.sim.world import World


@dataclass(frozen=True)
class Disputed:
    """A disputed figure: ``entity.field`` (e.g. ``91n6e.reference_range_m``) and its range of claims."""

    name: str
    entity: str
    field: str
    low: float
    high: float


def disputed_figures(world: World) -> list[Disputed]:
    """The figures with a range of claims that the world's engine uses."""
    out: list[Disputed] = []

    def add(entity: str, field: str, fig: Figure | None) -> None:
        if fig is not None and fig.range is not None and fig.range[0] < fig.range[1]:
            name = f"{entity}.{field}"
            if all(d.name != name for d in out):
                out.append(Disputed(name, entity, field, float(fig.range[0]), float(fig.range[1])))

    cat = world.catalog
    for r in world.radars:
        add(r.radar_id, "reference_range_m", cat.radar(r.radar_id).reference_range_m)
    for b in world.battalions:
        for m in b.missiles:
            add(m.id, "envelopes.aircraft.max_range_m", m.max_range_m)
            add(m.id, "average_speed_mps", m.average_speed_mps)
            for cls in sorted(set(world.threats.target_class)):
                add(m.id, f"pk.{cls}", m.pk.get(cls))  # type: ignore[call-overload]
    for tid in sorted(set(world.threats.target_id)):
        add(tid, "rcs_m2", cat.target(tid).rcs_m2)
    for u in world.units:
        system = cat.system(u.system)
        add(u.system, "reaction_time_s", system.reaction_time_s)
        add(u.system, "min_launch_interval_s", system.min_launch_interval_s)
    return out


def draw(disputed: list[Disputed], seq: np.random.SeedSequence) -> dict[str, float]:
    """One uniform draw of every disputed figure, from its own stream of the replication's seed."""
    rng = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 1)))
    return {d.name: float(rng.uniform(d.low, d.high)) for d in disputed}


def apply(world: World, values: dict[str, float]) -> World:
    """A copy of the world using the drawn values (shares the big arrays: terrain, floors, routes, and the
    timeline of threat positions and radar geometry, which none of the disputed figures changes)."""
    _ = world.timeline  # (made before the copy, so that every copy shares it)
    w = copy.copy(world)
    w.radars = [copy.copy(r) for r in world.radars]
    for r in w.radars:
        v = values.get(f"{r.radar_id}.reference_range_m")
        if v is not None:
            r.model = replace(r.model, reference_range_m=v)
    w.battalions = [copy.copy(b) for b in world.battalions]
    for b in w.battalions:
        b.missiles = [_missile(m, values) for m in b.missiles]
        system = w.units[b.unit].system
        b.reaction_time_s = values.get(f"{system}.reaction_time_s", b.reaction_time_s)
        b.launch_interval_s = values.get(f"{system}.min_launch_interval_s", b.launch_interval_s)
    w.threats = copy.copy(world.threats)
    rcs = world.threats.rcs_m2.copy()
    for i, tid in enumerate(world.threats.target_id):
        rcs[i] = values.get(f"{tid}.rcs_m2", rcs[i])
    w.threats.rcs_m2 = rcs
    return w


def _missile(m: Missile, values: dict[str, float]) -> Missile:
    update: dict[str, object] = {}
    v = values.get(f"{m.id}.average_speed_mps")
    if v is not None:
        update["average_speed_mps"] = m.average_speed_mps.model_copy(update={"value": v})
    v = values.get(f"{m.id}.envelopes.aircraft.max_range_m")
    if v is not None:
        aircraft = m.envelopes["aircraft"]
        update["envelopes"] = {
            **m.envelopes,
            "aircraft": aircraft.model_copy(
                update={"max_range_m": aircraft.max_range_m.model_copy(update={"value": v})}
            ),
        }
    pk = dict(m.pk)
    for cls, fig in m.pk.items():
        v = values.get(f"{m.id}.pk.{cls}")
        if v is not None:
            pk[cls] = fig.model_copy(update={"value": v})
    if pk != dict(m.pk):
        update["pk"] = pk
    return m.model_copy(update=update) if update else m
