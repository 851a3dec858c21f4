"""Kinematic flight of a ballistic missile over a spherical, non-rotating earth (Keplerian free flight).

After burnout a ballistic missile coasts on a conic section with a focus at the earth's centre (no drag, no
thrust, an inverse-square field). With the burnout radius ``r_b``, speed ``v_b`` and flight-path angle
``gamma`` (from the local horizontal, positive upward) and the parameter ``Q = v_b^2 r_b / mu`` (Bate,
Mueller and White, *Fundamentals of Astrodynamics*, Dover 1971, ch. 6 "Ballistic missile trajectories",
sec. 6.2, here BMW):

- the orbit: semi-major axis ``a = r_b / (2 - Q)``, eccentricity ``e = sqrt(1 + Q (Q - 2) cos^2 gamma)``,
  semi-latus rectum ``p = r_b Q cos^2 gamma``, apogee radius ``r_a = a (1 + e)``; ``Q < 2`` is a closed
  (elliptic) orbit;
- the true anomaly at burnout: ``e cos(nu_b) = Q cos^2 gamma - 1`` and ``e sin(nu_b) = Q sin gamma cos
  gamma`` (from ``r = p / (1 + e cos nu)`` and ``tan gamma = e sin nu / (1 + e cos nu)``);
- the free-flight range equation: the trajectory returns to ``r_b`` after the central angle ``Psi`` with
  ``cos(Psi / 2) = (1 - Q cos^2 gamma) / sqrt(1 + Q (Q - 2) cos^2 gamma)`` (BMW sec. 6.2), i.e.
  ``Psi = 2 (pi - nu_b)``; evaluated as ``Psi = 2 atan2(Q sin gamma cos gamma, 1 - Q cos^2 gamma)``;
- the flight-path angle equation: ``sin(2 gamma + Psi / 2) = ((2 - Q) / Q) sin(Psi / 2)``, whose two
  roots are the depressed and the lofted trajectories of the same range (BMW sec. 6.2);
- the minimum-energy trajectory of a range angle ``Psi``: the two roots merge when the right side is 1,
  ``gamma* = (pi - Psi) / 4`` and ``Q* = 2 sin(Psi / 2) / (1 + sin(Psi / 2))``; conversely the maximum
  range angle for a given ``Q <= 1`` is ``sin(Psi_max / 2) = Q / (2 - Q)`` (BMW sec. 6.2);
- the range angle with a given apogee: from ``r_a = p / (1 - e)`` and ``r_b = p / (1 - e cos(Psi / 2))``,
  ``e = (r_a - r_b) / (r_a - r_b cos(Psi / 2))`` in closed form, then ``a = r_a / (1 + e)``,
  ``Q = 2 - r_b / a`` and ``cos^2 gamma = r_a (1 - e) / (r_b Q)``;
- the vis-viva equation for the speed at any radius, ``v^2 = mu (2 / r - 1 / a)``;
- time by Kepler's equation: eccentric anomaly ``E`` with ``tan(E / 2) = sqrt((1 - e) / (1 + e)) tan(nu /
  2)``, mean anomaly ``M = E - e sin E``, mean motion ``n = sqrt(mu / a^3)``, ``t = (M - M_b) / n``; the
  free flight is symmetric about apogee (``E = M = pi``), so its time back to ``r_b`` is
  ``t_ff = 2 (pi - E_b + e sin E_b) / n`` (BMW sec. 6.2, "time of free flight"). ``E`` and ``nu`` are
  converted with the continuous forms ``nu = E + 2 atan(beta sin E / (1 - beta cos E))`` and
  ``E = nu - 2 atan(beta sin nu / (1 + beta cos nu))``, ``beta = e / (1 + sqrt(1 - e^2))``; Kepler's
  equation is solved for ``E`` by Newton's method (vectorised).

The boost (:func:`ballistic_trajectory`) is a kinematic stand-in, not a thrust profile and not a gravity
turn: the missile flies a straight line from the launch point, inclined at the launch elevation ``gamma_0`` to
the local horizontal there, with constant acceleration from rest to ``v_b`` in the burn time ``t_b`` (the
distance ``s = v_b t_b / 2``), gravity ignored during the burn. In the plane of flight with the origin at the
earth's centre, burnout lies at ``(s cos gamma_0, R + s sin gamma_0)``: ``r_b = sqrt(s^2 cos^2 gamma_0 +
(R + s sin gamma_0)^2)``, central angle ``theta_b = atan2(s cos gamma_0, R + s sin gamma_0)``, and the
velocity, along the line, makes ``gamma = gamma_0 + theta_b`` with the local horizontal at burnout (the
local horizontal turns downward by ``theta_b`` over the arc, so a straight line climbs relative to it). The
total ground range is ``R (theta_b + Psi + Delta)``: the boost's, the free flight's back to ``r_b``, and
the descent on the same conic from ``r_b`` down to ``r = R``.

Drag is not modelled, neither in the boost nor on re-entry: the speeds here are those of the vacuum conic
(a real re-entry vehicle arrives slower; published re-entry speeds are separate figures).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: The earth's gravitational parameter GM, m^3/s^2 (WGS 84, NGA.STND.0036, 2014).
MU_EARTH_M3PS2 = 3.986004418e14
#: The earth's mean radius ``R_1 = (2a + b) / 3`` of WGS 84, m (Moritz, "Geodetic Reference System 1980").
R_EARTH_M = 6_371_008.8

_TWO_PI = 2.0 * math.pi


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def q_parameter(radius_m: ArrayLike, speed_mps: ArrayLike, mu_m3ps2: float = MU_EARTH_M3PS2) -> FloatArray:
    """BMW's ``Q = v^2 r / mu`` (twice the ratio of kinetic to gravitational potential energy, dimensionless):
    ``Q = 1`` is circular speed, ``Q = 2`` escape."""
    return np.asarray(_f(speed_mps) ** 2 * _f(radius_m) / mu_m3ps2)


def _check_q(q: FloatArray) -> None:
    if np.any(~((q > 0) & (q < 2))):
        raise ValueError(f"Q = v^2 r / mu must lie in (0, 2) for a closed orbit, got {q}")


def free_flight_range_angle_rad(q: ArrayLike, flight_path_angle_rad: ArrayLike) -> FloatArray:
    """Central angle ``Psi`` (rad) flown from burnout back to the burnout radius (the free-flight range
    equation, BMW sec. 6.2).

    ``cos(Psi / 2) = (1 - Q cos^2 gamma) / sqrt(1 + Q (Q - 2) cos^2 gamma)``, evaluated as
    ``Psi = 2 atan2(Q sin gamma cos gamma, 1 - Q cos^2 gamma)``; ``0 < Q < 2``, ``0 <= gamma < pi / 2``.
    """
    qq, g = _f(q), _f(flight_path_angle_rad)
    _check_q(qq)
    if np.any(~((g >= 0) & (g < math.pi / 2))):
        raise ValueError(f"the flight-path angle must lie in [0, pi/2), got {g}")
    c = np.cos(g)
    return np.asarray(2.0 * np.arctan2(qq * np.sin(g) * c, 1.0 - qq * c * c))


def maximum_range_angle_rad(q: ArrayLike) -> FloatArray:
    """Largest free-flight range angle (rad) for a given ``Q``: ``sin(Psi_max / 2) = Q / (2 - Q)`` for
    ``Q <= 1`` (BMW sec. 6.2); from ``Q >= 1`` on, every angle below ``2 pi`` is reachable (``2 pi``)."""
    qq = _f(q)
    _check_q(qq)
    with np.errstate(invalid="ignore"):
        psi = 2.0 * np.arcsin(np.minimum(qq / (2.0 - qq), 1.0))
    return np.asarray(np.where(qq < 1.0, psi, _TWO_PI))


def _check_psi(psi: FloatArray) -> None:
    if np.any(~((psi > 0) & (psi < _TWO_PI))):
        raise ValueError(f"the range angle must lie in (0, 2 pi), got {psi}")


def minimum_energy_flight_path_angle_rad(range_angle_rad: ArrayLike) -> FloatArray:
    """Burnout flight-path angle (rad) of the minimum-energy trajectory of a range angle ``Psi``:
    ``gamma* = (pi - Psi) / 4`` (BMW sec. 6.2)."""
    psi = _f(range_angle_rad)
    _check_psi(psi)
    return np.asarray((math.pi - psi) / 4.0)


def minimum_energy_q(range_angle_rad: ArrayLike) -> FloatArray:
    """Smallest ``Q`` that reaches a range angle ``Psi``: ``Q* = 2 sin(Psi / 2) / (1 + sin(Psi / 2))``
    (BMW sec. 6.2); the burnout speed is ``sqrt(Q* mu / r_b)``."""
    psi = _f(range_angle_rad)
    _check_psi(psi)
    s = np.sin(psi / 2.0)
    return np.asarray(2.0 * s / (1.0 + s))


def flight_path_angles_rad(q: ArrayLike, range_angle_rad: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The depressed and the lofted burnout flight-path angles (rad) that reach the range angle ``Psi``
    with a given ``Q``: the roots of ``sin(2 gamma + Psi / 2) = ((2 - Q) / Q) sin(Psi / 2)`` (the flight-path
    angle equation, BMW sec. 6.2), ``gamma = (arcsin(x) - Psi / 2) / 2`` and ``(pi - arcsin(x) - Psi / 2) /
    2``; they are equal at the minimum-energy ``Q*``. Raises ValueError where ``Q`` cannot reach ``Psi``."""
    qq, psi = np.broadcast_arrays(_f(q), _f(range_angle_rad))
    _check_q(qq)
    _check_psi(psi)
    x = (2.0 - qq) / qq * np.sin(psi / 2.0)
    if np.any(x > 1.0 + 1e-12):
        raise ValueError(
            f"Q = {qq} cannot reach the range angle {psi} rad: its maximum is "
            f"{maximum_range_angle_rad(qq)} rad (sin(Psi_max / 2) = Q / (2 - Q))"
        )
    asin = np.arcsin(np.clip(x, -1.0, 1.0))
    low = (asin - psi / 2.0) / 2.0
    high = (math.pi - asin - psi / 2.0) / 2.0
    return np.asarray(low), np.asarray(high)


