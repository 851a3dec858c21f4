"""Predict: nearly-constant-velocity motion of all tracks at once.

Reference: Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
Navigation*, Wiley, 2001 (BLK): the Kalman prediction (ch. 5) and the continuous white-noise-acceleration
model (ch. 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from iadsim.errors import InputError
from iadsim.sim.tracking.types import POS, STANDARD_GRAVITY_MPS2, VEL, FloatArray, TrackSet

_EYE3 = np.eye(3)


@dataclass(frozen=True)
class Predictor:
    """Nearly-constant-velocity (continuous white-noise acceleration) prediction of all tracks.

    Per axis, state ``[p, v]``: ``F = [[1, dt], [0, 1]]`` and ``Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]``
    (BLK ch. 6, continuous white-noise acceleration), the same for the three independent axes. Identical to
    Stone Soup's ``CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 3)``, state order mapped.
    Prediction: ``x' = F x``, ``P' = F P F^T + Q`` (BLK ch. 5).

    A track whose specific mechanical energy ``e = |v|^2 / 2 + g z`` (``z`` its height, ``g`` standard
    gravity) exceeds ``ballistic_energy_jpkg`` is predicted with ``ballistic_noise_diff_coeff_m2ps3``
    instead: a target with that much energy is a ballistic one, whose gravity (about 10 m/s^2, which a
    constant-velocity model does not know) acts over its whole flight.

    Attributes:
        noise_diff_coeff_m2ps3: ``q``, the power spectral density of the acceleration noise per axis,
            m^2/s^3 (Stone Soup's ``noise_diff_coeff``). About ``a^2 * T`` for accelerations of size ``a``
            (m/s^2) that last about ``T`` seconds (BLK ch. 6).
        ballistic_energy_jpkg: Specific energy above which a track is predicted with the ballistic ``q``,
            J/kg (``inf``: never).
        ballistic_noise_diff_coeff_m2ps3: ``q`` of those tracks, m^2/s^3.
    """

    noise_diff_coeff_m2ps3: float
    ballistic_energy_jpkg: float = np.inf
    ballistic_noise_diff_coeff_m2ps3: float = 0.0

    def __post_init__(self) -> None:
        for name in ("noise_diff_coeff_m2ps3", "ballistic_noise_diff_coeff_m2ps3"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be finite and >= 0, got {value}")
        if not self.ballistic_energy_jpkg > 0:
            raise InputError(f"ballistic_energy_jpkg must be > 0, got {self.ballistic_energy_jpkg}")

    def matrices(self, dt_s: ArrayLike, energy_jpkg: ArrayLike = 0.0) -> tuple[FloatArray, FloatArray]:
        """Transition ``F`` and process noise ``Q``, each ``(k, 6, 6)``, for each interval in ``dt_s`` (s)
        and the specific energy of each track (J/kg, which picks its ``q``).

        In our state order ``[x, y, z, vx, vy, vz]``: ``F = [[I, dt I], [0, I]]`` and
        ``Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]]`` (3 x 3 blocks).
        """
        dt = np.atleast_1d(np.asarray(dt_s, dtype=np.float64))
        k = dt.shape[0]
        d = dt[:, None, None]
        f = np.broadcast_to(np.eye(6), (k, 6, 6)).copy()
        f[:, POS, VEL] = d * _EYE3
        energy = np.broadcast_to(np.asarray(energy_jpkg, dtype=np.float64), (k,))
        slow, ballistic = self.noise_diff_coeff_m2ps3, self.ballistic_noise_diff_coeff_m2ps3
        q = np.where(energy > self.ballistic_energy_jpkg, ballistic, slow)[:, None, None]
        qm = np.empty((k, 6, 6))
        qm[:, POS, POS] = (q * d**3 / 3.0) * _EYE3
        qm[:, POS, VEL] = (q * d**2 / 2.0) * _EYE3
        qm[:, VEL, POS] = (q * d**2 / 2.0) * _EYE3
        qm[:, VEL, VEL] = (q * d) * _EYE3
        return f, qm

    def predict_arrays(
        self, state: FloatArray, cov: FloatArray, dt_s: ArrayLike
    ) -> tuple[FloatArray, FloatArray]:
        """Predicted ``(state (n, 6), cov (n, 6, 6))`` after ``dt_s`` (s; scalar or ``(n,)``, >= 0):
        ``x' = F x``, ``P' = F P F^T + Q`` with :meth:`matrices`."""
        n = state.shape[0]
        dt = np.broadcast_to(np.asarray(dt_s, dtype=np.float64), (n,))
        if np.any(dt < 0) or not np.all(np.isfinite(dt)):
            raise InputError("cannot predict backwards in time (or over a non-finite interval)")
        energy = 0.5 * np.sum(state[:, VEL] ** 2, axis=1) + STANDARD_GRAVITY_MPS2 * state[:, 2]
        f, qm = self.matrices(dt, energy)
        x = np.einsum("kij,kj->ki", f, state)
        p = f @ cov @ f.transpose(0, 2, 1) + qm
        return x, p

    def predict(self, tracks: TrackSet, time_s: float) -> TrackSet:
        """All tracks predicted to ``time_s`` (s, not earlier than any track's time)."""
        x, p = self.predict_arrays(tracks.state, tracks.cov, time_s - tracks.time_s)
        return tracks.replace(state=x, cov=p, time_s=np.full(len(tracks), float(time_s)))
