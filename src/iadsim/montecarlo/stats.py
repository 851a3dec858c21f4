"""Summaries of a study's replications with 95% intervals, and how much each disputed figure moves the
outcome."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
from scipy import stats


def mean_interval(
    values: list[float], level: float = 0.95, bounds: tuple[float, float] | None = None
) -> dict[str, float]:
    """Mean and Student-t interval of the mean (NaN for one value), clipped to ``bounds`` if given."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(np.mean(x)) if n else math.nan
    if n < 2:
        return {"mean": mean, "low": math.nan, "high": math.nan}
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * np.std(x, ddof=1) / math.sqrt(n))
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return {"mean": mean, "low": low, "high": high}


def wilson_interval(successes: int, n: int, level: float = 0.95) -> dict[str, float]:
    """A proportion and its Wilson score interval (E. B. Wilson, JASA 22, 1927)."""
    if n == 0:
        return {"p": math.nan, "low": math.nan, "high": math.nan}
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {"p": p, "low": max(0.0, centre - half), "high": min(1.0, centre + half)}


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per sweep point: replications, leak fraction (mean of leaked / threats per replication, t interval),
    probability that anything leaks (Wilson), kills and interceptors (t intervals), interceptors by type,
    and for uncertainty studies the Spearman rank correlation of each drawn figure with the leak count."""
    by_point: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_point[int(r["point"])].append(r)
    out = []
    for point in sorted(by_point):
        rs = by_point[point]
        n = len(rs)
        leak_frac = [r["leaked"] / r["threats"] if r["threats"] else 0.0 for r in rs]
        types = sorted({k for r in rs for k in r["interceptors_by_type"]})
        summary: dict[str, Any] = {
            "point": point,
            "label": rs[0]["label"],
            "replications": n,
            "threats": rs[0]["threats"],
            "leak_fraction": mean_interval(leak_frac, bounds=(0.0, 1.0)),
            "any_leak": wilson_interval(sum(1 for r in rs if r["leaked"] > 0), n),
            "leaked": mean_interval([r["leaked"] for r in rs]),
            "killed": mean_interval([r["killed"] for r in rs]),
            "interceptors_launched": mean_interval([r["interceptors_launched"] for r in rs]),
            "interceptors_by_type": {
                t: mean_interval([r["interceptors_by_type"].get(t, 0) for r in rs]) for t in types
            },
        }
        names = sorted({k for r in rs for k in r["draws"]})
        if names and n >= 3:
            leaked = np.array([r["leaked"] for r in rs], dtype=float)
            sens = []
            for name in names:
                x = np.array([r["draws"].get(name, math.nan) for r in rs], dtype=float)
                if np.ptp(x) == 0 or np.ptp(leaked) == 0:
                    rho, pval = 0.0, 1.0
                else:
                    res = stats.spearmanr(x, leaked)
                    rho, pval = float(res.statistic), float(res.pvalue)
                sens.append({"figure": name, "spearman_rho": rho, "p_value": pval})
            summary["sensitivity"] = sorted(sens, key=lambda s: -abs(s["spearman_rho"]))
        out.append(summary)
    return out