def flight_path_angle_for_apogee(
    range_angle_rad: ArrayLike, burnout_radius_m: ArrayLike, apogee_radius_m: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Burnout flight-path angle (rad) and ``Q`` of the free flight that returns to ``r_b`` after the range
    angle ``Psi`` with its apogee at ``r_a`` (closed form, see the module docstring):
    ``e = (r_a - r_b) / (r_a - r_b cos(Psi / 2))``, ``a = r_a / (1 + e)``, ``Q = 2 - r_b / a``,
    ``cos^2 gamma = r_a (1 - e) / (r_b Q)``. Every apogee above ``r_b`` gives one trajectory: below the
    minimum-energy apogee it is depressed, above it lofted."""
    psi, rb, ra = np.broadcast_arrays(_f(range_angle_rad), _f(burnout_radius_m), _f(apogee_radius_m))
    _check_psi(psi)
    if np.any(~(ra > rb)) or np.any(~(rb > 0)):
        raise ValueError(f"the apogee radius {ra} m must lie above the burnout radius {rb} m")
    e = (ra - rb) / (ra - rb * np.cos(psi / 2.0))
    a = ra / (1.0 + e)
    q = 2.0 - rb / a
    cos2 = np.clip(ra * (1.0 - e) / (rb * q), 0.0, 1.0)
    return np.asarray(np.arccos(np.sqrt(cos2))), np.asarray(q)


def _eccentric_from_true(nu: FloatArray, e: float) -> FloatArray:
    beta = e / (1.0 + math.sqrt(1.0 - e * e))
    return np.asarray(nu - 2.0 * np.arctan2(beta * np.sin(nu), 1.0 + beta * np.cos(nu)))


def _true_from_eccentric(ecc: FloatArray, e: float) -> FloatArray:
    beta = e / (1.0 + math.sqrt(1.0 - e * e))
    return np.asarray(ecc + 2.0 * np.arctan2(beta * np.sin(ecc), 1.0 - beta * np.cos(ecc)))


def solve_kepler(mean_anomaly_rad: ArrayLike, eccentricity: float) -> FloatArray:
    """Eccentric anomaly ``E`` (rad) of Kepler's equation ``M = E - e sin E`` for an ellipse (``0 <= e <
    1``), by Newton's method from Danby's start ``E_0 = M + 0.85 e sign(sin M)``, to ``|dE| < 1e-15``."""
    m = _f(mean_anomaly_rad)
    e = float(eccentricity)
    if not 0.0 <= e < 1.0:
        raise ValueError(f"the eccentricity of an ellipse lies in [0, 1), got {e}")
    ecc = m + 0.85 * e * np.sign(np.sin(m))
    for _ in range(60):
        step = (ecc - e * np.sin(ecc) - m) / (1.0 - e * np.cos(ecc))
        ecc = ecc - step
        if np.all(np.abs(step) < 1e-15 * np.maximum(1.0, np.abs(ecc))):
            break
    return np.asarray(ecc)


@dataclass(frozen=True)
class FreeFlight:
    """The free-flight conic from burnout (see the module docstring). Units: m, m/s, rad, s.

    Attributes:
        burnout_radius_m: Distance ``r_b`` from the earth's centre at burnout.
        burnout_speed_mps: Speed ``v_b`` at burnout.
        flight_path_angle_rad: Flight-path angle ``gamma`` at burnout, ``0 <= gamma < pi / 2``.
        mu_m3ps2: Gravitational parameter.
    """

    burnout_radius_m: float
    burnout_speed_mps: float
    flight_path_angle_rad: float
    mu_m3ps2: float = MU_EARTH_M3PS2

    def __post_init__(self) -> None:
        if not (self.burnout_radius_m > 0 and self.burnout_speed_mps > 0 and self.mu_m3ps2 > 0):
            raise ValueError("the burnout radius, the burnout speed and mu must be positive")
        if not 0.0 <= self.flight_path_angle_rad < math.pi / 2:
            raise ValueError(f"the flight-path angle must lie in [0, pi/2), got {self.flight_path_angle_rad}")
        if not self.q < 2.0:
            raise ValueError(f"Q = v^2 r / mu = {self.q:g} >= 2: the missile escapes")

    @property
    def q(self) -> float:
        """``Q = v_b^2 r_b / mu``."""
        return self.burnout_speed_mps**2 * self.burnout_radius_m / self.mu_m3ps2

    @property
    def semi_major_axis_m(self) -> float:
        """``a = r_b / (2 - Q)``."""
        return self.burnout_radius_m / (2.0 - self.q)

    @property
    def eccentricity(self) -> float:
        """``e = sqrt(1 + Q (Q - 2) cos^2 gamma)``."""
        c = math.cos(self.flight_path_angle_rad)
        return math.sqrt(max(1.0 + self.q * (self.q - 2.0) * c * c, 0.0))

    @property
    def semi_latus_rectum_m(self) -> float:
        """``p = r_b Q cos^2 gamma``."""
        return self.burnout_radius_m * self.q * math.cos(self.flight_path_angle_rad) ** 2

    @property
    def apogee_radius_m(self) -> float:
        """``r_a = a (1 + e)``."""
        return self.semi_major_axis_m * (1.0 + self.eccentricity)

    @property
    def mean_motion_radps(self) -> float:
        """``n = sqrt(mu / a^3)``."""
        return math.sqrt(self.mu_m3ps2 / self.semi_major_axis_m**3)

    @property
    def burnout_true_anomaly_rad(self) -> float:
        """``nu_b = atan2(Q sin gamma cos gamma, Q cos^2 gamma - 1)``, in ``(0, pi]``."""
        q, g = self.q, self.flight_path_angle_rad
        return math.atan2(q * math.sin(g) * math.cos(g), q * math.cos(g) ** 2 - 1.0)

    @property
    def _burnout_mean_anomaly_rad(self) -> float:
        e = self.eccentricity
        ecc = float(_eccentric_from_true(np.asarray(self.burnout_true_anomaly_rad), e))
        return ecc - e * math.sin(ecc)

    @property
    def range_angle_rad(self) -> float:
        """Central angle back to ``r_b``: ``Psi = 2 (pi - nu_b)`` (the free-flight range equation)."""
        return 2.0 * (math.pi - self.burnout_true_anomaly_rad)

    @property
    def apogee_time_s(self) -> float:
        """Time from burnout to apogee, ``(pi - M_b) / n``."""
        return (math.pi - self._burnout_mean_anomaly_rad) / self.mean_motion_radps

    @property
    def time_of_flight_s(self) -> float:
        """Time from burnout back to ``r_b``: ``t_ff = 2 (pi - E_b + e sin E_b) / n``."""
        return 2.0 * self.apogee_time_s

    def speed_mps(self, radius_m: ArrayLike) -> FloatArray:
        """Speed at a radius (vis-viva): ``v = sqrt(mu (2 / r - 1 / a))``; NaN above the apogee."""
        r = _f(radius_m)
        v2 = self.mu_m3ps2 * (2.0 / r - 1.0 / self.semi_major_axis_m)
        return np.asarray(
            np.where(r <= self.apogee_radius_m * (1 + 1e-12), np.sqrt(np.maximum(v2, 0)), np.nan)
        )

    def _descending_true_anomaly_rad(self, radius_m: ArrayLike) -> FloatArray:
        r = _f(radius_m)
        e = self.eccentricity
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_nu = (self.semi_latus_rectum_m / r - 1.0) / e if e > 0 else np.full_like(r, np.nan)
        ok = (cos_nu >= -1.0 - 1e-12) & (cos_nu <= 1.0 + 1e-12)
        nu = _TWO_PI - np.arccos(np.clip(cos_nu, -1.0, 1.0))
        return np.asarray(np.where(ok, nu, np.nan))

    def angle_to_radius_rad(self, radius_m: ArrayLike) -> FloatArray:
        """Central angle (rad) from burnout to the descending leg's crossing of ``radius_m``:
        ``nu - nu_b`` with ``cos nu = (p / r - 1) / e``, ``pi <= nu <= 2 pi``; NaN where the conic does not
        reach that radius. At ``r_b`` this is the range angle ``Psi``."""
        return np.asarray(self._descending_true_anomaly_rad(radius_m) - self.burnout_true_anomaly_rad)

    def time_to_radius_s(self, radius_m: ArrayLike) -> FloatArray:
        """Time (s) from burnout to the descending leg's crossing of ``radius_m``, by Kepler's equation."""
        e = self.eccentricity
        ecc = _eccentric_from_true(self._descending_true_anomaly_rad(radius_m), e)
        return np.asarray((ecc - e * np.sin(ecc) - self._burnout_mean_anomaly_rad) / self.mean_motion_radps)

    def flight_path_angle_at_radius_rad(self, radius_m: ArrayLike) -> FloatArray:
        """Flight-path angle (rad, negative: descending) at the descending crossing of ``radius_m``, from the
        angular momentum ``h = r_b v_b cos gamma_b = r v cos gamma``."""
        r = _f(radius_m)
        h = self.burnout_radius_m * self.burnout_speed_mps * math.cos(self.flight_path_angle_rad)
        with np.errstate(invalid="ignore"):
            return np.asarray(-np.arccos(np.clip(h / (r * self.speed_mps(r)), -1.0, 1.0)))

    def state(self, time_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Central angle from burnout (rad) and radius (m) ``time_s`` seconds after burnout:
        ``M = M_b + n t``, ``E`` from Kepler's equation, ``nu`` from ``E``, ``r = a (1 - e cos E)``."""
        t = _f(time_s)
        e = self.eccentricity
        ecc = solve_kepler(self._burnout_mean_anomaly_rad + self.mean_motion_radps * t, e)
        nu = _true_from_eccentric(ecc, e)
        radius = self.semi_major_axis_m * (1.0 - e * np.cos(ecc))
        return np.asarray(nu - self.burnout_true_anomaly_rad), np.asarray(radius)


