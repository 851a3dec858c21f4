"""Radar models built from catalog figures: calibrated SNR, Pd and detection range over a k-factor earth."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim import physics
from iadsim.catalog import Catalog, Figure, Radar, Target
from iadsim.errors import InputError

FloatArray = NDArray[np.float64]

#: Mast height used when the catalog gives none for a radar, metres (flagged in outputs).
DEFAULT_MAST_M = 10.0


def _catalog_value(_path: str, fig: Figure) -> float:
    return fig.value


@lru_cache(maxsize=256)
def _required_snr_db(pd: float, pfa: float, swerling: int) -> float:
    return float(physics.required_snr_db(pd, pfa, 1, swerling))


def limiting_factor(free_space_m: float, horizon_m: float, instrumented_m: float) -> str:
    """Name of the smallest of the three range limits (ties go to the earlier name)."""
    limits = {"power": free_space_m, "horizon": horizon_m, "instrumented": instrumented_m}
    return min(limits, key=limits.__getitem__)


@dataclass(frozen=True)
class DetectionRange:
    """One row of a detection-range table (metres)."""

    radar: str
    target: str
    rcs_m2: float
    swerling: int
    altitude_m: float
    pd: float
    free_space_m: float
    horizon_m: float
    instrumented_m: float
    detection_m: float
    ring_m: float | None

    @property
    def limited_by(self) -> str:
        """Which limit sets the detection range: ``"power"``, ``"horizon"`` or ``"instrumented"``."""
        return limiting_factor(self.free_space_m, self.horizon_m, self.instrumented_m)

    def as_dict(self) -> dict[str, object]:
        """The row's fields and ``limited_by``, for JSON and CSV."""
        return {**asdict(self), "limited_by": self.limited_by}


