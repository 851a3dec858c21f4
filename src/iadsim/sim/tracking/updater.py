"""Update: the Kalman update of associated track-detection pairs, all at once, and the innovations and
Mahalanobis distances that the associator gates on.

Reference: Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and
Navigation*, Wiley, 2001 (BLK), ch. 5: the Kalman filter, its innovation and the Joseph form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.sim.tracking.types import POS, FloatArray


def inv3_sym(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of symmetric 3 x 3 matrices ``(k, 3, 3)`` by the adjugate (Cramer's rule).

    For ``S = [[a, b, c], [b, d, e], [c, e, f]]`` the cofactors are ``c00 = d f - e e``,
    ``c01 = c e - b f``, ``c02 = b e - c d``, ``c11 = a f - c c``, ``c12 = b c - a e``, ``c22 = a d - b b``,
    ``det = (a c00 + b c01) + c c02`` and ``S^-1 = adj(S) / det`` (the same arithmetic, in the same order,
    as the compiled tracker's kernel).
    """
    a, b, c = s[:, 0, 0], s[:, 0, 1], s[:, 0, 2]
    d, e, f = s[:, 1, 1], s[:, 1, 2], s[:, 2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    det = (a * c00 + b * c01) + c * c02
    adj = np.stack([c00, c01, c02, c01, c11, c12, c02, c12, c22], axis=-1).reshape(-1, 3, 3)
    return adj / det[:, None, None], det


def innovations(
    state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Innovation ``nu = z - H x`` ``(k, 3)`` (m) and its covariance ``S = H P H^T + R`` ``(k, 3, 3)``
    (m^2); ``H = [I 0]`` picks the position (BLK ch. 5); row ``i`` of every argument is one pair."""
    nu = positions_m - state[:, POS]
    s = cov[:, POS, POS] + covariances_m2
    return nu, s


def mahalanobis_d2(nu: FloatArray, s: FloatArray) -> FloatArray:
    """Squared Mahalanobis distance ``nu^T S^-1 nu`` of innovations ``(k, 3)`` with covariances ``(k, 3, 3)``.

    For a consistent filter it is chi-square distributed with 3 degrees of freedom (BLK ch. 5).
    """
    s_inv, _ = inv3_sym(s)
    return np.einsum("ki,kij,kj->k", nu, s_inv, nu)


@dataclass(frozen=True)
class Updater:
    """Kalman update of associated track-detection pairs, all at once.

    With ``H = [I 0]`` and ``S = H P H^T + R``: gain ``K = P H^T S^-1``, ``x+ = x + K (z - H x)``
    (BLK ch. 5). Covariance in the standard form ``P+ = P - K S K^T``,
    as Stone Soup's ``KalmanUpdater`` by default, or in the Joseph form
    ``P+ = (I - K H) P (I - K H)^T + K R K^T`` (BLK ch. 5), as with its ``use_joseph_cov=True``.
    The result is made exactly symmetric, ``(P+ + P+^T) / 2``, so that round-off does not accumulate over
    many scans (a change at the level of machine precision).

    Attributes:
        joseph: Use the Joseph form (numerically safer with a badly conditioned ``S``; costs more).
    """

    joseph: bool = False

    def update_arrays(
        self, state: FloatArray, cov: FloatArray, positions_m: FloatArray, covariances_m2: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Updated ``(state (k, 6), cov (k, 6, 6))``; row ``i`` pairs ``state[i]`` with detection ``i``.

        ``positions_m`` is ``(k, 3)`` (m) and ``covariances_m2`` the detections' ``R``, ``(k, 3, 3)`` (m^2).
        """
        nu, s = innovations(state, cov, positions_m, covariances_m2)
        s_inv, _ = inv3_sym(s)
        gain = cov[:, :, POS] @ s_inv  # K = P H^T S^-1, (k, 6, 3)
        x = state + np.einsum("kij,kj->ki", gain, nu)
        gain_t = gain.transpose(0, 2, 1)
        if self.joseph:
            i_kh = np.broadcast_to(np.eye(6), cov.shape).copy()
            i_kh[:, :, POS] -= gain
            p = i_kh @ cov @ i_kh.transpose(0, 2, 1) + gain @ covariances_m2 @ gain_t
        else:
            p = cov - gain @ s @ gain_t
        return x, 0.5 * (p + p.transpose(0, 2, 1))
