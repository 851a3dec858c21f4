"""What does not change between the runs of a world, step by step: where every threat is at every time
step, and which threats each radar's geometry lets it see (line of sight over its floor, instrumented range,
elevation limits) at what slant range.

Threats fly fixed routes at fixed speeds from fixed launch times, so their positions depend on the step
alone; what a run changes (a threat killed, a detection drawn) is applied on top. Steps are computed in
blocks as a run first reaches them and kept for the next runs of the same world (and for the worlds of
:func:`iadsim.montecarlo.uncertainty.apply`, which share the geometry: their radars stand where the
world's do and their threats fly the same routes).
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from iadsim import physics
from iadsim.sim.compiled import Coverage

if TYPE_CHECKING:
    from iadsim.sim.world import World

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Steps computed together (a block of 256 one-second steps for 30 threats and 3 radars is about 200 kB).
BLOCK_STEPS = 256


class Timeline:
    """Threat positions and radar geometry of a world at its time steps ``t = step * step_s``.

    Attributes:
        step_s: Time step, s.
        n_steps: Index of the last step (``floor(duration_s / step_s)``).
        start_step: ``(n,)`` first step at which each threat flies (``t >= launch_s``).
        arrival_step: ``(n,)`` step at which each threat reaches the end of its route (may be beyond
            ``n_steps``).
    """

    def __init__(self, world: World) -> None:
        sc = world.scenario
        self._world = world
        self.step_s = float(sc.step_s)
        self.n_steps = int(math.floor(sc.duration_s / sc.step_s + 1e-9))
        th = world.threats
        self._length = th.length_m()
        # first step with t >= launch_s, and first with speed * (t - launch_s) >= length
        self.start_step = np.ceil(th.launch_s / self.step_s - 1e-9).astype(np.int64)
        self.start_step = np.where(
            self._t(self.start_step) >= th.launch_s, self.start_step, self.start_step + 1
        )
        arrive = np.ceil((th.launch_s + self._length / th.speed_mps) / self.step_s - 1e-9).astype(np.int64)
        arrive = np.maximum(arrive, self.start_step)
        # settle the rounding: the first step at which the distance flown reaches the route's length
        for _ in range(2):
            earlier = (arrive - 1 >= self.start_step) & (self._s(arrive - 1) >= self._length)
            arrive = np.where(earlier, arrive - 1, arrive)
        for _ in range(2):
            arrive = np.where(self._s(arrive) < self._length, arrive + 1, arrive)
        self.arrival_step = arrive
        #: threats that start flying, and that reach the end of their route, at each step where some do
        self.starts = _by_step(self.start_step)
        self.arrivals = _by_step(self.arrival_step)
        self._positions: dict[int, FloatArray] = {}
        self._geometry: dict[tuple[int, int], tuple[BoolArray, FloatArray]] = {}
        self._coverage: dict[int, Coverage] = {}
        self._lock = threading.RLock()

    def coverage(self, ri: int) -> Coverage:
        """What radar ``ri`` can see (:func:`radar_coverage`), made once."""
        c = self._coverage.get(ri)
        if c is None:
            c = self._coverage[ri] = radar_coverage(self._world, ri)
        return c

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def _t(self, step: NDArray[np.int64]) -> FloatArray:
        return np.asarray(step * self.step_s, dtype=float)

    def _s(self, step: NDArray[np.int64]) -> FloatArray:
        """Distance flown (m) at ``step`` (clipped to the route)."""
        th = self._world.threats
        return np.asarray(np.clip(th.speed_mps * (self._t(step) - th.launch_s), 0.0, self._length))

    # ------------------------------------------------------------------------------------- positions
    def positions(self, step: int) -> FloatArray:
        """``(n, 3)`` positions (x, y, z above sea level; m) of every threat at ``step`` (a threat not yet
        launched sits at its first waypoint, one that arrived at its last)."""
        block = self._positions.get(step // BLOCK_STEPS)
        if block is None:
            block = self._block_positions(step // BLOCK_STEPS)
        return block[step % BLOCK_STEPS]

    def _block_positions(self, b: int) -> FloatArray:
        with self._lock:
            if b in self._positions:
                return self._positions[b]
            w, th = self._world, self._world.threats
            steps = np.arange(b * BLOCK_STEPS, (b + 1) * BLOCK_STEPS)
            t = self._t(steps)[:, None]
            s = np.clip(th.speed_mps * (t - th.launch_s), 0.0, self._length)  # (B, n)
            out = np.zeros((*s.shape, 3))
            for r in range(len(th.route_s)):
                cols = np.flatnonzero(th.raid == r)
                if cols.size == 0:
                    continue
                rs = th.route_s[r]
                si = s[:, cols].ravel()
                x = np.interp(si, rs, th.route_x[r])
                y = np.interp(si, rs, th.route_y[r])
                alt = np.interp(si, rs, th.route_alt[r])
                agl = th.route_agl[r][np.clip(np.searchsorted(rs, si, side="right") - 1, 0, len(rs) - 1)]
                z = np.where(agl, w.ground_m(x, y) + alt, alt)
                out[:, cols] = np.stack([x, y, z], axis=1).reshape(len(steps), cols.size, 3)
            self._positions[b] = out
            return out

    # -------------------------------------------------------------------------------------- geometry
    def geometry(self, radar: int, step: int) -> tuple[BoolArray, FloatArray]:
        """Whether radar ``radar`` could see each threat at ``step`` (line of sight over its floor, slant
        range within the instrumented range, elevation within its limits) and the slant range (m) to each."""
        key = (radar, step // BLOCK_STEPS)
        block = self._geometry.get(key)
        if block is None:
            block = self._block_geometry(*key)
        i = step % BLOCK_STEPS
        return block[0][i], block[1][i]

    def _block_geometry(self, ri: int, b: int) -> tuple[BoolArray, FloatArray]:
        pos = self._block_positions(b).reshape(-1, 3)
        with self._lock:
            if (ri, b) in self._geometry:
                return self._geometry[(ri, b)]
            ok, slant = self.coverage(ri).visible(pos)
            shape = (BLOCK_STEPS, self._world.threats.count)
            self._geometry[(ri, b)] = out = (ok.reshape(shape), slant.reshape(shape))
            return out


def _by_step(steps: NDArray[np.int64]) -> dict[int, NDArray[np.int64]]:
    """Indices of the elements of ``steps`` with each value, by value (indices ascending)."""
    if steps.size == 0:
        return {}
    order = np.argsort(steps, kind="stable")
    values, first = np.unique(steps[order], return_index=True)
    return {int(v): idx for v, idx in zip(values, np.split(order, first[1:]), strict=True)}


def radar_coverage(world: World, ri: int) -> Coverage:
    """What radar ``ri`` of a world can see: its floor on the world grid, position and limits."""
    radar = world.radars[ri]
    t = world.terrain.transform
    m = radar.model
    return Coverage(
        floor_agl_m=radar.floor_agl_m,
        terrain_m=np.asarray(world.terrain.values, dtype=np.float32),
        grid=np.array([t.c, t.a, t.f, t.e], dtype=np.float64),
        radar=np.array(
            [
                radar.x_m,
                radar.y_m,
                radar.antenna_amsl_m,
                physics.effective_earth_radius_m(world.scenario.coverage.k),
                m.instrumented_range_m,
                m.min_elevation_rad,
                m.max_elevation_rad,
            ],
            dtype=np.float64,
        ),
    )
