"""Probability of detection of a square-law detector with noncoherent integration (Swerling 0-4).

Model: ``N`` pulses, each sampled by a square-law detector after a matched filter, summed, compared with a
threshold set for the false-alarm probability ``pfa``. Noise power is 1 per pulse, so under noise alone the
sum is Gamma(N, 1) and the threshold is ``T = Q^-1(N, pfa)`` (regularised upper incomplete gamma).

Exact evaluation (used by :func:`detection_probability`). Given the per-pulse signal-to-noise ratios
``a_i``, the sum is a scaled noncentral chi-square with ``2N`` degrees of freedom and noncentrality
``2A``, ``A = sum a_i``, i.e. a Poisson(A) mixture of Gamma(N + j, 1) variables (Marcum Q). The Swerling
cases are the distributions of ``A`` for mean single-pulse SNR ``s``:

=========  ===============================  ==========================
Swerling   fluctuation                      A
=========  ===============================  ==========================
0          none                             N s (constant)
1          scan to scan, chi-square 2 dof   Gamma(1, N s)
2          pulse to pulse, chi-square 2     Gamma(N, s)
3          scan to scan, chi-square 4 dof   Gamma(2, N s / 2)
4          pulse to pulse, chi-square 4     Gamma(2N, s / 2)
=========  ===============================  ==========================

A Poisson count whose mean is Gamma(k, theta) is negative binomial (k, 1 / (1 + theta)), so in every
case ``Pd = 1 - sum_j w_j P(N + j, T)`` with Poisson or negative-binomial weights ``w_j`` and ``P`` the
regularised lower incomplete gamma function. All terms are positive and ``P(N + j, T)`` vanishes quickly
once ``N + j`` exceeds ``T``, so the series is truncated where its remainder is below 1e-13: exact to
that tolerance for any SNR and N. References: J. I. Marcum, "A statistical theory of target detection by
pulsed radar", IRE Trans. IT-6 (1960); P. Swerling, ibid. (1960); D. P. Meyer and H. A. Mayer, Radar
Target Detection (1973); M. A. Richards, Fundamentals of Radar Signal Processing (2014), ch. 6.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]

SWERLING_CASES = (0, 1, 2, 3, 4)


def _check_swerling(swerling: int) -> None:
    if swerling not in SWERLING_CASES:
        raise ValueError(f"swerling must be 0, 1, 2, 3 or 4, got {swerling!r}")


def _check_probability(name: str, p: FloatArray) -> None:
    if np.any(~((p > 0) & (p < 1))):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {p}")


def _check_pulses(n: NDArray[np.int64] | NDArray[np.float64]) -> NDArray[np.int64]:
    n_int = np.asarray(n).astype(np.int64)
    if np.any(n_int < 1) or np.any(n_int != np.asarray(n)):
        raise ValueError(f"n_pulses must be a positive integer, got {n}")
    return n_int


def threshold(pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatArray:
    """Detection threshold ``T`` (in units of the noise power per pulse) for a false-alarm probability.

    ``pfa = Q(N, T)``, the regularised upper incomplete gamma function, for the sum of ``N`` square-law
    samples of unit-power complex Gaussian noise.
    """
    pfa_a = np.asarray(pfa, dtype=float)
    _check_probability("pfa", pfa_a)
    n = _check_pulses(np.asarray(n_pulses))
    return np.asarray(special.gammainccinv(n, pfa_a), dtype=float)


def _mixture_weights(
    j: NDArray[np.int64], n: NDArray[np.int64], snr: FloatArray, swerling: int
) -> FloatArray:
    """Weights ``w_j`` of the Poisson / negative-binomial mixture (see the module docstring)."""
    if swerling == 0:  # Poisson(lambda = N s)
        lam = n * snr
        return np.asarray(np.exp(special.xlogy(j, lam) - lam - special.gammaln(j + 1.0)))
    params: dict[int, tuple[FloatArray | NDArray[np.int64] | int, FloatArray]] = {
        1: (1, n * snr),
        2: (n, snr),
        3: (2, n * snr / 2),
        4: (2 * n, snr / 2),
    }
    shape, scale = params[swerling]
    # negative binomial (shape, p = 1 / (1 + scale)) written with logs for speed and range
    log_w = (
        special.gammaln(j + shape)
        - special.gammaln(shape)
        - special.gammaln(j + 1.0)
        - (shape + j) * np.log1p(scale)
        + special.xlogy(j, scale)
    )
    return np.asarray(np.exp(log_w))


def detection_probability(
    snr_db: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0
) -> FloatArray:
    """Probability of detection for a mean single-pulse SNR, exact for Swerling 0-4.

    Parameters
    ----------
    snr_db:
        Mean signal-to-noise ratio of one pulse, dB.
    pfa:
        Probability of false alarm of the integrated sample, in (0, 1).
    n_pulses:
        Number of pulses integrated noncoherently (square-law detector), integer >= 1.
    swerling:
        Target fluctuation model 0 (non-fluctuating) to 4.

    All array arguments broadcast together. See the module docstring for the formula and its sources.
    """
    _check_swerling(swerling)
    snr_db_a, pfa_a, n_a = np.broadcast_arrays(
        np.asarray(snr_db, dtype=float), np.asarray(pfa, dtype=float), np.asarray(n_pulses)
    )
    n = _check_pulses(n_a)
    t = threshold(pfa_a, n)
    snr = 10.0 ** (snr_db_a / 10.0)
    # P(N + j, T) < 1e-13 once N + j > T + 12 sqrt(T) + 40: the series may stop there.
    j_max = int(np.max(np.ceil(t + 12.0 * np.sqrt(t) + 40.0) - n, initial=0))
    j = np.arange(max(j_max, 0) + 1)
    shape = snr.shape
    w = _mixture_weights(j, n.reshape(-1, 1), snr.reshape(-1, 1), swerling)
    if np.all(n == n.flat[0]) and np.all(t == t.flat[0]):  # the usual case: one N and one Pfa
        p_lower = special.gammainc(n.flat[0] + j, t.flat[0])
        miss = w @ p_lower
    else:
        miss = np.sum(w * special.gammainc(n.reshape(-1, 1) + j, t.reshape(-1, 1)), axis=1)
    pd: FloatArray = np.clip(1.0 - miss, 0.0, 1.0).reshape(shape)
    return pd


def required_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0) -> FloatArray:
    """Mean single-pulse SNR (dB) at which :func:`detection_probability` equals ``pd``.

    The inverse of :func:`detection_probability` in its first argument, found by bisection (Pd increases
    monotonically with SNR) to 1e-9 dB. Requires ``pfa < pd < 1``.
    """
    _check_swerling(swerling)
    pd_a, pfa_a, n_a = np.broadcast_arrays(
        np.asarray(pd, dtype=float), np.asarray(pfa, dtype=float), np.asarray(n_pulses)
    )
    _check_probability("pd", pd_a)
    _check_probability("pfa", pfa_a)
    if np.any(pd_a <= pfa_a):
        raise ValueError("pd must exceed pfa: no SNR gives a detection probability at or below pfa")
    lo = np.full(pd_a.shape, -40.0)
    hi = np.full(pd_a.shape, 120.0)
    for _ in range(48):  # 160 dB / 2^48 < 1e-12 dB
        mid = 0.5 * (lo + hi)
        above = detection_probability(mid, pfa_a, n_a, swerling) >= pd_a
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    snr_db: FloatArray = 0.5 * (lo + hi)
    return snr_db


def albersheim_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1) -> FloatArray:
    """Albersheim's approximation of the SNR per pulse (dB) for a non-fluctuating target.

    ``SNR = -5 log10 N + (6.2 + 4.54 / sqrt(N + 0.44)) log10(A + 0.12 A B + 1.7 B)`` with
    ``A = ln(0.62 / pfa)`` and ``B = ln(pd / (1 - pd))``; noncoherent integration of N pulses with a linear
    detector. Accurate to 0.2 dB for 0.1 <= pd <= 0.9, 1e-7 <= pfa <= 1e-3 and 1 <= N <= 8096.
    Source: W. J. Albersheim, "A closed-form approximation to Robertson's detection characteristics",
    Proc. IEEE 69(7), 1981; as in MATLAB's ``albersheim``.
    """
    pd_a = np.asarray(pd, dtype=float)
    pfa_a = np.asarray(pfa, dtype=float)
    _check_probability("pd", pd_a)
    _check_probability("pfa", pfa_a)
    n = np.asarray(n_pulses, dtype=float)
    a = np.log(0.62 / pfa_a)
    b = np.log(pd_a / (1.0 - pd_a))
    return np.asarray(
        -5.0 * np.log10(n) + (6.2 + 4.54 / np.sqrt(n + 0.44)) * np.log10(a + 0.12 * a * b + 1.7 * b)
    )


def shnidman_snr_db(pd: ArrayLike, pfa: ArrayLike, n_pulses: ArrayLike = 1, swerling: int = 0) -> FloatArray:
    """Shnidman's approximation of the SNR per pulse (dB), Swerling 0-4, noncoherent integration.

    Accurate to about 0.5 dB for 0.1 <= pd <= 0.99, 1e-9 <= pfa <= 1e-3 and 1 <= N <= 100.
    Source: D. A. Shnidman, "Determination of required SNR values", IEEE Trans. AES 38(3), 2002;
    M. A. Richards, Fundamentals of Radar Signal Processing, 2nd ed. (2014), section 6.2.5.
    """
    _check_swerling(swerling)
    pd_a = np.asarray(pd, dtype=float)
    pfa_a = np.asarray(pfa, dtype=float)
    _check_probability("pd", pd_a)
    _check_probability("pfa", pfa_a)
    n = np.asarray(n_pulses, dtype=float)
    alpha = np.where(n < 40, 0.0, 0.25)
    eta = np.sqrt(-0.8 * np.log(4 * pfa_a * (1 - pfa_a))) + np.sign(pd_a - 0.5) * np.sqrt(
        -0.8 * np.log(4 * pd_a * (1 - pd_a))
    )
    x_inf = eta * (eta + 2.0 * np.sqrt(n / 2.0 + (alpha - 0.25)))
    if swerling == 0:
        c_db = np.zeros_like(x_inf)
    else:
        k = {1: np.ones_like(n), 2: n, 3: np.full_like(n, 2.0), 4: 2.0 * n}[swerling]
        c1 = (((17.7006 * pd_a - 18.4496) * pd_a + 14.5339) * pd_a - 3.525) / k
        c2 = (
            np.exp(27.31 * pd_a - 25.14) + (pd_a - 0.8) * (0.7 * np.log(1e-5 / pfa_a) + (2 * n - 20) / 80)
        ) / k
        c_db = np.where(pd_a <= 0.872, c1, c1 + c2)
    return np.asarray(10.0 * np.log10(10.0 ** (c_db / 10.0) * x_inf / n))