# ---- the boost stand-in and the launch-to-impact trajectory (array helpers for the solvers) ----


def _burnout(
    speed: ArrayLike, burn_time: float, elevation: ArrayLike, radius: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Burnout radius, central angle from the launch point and flight-path angle of the straight boost."""
    v, el = _f(speed), _f(elevation)
    s = v * burn_time / 2.0
    x, y = s * np.cos(el), radius + s * np.sin(el)
    theta = np.arctan2(x, y)
    return np.asarray(np.hypot(x, y)), np.asarray(theta), np.asarray(el + theta)


def _total_angle(
    v: FloatArray, elevation: FloatArray, burn_time: float, radius: float, mu: float
) -> FloatArray:
    """Central angle from launch to the descending crossing of ``radius``; ``2 pi`` where the conic does not
    come down to it (an escape, or a perigee above the ground)."""
    rb, theta_b, gamma = _burnout(v, burn_time, elevation, radius)
    q = v * v * rb / mu
    c, s = np.cos(gamma), np.sin(gamma)
    e = np.sqrt(np.maximum(1.0 - q * (2.0 - q) * c * c, 0.0))
    nu_b = np.arctan2(q * s * c, q * c * c - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_nu = (rb * q * c * c / radius - 1.0) / e
    nu_i = _TWO_PI - np.arccos(np.clip(cos_nu, -1.0, 1.0))
    down = np.mod(nu_i - nu_b, _TWO_PI)
    lands = (q < 2.0) & (e > 0) & (cos_nu <= 1.0)
    return np.asarray(theta_b + np.where(lands, down, _TWO_PI))


def _speed_for(
    target: ArrayLike, elevation: FloatArray, burn_time: float, radius: float, mu: float
) -> FloatArray:
    """Burnout speed that reaches the central angle ``target`` (broadcast with ``elevation``) at each launch
    elevation: 64 bisections of ``[0, escape speed at the ground]`` (the range angle grows with the
    speed)."""
    angle = _f(target)
    lo = np.zeros_like(elevation)
    hi = np.full_like(elevation, math.sqrt(2.0 * mu / radius))
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        over = _total_angle(mid, elevation, burn_time, radius, mu) >= angle
        hi = np.where(over, mid, hi)
        lo = np.where(over, lo, mid)
    return np.asarray(0.5 * (lo + hi))


def _apogee_height(
    v: FloatArray, elevation: FloatArray, burn_time: float, radius: float, mu: float
) -> FloatArray:
    """Height of the conic's apogee, ``a (1 + e) - R`` (the burnout flight-path angle is positive: the
    apogee lies ahead); ``inf`` for an open conic."""
    rb, _, gamma = _burnout(v, burn_time, elevation, radius)
    q = v * v * rb / mu
    c = np.cos(gamma)
    e = np.sqrt(np.maximum(1.0 - q * (2.0 - q) * c * c, 0.0))
    with np.errstate(divide="ignore"):
        ra = np.where(q < 2.0, rb / (2.0 - q) * (1.0 + e), np.inf)
    return np.asarray(ra - radius)


#: Samples per refinement of the launch elevation in :func:`ballistic_trajectory`.
_ZOOM_SAMPLES = 33


def _zoom(pick: Callable[[FloatArray], int], lo: float, hi: float) -> tuple[float, float]:
    """Narrows ``[lo, hi]`` around the sample ``pick`` chooses among :data:`_ZOOM_SAMPLES` (its neighbours
    become the new bounds) until it is narrower than 1e-12 rad."""
    while hi - lo > 1e-12:
        grid = np.linspace(lo, hi, _ZOOM_SAMPLES)
        k = pick(grid)
        lo, hi = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, _ZOOM_SAMPLES - 1)])
    return lo, hi


@dataclass(frozen=True)
class BallisticTrajectory:
    """A launch-to-impact trajectory: the straight constant-acceleration boost, then the Keplerian free flight
    down to the ground (see the module docstring). Units: m, m/s, rad, s; ranges are ground ranges on the
    sphere of radius ``radius_m`` from the launch point; heights are above that sphere.

    Attributes:
        range_m: Ground range from launch to impact.
        burn_time_s: Boost time ``t_b``.
        launch_elevation_rad: Elevation ``gamma_0`` of the boost line at the launch point.
        burnout_speed_mps: Speed ``v_b`` at burnout.
        burnout_height_m: Height at burnout.
        burnout_range_m: Ground range at burnout, ``R theta_b``.
        burnout_flight_path_angle_rad: Flight-path angle at burnout, ``gamma_0 + theta_b``.
        apogee_height_m: Highest height of the flight.
        apogee_range_m: Ground range at apogee.
        apogee_time_s: Time from launch to apogee.
        time_of_flight_s: Time from launch to impact.
        impact_speed_mps: Speed at the ground (vis-viva at ``r = R``, no drag).
        impact_angle_rad: Flight-path angle at the ground, below the horizontal (positive).
        radius_m: Radius ``R`` of the spherical earth.
        mu_m3ps2: Gravitational parameter.
    """

    range_m: float
    burn_time_s: float
    launch_elevation_rad: float
    burnout_speed_mps: float
    burnout_height_m: float
    burnout_range_m: float
    burnout_flight_path_angle_rad: float
    apogee_height_m: float
    apogee_range_m: float
    apogee_time_s: float
    time_of_flight_s: float
    impact_speed_mps: float
    impact_angle_rad: float
    radius_m: float = R_EARTH_M
    mu_m3ps2: float = MU_EARTH_M3PS2

    @classmethod
    def from_launch(
        cls,
        burnout_speed_mps: float,
        launch_elevation_rad: float,
        burn_time_s: float = 0.0,
        radius_m: float = R_EARTH_M,
        mu_m3ps2: float = MU_EARTH_M3PS2,
    ) -> BallisticTrajectory:
        """The trajectory of a given burnout speed, launch elevation and burn time (the forward problem)."""
        v, el, tb, big_r = float(burnout_speed_mps), float(launch_elevation_rad), float(burn_time_s), radius_m
        if not (v > 0 and tb >= 0 and 0 < el < math.pi / 2):
            raise ValueError(
                f"a launch needs a positive speed, a burn time >= 0 and an elevation in (0, pi/2), got "
                f"v_b={v}, t_b={tb}, gamma_0={el}"
            )
        rb, theta_b, gamma_b = (float(x) for x in _burnout(v, tb, el, big_r))
        ff = FreeFlight(rb, v, gamma_b, mu_m3ps2)
        down = float(ff.angle_to_radius_rad(big_r))
        if not math.isfinite(down):
            raise ValueError("the free flight does not come back to the ground")
        return cls(
            range_m=big_r * (theta_b + down),
            burn_time_s=tb,
            launch_elevation_rad=el,
            burnout_speed_mps=v,
            burnout_height_m=rb - big_r,
            burnout_range_m=big_r * theta_b,
            burnout_flight_path_angle_rad=gamma_b,
            apogee_height_m=ff.apogee_radius_m - big_r,
            apogee_range_m=big_r * (theta_b + math.pi - ff.burnout_true_anomaly_rad),
            apogee_time_s=tb + ff.apogee_time_s,
            time_of_flight_s=tb + float(ff.time_to_radius_s(big_r)),
            impact_speed_mps=float(ff.speed_mps(big_r)),
            impact_angle_rad=-float(ff.flight_path_angle_at_radius_rad(big_r)),
            radius_m=big_r,
            mu_m3ps2=mu_m3ps2,
        )

    @property
    def free_flight(self) -> FreeFlight:
        """The free-flight conic from burnout."""
        return FreeFlight(
            self.radius_m + self.burnout_height_m,
            self.burnout_speed_mps,
            self.burnout_flight_path_angle_rad,
            self.mu_m3ps2,
        )

    def reentry_speed_mps(self, height_m: ArrayLike) -> FloatArray:
        """Speed (vis-viva, no drag) where the descent passes ``height_m`` (100 km, or 0 m: the impact)."""
        return self.free_flight.speed_mps(self.radius_m + _f(height_m))

    def position(self, time_s: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Ground range (m) from the launch point and height (m) ``time_s`` seconds after launch; NaN outside
        ``[0, time_of_flight_s]``. Boost: distance ``d = v_b t^2 / (2 t_b)`` along the launch line; free
        flight: :meth:`FreeFlight.state` of ``t - t_b``."""
        t = _f(time_s)
        big_r, tb, el = self.radius_m, self.burn_time_s, self.launch_elevation_rad
        d = self.burnout_speed_mps * np.minimum(t, tb) ** 2 / (2.0 * tb) if tb > 0 else np.zeros_like(t)
        x, y = d * math.cos(el), big_r + d * math.sin(el)
        boost_range, boost_height = big_r * np.arctan2(x, y), np.hypot(x, y) - big_r
        angle, radius = self.free_flight.state(np.maximum(t - tb, 0.0))
        theta_b = self.burnout_range_m / big_r
        in_boost = t < tb
        ground = np.where(in_boost, boost_range, big_r * (theta_b + angle))
        height = np.where(in_boost, boost_height, radius - big_r)
        outside = (t < 0) | (t > self.time_of_flight_s * (1 + 1e-12))
        return np.asarray(np.where(outside, np.nan, ground)), np.asarray(np.where(outside, np.nan, height))


