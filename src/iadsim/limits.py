"""How much memory and work one command may take: a command estimates both before it starts and refuses,
with a clear message and the limit, an input it could not finish (a 10 m DEM swept 400 km out, a route
thousands of kilometres away, a millisecond time step), instead of exhausting the machine.

The limits hold for the running context (:func:`limits`); the command line sets them from
``iadsim --max-memory-gb`` and ``--max-steps``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from iadsim.errors import InputError

#: Memory one command may plan for, bytes.
DEFAULT_MAX_MEMORY_BYTES = 4 * 2**30
#: Time steps and radar scans one engine run may take.
DEFAULT_MAX_STEPS = 2_000_000

#: The largest seed of a run or a study: what the results store keeps (``runs.seed`` is a signed 64-bit
#: integer).
MAX_SEED = 2**63 - 1

#: Detection probabilities a study may take as its threshold (coverage maps, detection ranges): above
#: every catalog radar's false-alarm probability (at most 1e-3 in the catalog) and below certainty.
PD_RANGE = (0.01, 0.999)
#: Effective earth radius factors the floors and maps accept: sub-refraction (0.5) to far beyond any
#: standard atmosphere; ducting is not modelled.
K_RANGE = (0.5, 100.0)


@dataclass(frozen=True)
class Limits:
    """The limits of a command: memory it may plan for (bytes), engine steps and scans of one run."""

    memory_bytes: float = DEFAULT_MAX_MEMORY_BYTES
    steps: int = DEFAULT_MAX_STEPS


_LIMITS: ContextVar[Limits | None] = ContextVar("iadsim_limits", default=None)


def current() -> Limits:
    """The limits in force."""
    return _LIMITS.get() or Limits()


def use(new: Limits) -> None:
    """Set the limits for the rest of the current context (the command line runs each command in a context
    of its own)."""
    _LIMITS.set(new)


@contextmanager
def limits(**changes: Any) -> Iterator[Limits]:
    """Other limits while inside (``memory_bytes=``, ``steps=``); context-local."""
    new = replace(current(), **changes)
    token = _LIMITS.set(new)
    try:
        yield new
    finally:
        _LIMITS.reset(token)


def _gb(n: float) -> str:
    return f"{n / 2**30:,.1f} GB" if n >= 2**30 else f"{n / 2**20:,.0f} MB"


def check_memory(what: str, needed_bytes: float) -> None:
    """Refuse (:class:`InputError`) work whose arrays would take more than the memory limit."""
    allowed = current().memory_bytes
    if needed_bytes > allowed:
        raise InputError(
            f"{what} would need about {_gb(needed_bytes)} of memory, more than the {_gb(allowed)} allowed "
            "(iadsim --max-memory-gb raises the limit)"
        )


def check_steps(what: str, steps: float) -> None:
    """Refuse (:class:`InputError`) an engine run of more time steps and scans than the limit."""
    allowed = current().steps
    if steps > allowed:
        raise InputError(
            f"{what} would take {steps:,.0f} time steps and radar scans per run, more than the {allowed:,} "
            "allowed (iadsim --max-steps raises the limit)"
        )
