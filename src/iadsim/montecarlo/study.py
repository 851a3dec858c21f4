"""What a study is: a scenario, a number of replications, a seed, an optional sweep and uncertainty."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from iadsim.errors import InputError
from iadsim.limits import MAX_SEED
from iadsim.scenario import Scenario


@dataclass(frozen=True)
class Sweep:
    """Values of one scenario field, by dotted path into the scenario (``raids.0.count``)."""

    path: str
    values: tuple[Any, ...]


def parse_sweep(text: str) -> Sweep:
    """``PATH=v1,v2,...`` -> :class:`Sweep` (numbers become int or float; ``true``/``false`` booleans)."""
    if "=" not in text:
        raise InputError(f"--sweep: expected PATH=v1,v2,..., got {text!r}")
    path, _, raw = text.partition("=")
    values = tuple(_value(v.strip()) for v in raw.split(",") if v.strip())
    if not path.strip() or not values:
        raise InputError(f"--sweep: expected PATH=v1,v2,..., got {text!r}")
    return Sweep(path.strip(), values)


def _value(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def set_path(scenario: Scenario, path: str, value: Any) -> Scenario:
    """The scenario with one field replaced (dotted path; list items by index), validated again."""
    data = scenario.model_dump(mode="json")
    node: Any = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        try:
            key: Any = int(part) if isinstance(node, list) else part
            if last:
                if isinstance(node, dict) and key not in node:
                    raise KeyError(part)
                node[key] = value
            else:
                node = node[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise InputError(f"--sweep: {path!r} is not a field of the scenario (no {part!r})") from None
    from pydantic import ValidationError

    try:
        new = Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"--sweep: {path} = {value!r} makes the scenario invalid: {first['msg']}") from None
    return new.model_copy(update={"source": scenario.source, "digest": scenario.digest})


@dataclass(frozen=True)
class Point:
    """One point of a study: its index, a label, and its scenario."""

    index: int
    label: str
    scenario: Scenario


@dataclass(frozen=True)
class StudySpec:
    """A study: the same scenario (or each point of a sweep) replicated ``runs`` times from one seed."""

    scenario: Scenario
    runs: int
    seed: int = 1
    sweep: Sweep | None = None
    uncertainty: bool = False

    def __post_init__(self) -> None:
        if self.runs < 1:
            raise InputError(f"--runs: must be at least 1, got {self.runs}")
        if not 0 <= self.seed <= MAX_SEED:
            raise InputError(f"--seed: must be from 0 to 2**63 - 1 ({MAX_SEED}), got {self.seed}")

    def points(self) -> list[Point]:
        """The scenario variants of the study, in sweep order."""
        if self.sweep is None:
            return [Point(0, "base", self.scenario)]
        return [
            Point(i, f"{self.sweep.path}={v}", set_path(self.scenario, self.sweep.path, v))
            for i, v in enumerate(self.sweep.values)
        ]

    def study_id(self, catalog_digest: str) -> str:
        """Identity of the study (not of its size): running it again with the same inputs resumes it."""
        payload = {
            "scenario": self.scenario.model_dump(mode="json"),
            "seed": self.seed,
            "sweep": None if self.sweep is None else [self.sweep.path, list(self.sweep.values)],
            "uncertainty": self.uncertainty,
            "catalog": catalog_digest,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        """The study's parameters, for the store and for ``--json``."""
        return {
            "scenario": self.scenario.name,
            "scenario_digest": self.scenario.digest,
            "runs": self.runs,
            "seed": self.seed,
            "sweep": None
            if self.sweep is None
            else {"path": self.sweep.path, "values": list(self.sweep.values)},
            "uncertainty": self.uncertainty,
        }


def replication_seed(seed: int, point: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication`` of sweep point ``point``: the same wherever it runs.

    ``SeedSequence(seed, spawn_key=(point, replication))``: independent streams (NumPy's spawning scheme)
    that do not depend on how replications are batched or which worker runs them.
    """
    return np.random.SeedSequence(seed, spawn_key=(point, replication))
