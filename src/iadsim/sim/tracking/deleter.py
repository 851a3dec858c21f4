"""Delete: tracks lost after consecutive missed scans, or whose position uncertainty has exploded.

Reference: S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999
(B&P): track deletion on a count of missed scans, or on a covariance too large for the track to be useful.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.errors import InputError
from iadsim.sim.tracking.types import POS, BoolArray, TrackSet


@dataclass(frozen=True)
class MissDeleter:
    """Deletion after ``max_misses`` consecutive misses, or when the position uncertainty explodes.

    Misses are counted by the tracker's ``step`` only for tracks the scan covered.

    Attributes:
        max_misses: Consecutive missed scans that delete a track (``K``).
        max_position_variance_m2: Delete when ``trace`` of the position covariance exceeds this, m^2
            (``inf``: never); a track with a non-finite covariance is always deleted.
    """

    max_misses: int = 3
    max_position_variance_m2: float = float("inf")

    def __post_init__(self) -> None:
        if self.max_misses < 1:
            raise InputError(f"max_misses must be >= 1, got {self.max_misses}")
        if not self.max_position_variance_m2 > 0:
            raise InputError(f"max_position_variance_m2 must be > 0, got {self.max_position_variance_m2}")

    def deletes(self, tracks: TrackSet) -> BoolArray:
        """Mask of tracks to delete: ``misses >= max_misses``, or the trace of the position covariance not
        finite or above ``max_position_variance_m2``."""
        trace = np.einsum("kii->k", tracks.cov[:, POS, POS])
        too_large = ~np.isfinite(trace) | (trace > self.max_position_variance_m2)
        return (tracks.misses >= self.max_misses) | too_large