@dataclass(frozen=True)
class RadarModel:
    """A radar as the physics sees it, calibrated from its catalog entry.

    The catalog's published detection range ``reference_range_m`` against ``reference_rcs_m2`` at
    ``reference_pd`` (false-alarm probability ``pfa``, fluctuation ``reference_swerling``, one look) fixes the
    SNR at that point; :func:`iadsim.physics.calibrated_snr_db` scales it with RCS and range.
    """

    id: str
    name: str
    reference_range_m: float
    reference_rcs_m2: float
    reference_pd: float
    pfa: float
    mast_height_m: float
    min_elevation_rad: float
    max_elevation_rad: float
    instrumented_range_m: float = float("inf")
    reference_swerling: int = 1
    sector_rad: float = 2 * np.pi

    @classmethod
    def from_catalog(
        cls,
        radar: Radar,
        mast_height_m: float | None = None,
        read: Callable[[str, Figure], float] = _catalog_value,
    ) -> RadarModel:
        """Build the model of a catalog radar; ``mast_height_m`` overrides the catalog's antenna height;
        ``read`` gives the value of each figure (its field name, the figure; the catalog's by default)."""
        if mast_height_m is None:
            mast_height_m = (
                read("mast_height_m", radar.mast_height_m) if radar.mast_height_m else DEFAULT_MAST_M
            )
        if mast_height_m < 0:
            raise InputError(f"mast height must be non-negative, got {mast_height_m} m")
        pfa = read("reference_pfa", radar.reference_pfa)
        swerling = int(read("reference_swerling", radar.reference_swerling))
        instrumented = radar.instrumented_range_m
        sector = radar.azimuth_sector_deg
        return cls(
            id=radar.id,
            name=radar.name,
            reference_range_m=read("reference_range_m", radar.reference_range_m),
            reference_rcs_m2=read("reference_rcs_m2", radar.reference_rcs_m2),
            reference_pd=read("reference_pd", radar.reference_pd),
            pfa=pfa,
            mast_height_m=float(mast_height_m),
            min_elevation_rad=float(np.radians(read("min_elevation_deg", radar.min_elevation_deg))),
            max_elevation_rad=float(np.radians(read("max_elevation_deg", radar.max_elevation_deg))),
            instrumented_range_m=(
                read("instrumented_range_m", instrumented) if instrumented is not None else float("inf")
            ),
            reference_swerling=swerling,
            sector_rad=float(np.radians(read("azimuth_sector_deg", sector))) if sector else 2 * np.pi,
        )

    @cached_property
    def reference_snr_db(self) -> float:
        """Single-look SNR (dB) of the reference target at the reference range: the SNR that gives
        ``reference_pd`` at ``pfa`` for Swerling case ``reference_swerling``
        (:func:`iadsim.physics.required_snr_db`), computed on first use (it needs SciPy)."""
        return _required_snr_db(self.reference_pd, self.pfa, self.reference_swerling)

    @property
    def snr_1m2_at_1m_db(self) -> float:
        """Single-look SNR (dB) of a 1 m² target at 1 m: the radar equation's constant, from which
        ``SNR = snr_1m2_at_1m_db + 10 log10(sigma) - 40 log10(R)``
        (:func:`iadsim.physics.calibrated_snr_db`)."""
        return float(self.snr_db(1.0, 1.0))

    def snr_db(self, range_m: ArrayLike, rcs_m2: ArrayLike) -> FloatArray:
        """Mean single-look SNR (dB) at a slant range against an RCS (free space)."""
        return physics.calibrated_snr_db(
            range_m, rcs_m2, self.reference_range_m, self.reference_rcs_m2, self.reference_snr_db
        )

    def detection_probability(self, range_m: ArrayLike, rcs_m2: ArrayLike, swerling: int) -> FloatArray:
        """Single-look Pd at a slant range (free space, no horizon) for a target's RCS and Swerling case."""
        return physics.detection_probability(self.snr_db(range_m, rcs_m2), self.pfa, 1, swerling)

    def free_space_range_m(self, rcs_m2: ArrayLike, pd: float, swerling: int) -> FloatArray:
        """Range (m) at which the single-look Pd against ``rcs_m2`` falls to ``pd``; ``pd`` must exceed the
        radar's false-alarm probability (no SNR gives less)."""
        if not self.pfa < pd < 1:
            raise InputError(
                f"a detection probability of {pd:g} is not above the {self.id}'s false-alarm probability "
                f"{self.pfa:g}, or not below 1"
            )
        snr = physics.required_snr_db(pd, self.pfa, 1, swerling)
        return physics.calibrated_range_m(
            snr, rcs_m2, self.reference_range_m, self.reference_rcs_m2, self.reference_snr_db
        )

    def horizon_m(self, target_height_m: ArrayLike, k: float = physics.STANDARD_K) -> FloatArray:
        """Radar horizon (m) to a target height above the smooth earth, antenna at the mast height."""
        return physics.radar_horizon_m(self.mast_height_m, target_height_m, k)

    def detection_ranges(
        self,
        target: str,
        rcs_m2: float,
        swerling: int,
        altitudes_m: Sequence[float],
        pd: float = 0.5,
        k: float = physics.STANDARD_K,
        ring_m: float | None = None,
    ) -> list[DetectionRange]:
        """Detection range at each altitude over a smooth k-factor earth.

        The smallest of the free-space range at which single-look Pd falls to ``pd``, the radar horizon to
        the altitude, and the instrumented range. ``target`` labels the rows; ``ring_m`` is carried along.
        """
        if not 0.0 < pd < 1.0:
            raise InputError(f"pd must lie strictly between 0 and 1, got {pd}")
        if any(a < 0 for a in altitudes_m):
            raise InputError(f"altitudes must be non-negative, got {list(altitudes_m)}")
        free = float(self.free_space_range_m(rcs_m2, pd, swerling))
        horizon = self.horizon_m(np.asarray(altitudes_m, dtype=float), k)
        return [
            DetectionRange(
                radar=self.id,
                target=target,
                rcs_m2=rcs_m2,
                swerling=swerling,
                altitude_m=float(alt),
                pd=pd,
                free_space_m=free,
                horizon_m=float(hor),
                instrumented_m=self.instrumented_range_m,
                detection_m=min(free, float(hor), self.instrumented_range_m),
                ring_m=ring_m,
            )
            for alt, hor in zip(altitudes_m, horizon, strict=True)
        ]


def detection_range_table(
    catalog: Catalog,
    radar_ids: Sequence[str],
    targets: Sequence[Target],
    altitudes_m: Sequence[float],
    pd: float = 0.5,
    k: float = physics.STANDARD_K,
    mast_height_m: float | None = None,
    ring_m: float | None = None,
) -> list[DetectionRange]:
    """:meth:`RadarModel.detection_ranges` for every (radar, target) pair, radars outermost."""
    rows = []
    for rid in radar_ids:
        model = RadarModel.from_catalog(catalog.radar(rid), mast_height_m)
        for target in targets:
            rows += model.detection_ranges(
                target.id, target.rcs_m2.value, int(target.swerling.value), altitudes_m, pd, k, ring_m
            )
    return rows
