"""Interceptor kinematics: a boost-coast flight profile and the time to intercept a constant-velocity target.

Interceptors are modelled kinematically, with no guidance law: a missile flies a straight line from its
launcher to a predicted intercept point, covering distance along its flight profile.

Profile (:class:`BoostCoast`):

- boost, ``0 <= t <= t_b``: constant acceleration from rest to the maximum speed ``V``:
  ``x(t) = V t^2 / (2 t_b)``, ``v(t) = V t / t_b``;
- coast, ``t > t_b``: deceleration by a drag force proportional to the square of the speed at constant air
  density, ``dv/dt = -v^2 / (V tau)``, whose solution is ``v = V / (1 + s / tau)`` and
  ``x = x_b + V tau ln(1 + s / tau)`` with ``s = t - t_b`` and ``x_b = V t_b / 2`` (Thornton and Marion,
  *Classical Dynamics of Particles and Systems*, 5th ed., 2004, sec. 2.4, retarding force ``k v^2``;
  ``tau = 1 / (k V)``). ``tau = inf`` is flight at ``V`` without losses.

The drag time ``tau`` is calibrated so that the missile covers its published maximum range ``R`` at its
published average speed ``v_avg``, i.e. in the maximum flight time ``t_max = R / v_avg``. A profile whose
average speed is at or above what its maximum speed allows (``v_avg >= V (1 - t_b / (2 t_max))``) flies
without losses and reaches ``R`` sooner: its maximum flight time is then ``t_b + (R - x_b) / V``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Samples of the flight time in the search for the first intercept (before bisection).
INTERCEPT_SAMPLES = 2048


@dataclass(frozen=True)
class BoostCoast:
    """A boost-coast flight profile (see the module docstring). Units: m/s, s, m.

    Attributes:
        max_speed_mps: Speed at burnout ``V``.
        burn_time_s: Boost time ``t_b`` (0: the missile starts at ``V``).
        drag_time_s: Coast drag time ``tau`` (``inf``: no losses).
        max_flight_time_s: Flight time after which the missile can no longer intercept.
    """

    max_speed_mps: float
    burn_time_s: float
    drag_time_s: float
    max_flight_time_s: float

    @classmethod
    def calibrated(
        cls, max_speed_mps: float, burn_time_s: float, range_m: float, average_speed_mps: float
    ) -> BoostCoast:
        """The profile that covers ``range_m`` at the average speed ``average_speed_mps``.

        ``tau`` solves ``x_b + V tau ln(1 + T / tau) = R`` with ``T = R / v_avg - t_b``; the left side grows
        monotonically from ``x_b`` (``tau -> 0``) to ``x_b + V T`` (``tau -> inf``), so the root is unique
        when ``x_b < R < x_b + V T`` (found by Brent's method); at or beyond the upper limit, ``tau = inf``.
        """
        v, tb, r, avg = float(max_speed_mps), float(burn_time_s), float(range_m), float(average_speed_mps)
        if not (v > 0 and tb >= 0 and r > 0 and avg > 0):
            raise ValueError(
                f"a flight profile needs positive speeds and range and a burn time >= 0, got V={v}, "
                f"t_b={tb}, R={r}, v_avg={avg}"
            )
        xb = v * tb / 2.0
        t_max = r / avg
        coast = t_max - tb
        if xb >= r or coast <= 0:
            raise ValueError(
                f"the boost alone ({xb:g} m in {tb:g} s) reaches the range {r:g} m: burn time too long "
                f"for an average speed of {avg:g} m/s"
            )
        if r - xb >= v * coast * (1.0 - 1e-12):
            return cls(v, tb, math.inf, tb + (r - xb) / v)
        from scipy.optimize import brentq

        def excess(log_tau: float) -> float:
            tau = math.exp(log_tau)
            return xb + v * tau * math.log1p(coast / tau) - r

        lo, hi = math.log(coast * 1e-9), math.log(coast * 1e12)
        tau = math.exp(brentq(excess, lo, hi, xtol=1e-12, rtol=1e-14))
        return cls(v, tb, tau, t_max)

    @property
    def burnout_distance_m(self) -> float:
        """Distance flown at burnout, ``V t_b / 2``."""
        return self.max_speed_mps * self.burn_time_s / 2.0

    @property
    def max_distance_m(self) -> float:
        """Distance flown in the maximum flight time."""
        return float(self.distance_m(self.max_flight_time_s))

    def distance_m(self, t_s: ArrayLike) -> FloatArray:
        """Distance flown after ``t_s`` seconds (``t_s >= 0``; the formula continues past the maximum flight
        time)."""
        t = np.asarray(t_s, dtype=np.float64)
        v, tb, tau = self.max_speed_mps, self.burn_time_s, self.drag_time_s
        s = np.maximum(t - tb, 0.0)
        coast = v * s if math.isinf(tau) else v * tau * np.log1p(s / tau)
        boost = v * np.minimum(t, tb) ** 2 / (2.0 * tb) if tb > 0 else np.zeros_like(t)
        return np.asarray(boost + coast, dtype=np.float64)

    def speed_mps(self, t_s: ArrayLike) -> FloatArray:
        """Speed after ``t_s`` seconds."""
        t = np.asarray(t_s, dtype=np.float64)
        v, tb, tau = self.max_speed_mps, self.burn_time_s, self.drag_time_s
        coast = np.full_like(t, v) if math.isinf(tau) else v / (1.0 + np.maximum(t - tb, 0.0) / tau)
        if tb <= 0:
            return np.asarray(coast, dtype=np.float64)
        return np.asarray(np.where(t < tb, v * t / tb, coast), dtype=np.float64)

    def time_to_distance_s(self, distance_m: ArrayLike) -> FloatArray:
        """Flight time to cover ``distance_m`` (the inverse of :meth:`distance_m`); NaN beyond the maximum
        flight time.

        Boost: ``t = sqrt(2 t_b x / V)``; coast: ``t = t_b + tau (exp((x - x_b) / (V tau)) - 1)``.
        """
        x = np.asarray(distance_m, dtype=np.float64)
        v, tb, tau = self.max_speed_mps, self.burn_time_s, self.drag_time_s
        xb = self.burnout_distance_m
        over = np.maximum(x - xb, 0.0)
        with np.errstate(over="ignore"):
            coast = over / v if math.isinf(tau) else tau * np.expm1(over / (v * tau))
        t = np.where(x <= xb, np.sqrt(2.0 * tb * np.maximum(x, 0.0) / v), tb + coast)
        return np.asarray(np.where(t <= self.max_flight_time_s * (1 + 1e-12), t, np.nan), dtype=np.float64)

    def reach_after_m(self, t_s: ArrayLike) -> FloatArray:
        """Distance the missile can still fly after ``t_s`` seconds, before its maximum flight time."""
        return np.asarray(np.maximum(self.max_distance_m - self.distance_m(t_s), 0.0), dtype=np.float64)


def intercept_time_s(
    profile: BoostCoast, target_m: ArrayLike, velocity_mps: ArrayLike, launcher_m: ArrayLike
) -> FloatArray:
    """First time ``T`` in ``(0, t_max]`` at which a missile launched now from ``launcher_m`` can meet a
    target at ``target_m`` moving at constant ``velocity_mps``: ``D(T) >= |p + v T - b|`` with ``D`` the
    profile's distance flown; NaN where there is none.

    Arrays ``(..., 3)`` (m, m/s); the launcher broadcasts. Reference implementation: ``D(T) - |p + v T - b|``
    is sampled at :data:`INTERCEPT_SAMPLES` times and the first sign change refined by 60 bisections
    (a meeting shorter than one sample, ``t_max / INTERCEPT_SAMPLES``, can be missed).
    """
    p = np.asarray(target_m, dtype=np.float64)
    v = np.asarray(velocity_mps, dtype=np.float64)
    b = np.asarray(launcher_m, dtype=np.float64)
    p, v, b = np.broadcast_arrays(p, v, b)
    shape = p.shape[:-1]
    p, v, b = p.reshape(-1, 3), v.reshape(-1, 3), b.reshape(-1, 3)
    t_max = profile.max_flight_time_s
    grid = np.linspace(0.0, t_max, INTERCEPT_SAMPLES + 1)[1:]

    def gap(t: FloatArray, rows: NDArray[np.intp]) -> FloatArray:
        miss = np.linalg.norm(p[rows] + v[rows] * t[..., None] - b[rows], axis=-1)
        return np.asarray(profile.distance_m(t) - miss, dtype=np.float64)

    rows = np.arange(p.shape[0])
    g = gap(np.broadcast_to(grid[:, None], (grid.size, rows.size)), rows)  # (samples, n)
    ok = g >= 0
    found = ok.any(axis=0)
    out = np.full(rows.size, np.nan)
    if found.any():
        first = np.argmax(ok, axis=0)[found]
        hi = grid[first]
        lo = np.where(first > 0, grid[np.maximum(first - 1, 0)], 0.0)
        sel = rows[found]
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            reached = gap(mid, sel) >= 0
            hi = np.where(reached, mid, hi)
            lo = np.where(reached, lo, mid)
        out[found] = hi
    return out.reshape(shape)
