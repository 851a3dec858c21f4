"""What does not change between the runs of a world, step by step: where every threat is at every time
step, which threats a radar's geometry lets it see (line of sight over its floor, instrumented range,
elevation limits, azimuth sector) at what slant range, and what the surface takes from its signal at each
(multipath, diffraction, clutter) with the aspect under which it sees each.

Threats fly fixed routes at fixed speeds (or, ballistic ones, on fixed clocks) from fixed launch times, so
their positions depend on the step alone; what a run changes (a threat killed, a detection drawn) is applied
on top. Steps are computed in blocks as a run first reaches them and kept for the next runs (and for the
worlds of other figure values whose threats fly at the same speeds:
:meth:`iadsim.sim.world.World.with_figures`); a radar's geometry is kept by its
:class:`~iadsim.sim.sensing.Coverage`, which such worlds share when its inputs are the same.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numpy.typing import NDArray

from iadsim.sim.plan import BLOCK_STEPS  # steps computed together
from iadsim.sim.sensing import Coverage, Look
from iadsim.sim.threats import Threats
from iadsim.terrain.grid import Grid, sample_bilinear

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Timeline:
    """Threat positions and radar geometry at the time steps ``t = step * step_s`` of ``duration_s``.

    Built from the threats' routes, speeds and launch times and the terrain grid (heights of the route
    points flown above ground).

    Attributes:
        step_s: Time step, s.
        n_steps: Index of the last step (``floor(duration_s / step_s)``).
        start_step: ``(n,)`` first step at which each threat flies (``t >= launch_s``).
        arrival_step: ``(n,)`` step at which each threat reaches the end of its route (may be beyond
            ``n_steps``).
    """

    def __init__(self, threats: Threats, terrain: Grid, step_s: float, duration_s: float) -> None:
        self._threats = threats
        self._terrain = terrain
        self.step_s = float(step_s)
        self.n_steps = int(math.floor(duration_s / step_s + 1e-9))
        th = threats
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
        self._geometry: dict[tuple[Coverage, int], tuple[BoolArray, FloatArray]] = {}
        self._signal: dict[tuple[Look, int], tuple[FloatArray, NDArray[np.int8]]] = {}
        self._aspects: dict[tuple[float, float, float, int], NDArray[np.int8]] = {}
        self._motion: dict[int, tuple[FloatArray, FloatArray]] = {}
        self._lock = threading.RLock()

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
        th = self._threats
        return th.flown_m(self._t(step) - th.launch_s)

    # ------------------------------------------------------------------------------------- positions
    def positions(self, step: int) -> FloatArray:
        """``(n, 3)`` positions (x, y, z above sea level; m) of every threat at ``step`` (a threat not yet
        launched sits at its first waypoint, one that arrived at its last)."""
        block = self._positions.get(step // BLOCK_STEPS)
        if block is None:
            block = self.block_positions(step // BLOCK_STEPS)
        positions: FloatArray = block[step % BLOCK_STEPS]
        return positions

    def position_at(self, threat: int, t_s: float) -> FloatArray:
        """Position (m) of one threat at time ``t_s`` between steps: linear between the two steps around
        it (exact on a straight stretch of its route)."""
        step = t_s / self.step_s
        lo = int(math.floor(step + 1e-9))
        f = step - lo
        a = self.positions(lo)[threat]
        if f <= 1e-9:
            return np.array(a)
        b = self.positions(lo + 1)[threat]
        return np.asarray(a + (b - a) * f)

    def block_positions(self, b: int) -> FloatArray:
        """``(BLOCK_STEPS, n, 3)`` positions of every threat at the steps of block ``b`` (steps
        ``b * BLOCK_STEPS`` onwards; :meth:`positions`)."""
        with self._lock:
            if b in self._positions:
                return self._positions[b]
            out = self._positions_at(np.arange(b * BLOCK_STEPS, (b + 1) * BLOCK_STEPS))
            self._positions[b] = out
            return out

    def _positions_at(self, steps: NDArray[np.int64]) -> FloatArray:
        """``(len(steps), n, 3)`` positions of every threat at ``steps``."""
        th = self._threats
        t = self._t(steps)[:, None]
        s = th.flown_m(t - th.launch_s)  # (B, n)
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
            z = np.where(agl, sample_bilinear(self._terrain, x, y) + alt, alt)
            out[:, cols] = np.stack([x, y, z], axis=1).reshape(len(steps), cols.size, 3)
        return out

    # -------------------------------------------------------------------------------------- geometry
    def geometry(self, coverage: Coverage, step: int) -> tuple[BoolArray, FloatArray]:
        """Whether a radar of this coverage could see each threat at ``step`` (:meth:`Coverage.visible`)
        and the slant range (m) to each."""
        key = (coverage, step // BLOCK_STEPS)
        block = self._geometry.get(key)
        if block is None:
            block = self.block_geometry(*key)
        i = step % BLOCK_STEPS
        return block[0][i], block[1][i]

    def block_geometry(self, coverage: Coverage, b: int) -> tuple[BoolArray, FloatArray]:
        """:meth:`geometry` at the steps of block ``b``: ``(BLOCK_STEPS, n)`` each."""
        pos = self.block_positions(b).reshape(-1, 3)
        with self._lock:
            found = self._geometry.get((coverage, b))
            if found is not None:
                return found
            ok, slant = coverage.visible(pos)
            shape = (BLOCK_STEPS, self._threats.count)
            self._geometry[(coverage, b)] = out = (ok.reshape(shape), slant.reshape(shape))
            return out

    # ---------------------------------------------------------------------------------------- signal
    def signal(self, look: Look, step: int) -> tuple[FloatArray, NDArray[np.int8]]:
        """What the surface takes from a radar's free-space SNR at each threat at ``step`` (dB; 0 where
        the radar does not see it: :meth:`geometry`) and the aspect under which the radar sees it (0 nose,
        1 beam, 2 tail): :meth:`iadsim.sim.sensing.Look.at` with each threat's heading from its positions
        at this step and the next."""
        key = (look, step // BLOCK_STEPS)
        block = self._signal.get(key)
        if block is None:
            block = self.block_signal(*key)
        i = step % BLOCK_STEPS
        return block[0][i], block[1][i]

    def block_signal(self, look: Look, b: int) -> tuple[FloatArray, NDArray[np.int8]]:
        """:meth:`signal` at the steps of block ``b``: ``(BLOCK_STEPS, n)`` each."""
        pos = self.block_positions(b)
        seen = self.block_geometry(look.coverage, b)[0].ravel()
        with self._lock:
            found = self._signal.get((look, b))
            if found is not None:
                return found
            flat = pos.reshape(-1, 3)
            heading, ground = self._block_motion(b)
            loss = np.zeros(len(flat))  # needed only where the radar sees
            if seen.any():
                loss[seen] = look.loss_db(flat[seen], ground[seen])
            # the aspect depends on where the radar stands, not on its figures: shared by the looks from there
            akey = (look.x_m, look.y_m, look.antenna_amsl_m, b)
            aspect = self._aspects.get(akey)
            if aspect is None:
                aspect = self._aspects[akey] = look.aspects(flat, heading)
            shape = (BLOCK_STEPS, self._threats.count)
            self._signal[(look, b)] = out = (loss.reshape(shape), aspect.reshape(shape))
            return out

    def _block_motion(self, b: int) -> tuple[FloatArray, FloatArray]:
        """``(BLOCK_STEPS * n, 3)`` heading of every threat (its displacement to the next step) and
        ``(BLOCK_STEPS * n,)`` the ground height under it (m), for block ``b``."""
        with self._lock:
            found = self._motion.get(b)
            if found is None:
                pos = self.block_positions(b)
                after = self._positions_at(np.array([(b + 1) * BLOCK_STEPS]))
                heading = np.diff(np.concatenate([pos, after]), axis=0).reshape(-1, 3)
                flat = pos.reshape(-1, 3)
                found = self._motion[b] = (heading, sample_bilinear(self._terrain, flat[:, 0], flat[:, 1]))
            return found


def _by_step(steps: NDArray[np.int64]) -> dict[int, NDArray[np.int64]]:
    """Indices of the elements of ``steps`` with each value, by value (indices ascending)."""
    if steps.size == 0:
        return {}
    order = np.argsort(steps, kind="stable")
    values, first = np.unique(steps[order], return_index=True)
    return {int(v): idx for v, idx in zip(values, np.split(order, first[1:]), strict=True)}
