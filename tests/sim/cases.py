"""What the engine's and the trackers' tests share: a radar's coverage on a flat grid."""

from __future__ import annotations

import numpy as np

from iadsim import physics
from iadsim.sim.sensing import Coverage


def coverage_window(radius_m: float, facing: float = 0.0, sector: float = 2 * np.pi) -> Coverage:
    """A flat 400 x 400 km grid with a floor that hides everything beyond ``radius_m`` east of x = 50 km
    (the floor given on a window that leaves out the grid's first 20 rows and 30 columns)."""
    n, cell = 400, 1000.0
    floor = np.zeros((n, n), np.float32)
    xs = -200e3 + cell * (np.arange(n) + 0.5)
    xx, yy = np.meshgrid(xs, -xs)
    floor[(np.hypot(xx, yy) > radius_m) & (xx > 50e3)] = 1e5
    return Coverage(
        np.ascontiguousarray(floor[20:, 30:]),
        np.zeros((n, n), np.float32),
        np.array([-200e3, cell, 200e3, -cell, 20, 30]),
        np.array(
            [0.0, 0.0, 10.0, physics.effective_earth_radius_m(4 / 3), 1e7, -0.5, 1.5, facing, sector / 2]
        ),
    )