def minimum_energy_trajectories(
    ranges_m: ArrayLike,
    burn_time_s: float = 0.0,
    *,
    radius_m: float = R_EARTH_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
) -> list[BallisticTrajectory]:
    """The minimum-energy trajectories of several ranges (m) with one burn time (s), solved together: for
    each range the launch elevation that needs the lowest burnout speed (:func:`ballistic_trajectory`,
    whose minimum-energy case this is), the grids of elevations of all ranges refined at once."""
    big_r, mu, tb = float(radius_m), float(mu_m3ps2), float(burn_time_s)
    ranges = np.atleast_1d(np.asarray(ranges_m, dtype=np.float64))
    if not np.all((ranges > 0) & (ranges < math.pi * big_r)):
        raise ValueError(f"the ranges must lie in (0, pi R) = (0, {math.pi * big_r:.0f}) m, got {ranges}")
    if not tb >= 0:
        raise ValueError(f"the burn time must be >= 0, got {tb} s")
    target = (ranges / big_r)[:, None]
    lo = np.full(ranges.size, 1e-9)
    hi = np.full(ranges.size, math.pi / 2 - 1e-9)
    rows = np.arange(ranges.size)
    while np.any(hi - lo > 1e-12):
        grid = np.linspace(lo, hi, _ZOOM_SAMPLES, axis=1)
        k = np.argmin(_speed_for(target, grid, tb, big_r, mu), axis=1)
        lo = grid[rows, np.maximum(k - 1, 0)]
        hi = grid[rows, np.minimum(k + 1, _ZOOM_SAMPLES - 1)]
    elevation = 0.5 * (lo + hi)
    speed = _speed_for(target[:, 0], elevation, tb, big_r, mu)
    out = []
    for rng, v, el in zip(ranges, speed, elevation, strict=True):
        trajectory = BallisticTrajectory.from_launch(float(v), float(el), tb, big_r, mu)
        if not math.isclose(trajectory.range_m, float(rng), rel_tol=1e-8):
            raise ValueError(f"no trajectory reaches {rng:g} m (best: {trajectory.range_m:g} m)")
        out.append(trajectory)
    return out


def ballistic_trajectory(
    range_m: float,
    burn_time_s: float = 0.0,
    apogee_height_m: float | None = None,
    *,
    radius_m: float = R_EARTH_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
) -> BallisticTrajectory:
    """The launch-to-impact trajectory that covers the ground range ``range_m`` (m), with the straight boost
    of ``burn_time_s`` (s) and either the minimum-energy profile (``apogee_height_m=None``) or the apogee
    height ``apogee_height_m`` (m; above the minimum-energy apogee: lofted, below it: depressed).

    For each launch elevation the burnout speed that reaches the range is found by bisection (the range grows
    with the speed). Minimum energy: the elevation that needs the lowest burnout speed, found by repeated
    refinement of a grid of elevations around its smallest sample; with ``burn_time_s = 0`` this is BMW's
    minimum-energy trajectory, ``gamma* = (pi - Psi) / 4`` and ``Q* = 2 sin(Psi / 2) / (1 + sin(Psi / 2))``
    with ``Psi = range / R``. Given apogee: along that family of trajectories the apogee grows with the
    elevation, and the grid is refined around its crossing of the given height. The flattest trajectory of
    the range is launched horizontally (``gamma_0 -> 0``): a lower apogee raises ValueError, as does one out
    of reach below escape speed.

    Ranges lie in ``(0, pi R)`` (up to the antipode).
    """
    big_r, mu, tb = float(radius_m), float(mu_m3ps2), float(burn_time_s)
    rng = float(range_m)
    if not (rng > 0 and rng < math.pi * big_r):
        raise ValueError(f"the range must lie in (0, pi R) = (0, {math.pi * big_r:.0f}) m, got {rng} m")
    if not tb >= 0:
        raise ValueError(f"the burn time must be >= 0, got {tb} s")
    target = rng / big_r
    el_min, el_max = 1e-9, math.pi / 2 - 1e-9

    def speeds(grid: FloatArray) -> FloatArray:
        return _speed_for(target, grid, tb, big_r, mu)

    if apogee_height_m is None:
        return minimum_energy_trajectories(rng, tb, radius_m=big_r, mu_m3ps2=mu)[0]
    else:
        h_a = float(apogee_height_m)

        def apogees(grid: FloatArray) -> FloatArray:
            return _apogee_height(speeds(grid), grid, tb, big_r, mu)

        def first_at_or_above(values: FloatArray) -> int:
            # the first sample at or above zero; its left neighbour is below
            return int(np.argmax(values >= 0)) if np.any(values >= 0) else values.size - 1

        low, high = (float(x) for x in apogees(np.array([el_min, el_max])))
        if not h_a > low:
            raise ValueError(
                f"an apogee of {h_a:g} m is too low for a range of {rng:g} m: the flattest trajectory "
                f"(launched horizontally) reaches {low:g} m"
            )
        if not h_a < high:
            raise ValueError(
                f"an apogee of {h_a:g} m for a range of {rng:g} m is out of reach below escape speed"
            )
        lo, hi = _zoom(lambda grid: first_at_or_above(apogees(grid) - h_a), el_min, el_max)
    elevation = 0.5 * (lo + hi)
    v = float(speeds(np.array([elevation]))[0])
    trajectory = BallisticTrajectory.from_launch(v, elevation, tb, big_r, mu)
    if not math.isclose(trajectory.range_m, rng, rel_tol=1e-8):
        raise ValueError(f"no trajectory of this profile reaches {rng:g} m (best: {trajectory.range_m:g} m)")
    return trajectory


#: The trajectory profiles a raid may ask for by name.
PROFILES: tuple[str, ...] = ("minimum-energy", "lofted", "depressed")
#: Apogee of a ``lofted`` (``depressed``) profile given without an apogee, as a multiple of the
#: minimum-energy apogee of the same range and burn time: a convention of this model (open analyses speak
#: of lofted and depressed trajectories without one standard height; these factors put the two well apart
#: from the minimum-energy one while keeping the depressed one above the boost).
LOFTED_APOGEE_FACTOR = 1.5
DEPRESSED_APOGEE_FACTOR = 0.5


def profile_trajectory(
    range_m: float,
    burn_time_s: float = 0.0,
    profile: str = "minimum-energy",
    apogee_height_m: float | None = None,
) -> BallisticTrajectory:
    """The trajectory of a named profile (:data:`PROFILES`): the minimum-energy one, or a lofted (depressed)
    one whose apogee is ``apogee_height_m`` (m) if given, else :data:`LOFTED_APOGEE_FACTOR`
    (:data:`DEPRESSED_APOGEE_FACTOR`) times the minimum-energy apogee. A given apogee must lie above the
    minimum-energy one for ``lofted`` and below it for ``depressed``; with ``minimum-energy`` it picks the
    trajectory of that apogee, either side. ValueError says why a trajectory is impossible."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: one of {', '.join(PROFILES)}")
    if profile == "minimum-energy" and apogee_height_m is None:
        return ballistic_trajectory(range_m, burn_time_s)
    least = ballistic_trajectory(range_m, burn_time_s)
    if apogee_height_m is None:
        factor = LOFTED_APOGEE_FACTOR if profile == "lofted" else DEPRESSED_APOGEE_FACTOR
        apogee_height_m = factor * least.apogee_height_m
    elif profile == "lofted" and not apogee_height_m > least.apogee_height_m:
        raise ValueError(
            f"a lofted trajectory climbs above the minimum-energy apogee of this range, "
            f"{least.apogee_height_m / 1e3:.1f} km; got {apogee_height_m / 1e3:g} km"
        )
    elif profile == "depressed" and not apogee_height_m < least.apogee_height_m:
        raise ValueError(
            f"a depressed trajectory stays below the minimum-energy apogee of this range, "
            f"{least.apogee_height_m / 1e3:.1f} km; got {apogee_height_m / 1e3:g} km"
        )
    return ballistic_trajectory(range_m, burn_time_s, apogee_height_m)


def track_on_ellipsoid(
    trajectory: BallisticTrajectory,
    launch_deg: tuple[float, float],
    impact_deg: tuple[float, float],
    time_s: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Latitude and longitude (degrees, WGS 84) and height (m) of a trajectory flown from ``launch_deg`` to
    ``impact_deg`` (``(lat, lon)``), ``time_s`` seconds after launch (NaN outside the flight).

    The trajectory is one of the spherical earth (:class:`BallisticTrajectory`) whose range is the length of
    the WGS 84 geodesic from launch to impact; its ground range at each time is laid along that geodesic
    (pyproj's ``Geod.fwd`` from the launch point at the geodesic's initial azimuth), and its height above
    the sphere is taken as height above the ellipsoid (mean sea level to within the geoid's undulation,
    tens of metres). The sphere's curvature and gravity stand for the ellipsoid's: the impact point is exact,
    the path between differs from a flight over the ellipsoid by the flattening, 1/298."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    (lat0, lon0), (lat1, lon1) = launch_deg, impact_deg
    azimuth, _, distance = geod.inv(lon0, lat0, lon1, lat1)
    if not math.isclose(distance, trajectory.range_m, rel_tol=1e-6, abs_tol=1.0):
        raise ValueError(
            f"the trajectory's range, {trajectory.range_m:.0f} m, is not the geodesic's, {distance:.0f} m"
        )
    ground, height = trajectory.position(time_s)
    ground = np.atleast_1d(ground)
    ok = np.isfinite(ground)
    lat = np.full(ground.shape, np.nan)
    lon = np.full(ground.shape, np.nan)
    if ok.any():
        n = int(ok.sum())
        lo, la, _ = geod.fwd(np.full(n, lon0), np.full(n, lat0), np.full(n, azimuth), ground[ok])
        lat[ok], lon[ok] = la, lo
    return lat, lon, np.atleast_1d(height)
