"""Radar models built from catalog figures: calibrated SNR, Pd and detection range over a k-factor earth,
with the surface's multipath, diffraction and clutter (:class:`Environment`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim import physics
from iadsim.catalog import FREE_SPACE_SURFACE, Catalog, Figure, Radar, Surface, Target, band_centre_hz
from iadsim.errors import InputError

if TYPE_CHECKING:
    from iadsim.physics.multipath import ElevationBeam

FloatArray = NDArray[np.float64]

#: Mast height used when the catalog gives none for a radar, metres (flagged in outputs).
DEFAULT_MAST_M = 10.0
#: Beam and clutter-cell figures used when the catalog gives none for a radar (each built-in radar gives
#: them): half-power elevation and azimuth beamwidths (degrees), range resolution (m), clutter improvement
#: factor (dB).
DEFAULT_ELEVATION_BEAMWIDTH_DEG = 2.0
DEFAULT_AZIMUTH_BEAMWIDTH_DEG = 1.5
DEFAULT_RANGE_RESOLUTION_M = 150.0
DEFAULT_IMPROVEMENT_FACTOR_DB = 45.0


def _catalog_value(_path: str, fig: Figure) -> float:
    return fig.value


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


@lru_cache(maxsize=256)
def _required_snr_db(pd: float, pfa: float, swerling: int) -> float:
    return float(physics.required_snr_db(pd, pfa, 1, swerling))


def limiting_factor(free_space_m: float, horizon_m: float, instrumented_m: float) -> str:
    """Name of the smallest of the three range limits (ties go to the earlier name)."""
    limits = {"power": free_space_m, "horizon": horizon_m, "instrumented": instrumented_m}
    return min(limits, key=limits.__getitem__)


@dataclass(frozen=True)
class SurfaceModel:
    """A catalog surface as the physics sees it (:class:`iadsim.catalog.Surface`): electrical constants,
    rms height (m) and constant-gamma clutter reflectivity at 10 GHz (dB)."""

    id: str
    kind: str
    relative_permittivity: float
    conductivity_s_per_m: float
    rms_height_m: float
    gamma_db: float

    @classmethod
    def from_catalog(
        cls, surface: Surface, read: Callable[[str, Figure], float] = _catalog_value
    ) -> SurfaceModel:
        """From a catalog surface; ``read`` gives the value of each figure (the catalog's by default)."""
        return cls(
            id=surface.id,
            kind=surface.kind,
            relative_permittivity=read("relative_permittivity", surface.relative_permittivity),
            conductivity_s_per_m=read("conductivity_s_per_m", surface.conductivity_s_per_m),
            rms_height_m=read("rms_height_m", surface.rms_height_m),
            gamma_db=read("gamma_db", surface.gamma_db),
        )


@dataclass(frozen=True)
class Environment:
    """What a radar's signal meets besides range: the refraction (k-factor) and the surface under it.

    With a ``surface``, the free-space SNR gets the two-way pattern propagation factor ``40 log10 F``
    (reflection from the surface, lobing, the loss near grazing and diffraction beyond the horizon:
    :func:`iadsim.physics.multipath.propagation_factor`) when ``multipath`` is on, and loses what the
    surface's clutter left after the radar's clutter suppression takes (:mod:`iadsim.physics.clutter`) when
    ``clutter`` is on. Without one (:data:`FREE_SPACE`), detection is free space up to the line of sight.
    """

    k: float = physics.STANDARD_K
    surface: SurfaceModel | None = None
    multipath: bool = True
    clutter: bool = True

    @property
    def free_space(self) -> bool:
        """Whether nothing but range and the line of sight limits detection."""
        return self.surface is None or not (self.multipath or self.clutter)

    @classmethod
    def of(
        cls,
        catalog: Catalog,
        surface_id: str,
        k: float = physics.STANDARD_K,
        multipath: bool = True,
        clutter: bool = True,
        read: Callable[[str, Figure], float] | None = None,
    ) -> Environment:
        """The environment over the catalog surface ``surface_id``, or free space for
        :data:`~iadsim.catalog.FREE_SPACE_SURFACE`; ``read`` gives the value of each of the surface's
        figures (the catalog's by default, :meth:`SurfaceModel.from_catalog`)."""
        surface = None
        if surface_id != FREE_SPACE_SURFACE:
            entry = catalog.surface(surface_id)
            surface = (
                SurfaceModel.from_catalog(entry) if read is None else SurfaceModel.from_catalog(entry, read)
            )
        return cls(k=k, surface=surface, multipath=multipath, clutter=clutter)

    def describe(self) -> str:
        """A few words for tables and plots: the surface and what of it is modelled."""
        if self.free_space or self.surface is None:
            return "free space"
        parts = [p for p, on in (("multipath", self.multipath), ("clutter", self.clutter)) if on]
        return f"{self.surface.id} ({' and '.join(parts)})"


#: No surface: free-space detection up to the line of sight, k = 4/3.
FREE_SPACE = Environment()

#: Cosine of the half-width of the nose and tail sectors (45 degrees; :data:`iadsim.catalog.models.Aspect`).
_ASPECT_COS = float(np.cos(np.radians(45.0)))


def aspect_index(heading: ArrayLike, to_radar: ArrayLike) -> NDArray[np.int8]:
    """Aspect sector under which a radar sees targets: 0 nose, 1 beam, 2 tail
    (:data:`iadsim.catalog.ASPECTS`).

    ``heading`` ``(..., 3)`` is each target's direction of flight and ``to_radar`` ``(..., 3)`` the vector
    from it to the radar: nose where the angle between them is at most 45 degrees, tail where it is at
    least 135, beam in between. A target that does not move is seen nose-on.
    """
    h = _f(heading)
    v = _f(to_radar)
    dot = np.sum(h * v, axis=-1)
    norm = np.linalg.norm(h, axis=-1) * np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(norm > 0, dot / norm, 1.0)
    return np.asarray(np.where(c >= _ASPECT_COS, 0, np.where(c <= -_ASPECT_COS, 2, 1)), dtype=np.int8)


@dataclass(frozen=True)
class DetectionRange:
    """One row of a detection-range table (metres).

    ``detection_m`` is the detection range: in free space the smallest of the free-space range, the
    horizon and the instrumented range; over a surface (``environment`` not ``"free space"``) the outer
    edge of the coverage with multipath, diffraction and clutter (:meth:`RadarModel.detection_range_m`).
    """

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
    aspect: str = "nose"
    band: str = ""
    environment: str = "free space"

    @property
    def limited_by(self) -> str:
        """Which limit sets the detection range: ``"power"``, ``"horizon"``, ``"instrumented"``, or
        ``"surface"`` where multipath, diffraction or clutter bring it below all three."""
        smallest = min(self.free_space_m, self.horizon_m, self.instrumented_m)
        if self.detection_m < smallest * (1 - 1e-3):
            return "surface"
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
    band: str = "S"
    frequency_hz: float = 3e9
    polarization: str = "H"
    elevation_beamwidth_rad: float = float(np.radians(DEFAULT_ELEVATION_BEAMWIDTH_DEG))
    beam_elevation_rad: float = float(np.radians(DEFAULT_ELEVATION_BEAMWIDTH_DEG / 2))
    azimuth_beamwidth_rad: float = float(np.radians(DEFAULT_AZIMUTH_BEAMWIDTH_DEG))
    range_resolution_m: float = DEFAULT_RANGE_RESOLUTION_M
    improvement_factor_db: float = DEFAULT_IMPROVEMENT_FACTOR_DB

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

        def angle(name: str, fig: Figure | None, default_deg: float) -> float:
            return float(np.radians(read(name, fig) if fig is not None else default_deg))

        beamwidth = angle(
            "elevation_beamwidth_deg", radar.elevation_beamwidth_deg, DEFAULT_ELEVATION_BEAMWIDTH_DEG
        )
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
            band=radar.radar_band,
            frequency_hz=(
                read("frequency_hz", radar.frequency_hz)
                if radar.frequency_hz is not None
                else band_centre_hz(radar.radar_band)
            ),
            polarization=radar.polarization,
            elevation_beamwidth_rad=beamwidth,
            beam_elevation_rad=angle(
                "beam_elevation_deg", radar.beam_elevation_deg, np.degrees(beamwidth) / 2
            ),
            azimuth_beamwidth_rad=angle(
                "azimuth_beamwidth_deg", radar.azimuth_beamwidth_deg, DEFAULT_AZIMUTH_BEAMWIDTH_DEG
            ),
            range_resolution_m=(
                read("range_resolution_m", radar.range_resolution_m)
                if radar.range_resolution_m is not None
                else DEFAULT_RANGE_RESOLUTION_M
            ),
            improvement_factor_db=(
                read("improvement_factor_db", radar.improvement_factor_db)
                if radar.improvement_factor_db is not None
                else DEFAULT_IMPROVEMENT_FACTOR_DB
            ),
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

    def environment_loss_db(
        self,
        ground_m: ArrayLike,
        target_height_m: ArrayLike,
        env: Environment,
        radar_height_m: ArrayLike | None = None,
    ) -> FloatArray:
        """What the surface takes from the free-space SNR (dB; negative where lobing adds) at targets a
        ground range (m, along the k-factor earth) from the radar and a height above the reflecting
        surface (m), the antenna ``radar_height_m`` above it (the mast height by default).

        ``-40 log10 F`` (multipath and diffraction, :func:`iadsim.physics.multipath.propagation_factor`
        with the radar's frequency, polarisation and lowest beam) plus ``10 log10(1 + CNR / I)`` (clutter,
        :func:`iadsim.physics.clutter.clutter_loss_db`). The clutter competing with a target is the
        surface at the same slant range, in a cell ``R theta_az dR sec(psi)`` with constant-gamma
        reflectivity, seen through the two-way elevation pattern of the beam that looks at the target:
        the lowest beam for targets below its axis, a beam on the target above it. The clutter-to-noise
        ratio follows from the calibrated radar equation (the clutter cell as a target of RCS
        ``sigma0 A``). Zero in free space (``env.free_space``).
        """
        from iadsim.physics import clutter, multipath

        hr = _f(self.mast_height_m if radar_height_m is None else radar_height_m)
        ht = np.maximum(_f(target_height_m), 0.0)
        g = np.maximum(_f(ground_m), 0.0)
        loss = np.zeros(np.broadcast_shapes(hr.shape, ht.shape, g.shape))
        surf = env.surface
        if env.free_space or surf is None:
            return loss
        if env.multipath:
            loss = loss - multipath.two_way_propagation_factor_db(
                hr,
                ht,
                g,
                self.frequency_hz,
                polarization=self.polarization,
                surface=multipath.Surface(
                    max(surf.relative_permittivity, 1.0), surf.conductivity_s_per_m, surf.rms_height_m
                ),
                k=env.k,
                beam=self.beam,
            )
        if env.clutter:
            slant = np.maximum(physics.slant_range_from_ground_m(g, ht, hr, env.k), 1.0)
            psi = clutter.grazing_angle_rad(slant, hr, env.k)
            seen = np.isfinite(psi)
            psi = np.where(seen, psi, 0.0)
            el_target = physics.elevation_angle_rad(slant, ht, hr, env.k)
            el_clutter = physics.elevation_angle_rad(slant, 0.0, hr, env.k)
            axis = np.maximum(el_target, self.beam_elevation_rad)
            gain = np.abs(
                multipath.ElevationBeam(0.0, self.elevation_beamwidth_rad).pattern(el_clutter - axis)
            )
            sigma0 = clutter.constant_gamma_sigma0(clutter.gamma_at_db(surf.gamma_db, self.frequency_hz), psi)
            area = clutter.clutter_area_m2(slant, self.azimuth_beamwidth_rad, self.range_resolution_m, psi)
            with np.errstate(divide="ignore"):
                cnr = self.snr_db(slant, np.maximum(sigma0 * area, 1e-300)) + 40 * np.log10(
                    np.maximum(gain, 1e-15)
                )
            loss = loss + np.where(seen, clutter.clutter_loss_db(cnr, self.improvement_factor_db), 0.0)
        return np.asarray(loss)

    def terrain_loss_db(
        self,
        ground_m: ArrayLike,
        antenna_amsl_m: ArrayLike,
        radar_ground_amsl_m: ArrayLike,
        target_amsl_m: ArrayLike,
        target_ground_amsl_m: ArrayLike,
        env: Environment,
    ) -> FloatArray:
        """:meth:`environment_loss_db` over real terrain, heights above sea level (m): the reflecting
        surface is taken level at the lower of the ground under the radar and the ground under the target,
        and the antenna's and the target's heights are measured from it (the line of sight over the
        terrain itself is the floor's business, not this one's)."""
        surface = np.minimum(_f(radar_ground_amsl_m), _f(target_ground_amsl_m))
        return self.environment_loss_db(
            ground_m,
            np.maximum(_f(target_amsl_m) - surface, 0.0),
            env,
            radar_height_m=np.maximum(_f(antenna_amsl_m) - surface, 0.0),
        )

    @property
    def beam(self) -> ElevationBeam:
        """The radar's elevation pattern (:class:`iadsim.physics.multipath.ElevationBeam`): the lowest
        beam, its axis at ``beam_elevation_rad``, which a beam on the target replaces above that axis."""
        from iadsim.physics import multipath

        return multipath.ElevationBeam(self.beam_elevation_rad, self.elevation_beamwidth_rad, steered=True)

    def detection_range_m(
        self,
        rcs_m2: float,
        swerling: int,
        pd: float,
        target_height_m: float,
        env: Environment = FREE_SPACE,
        samples: int = 4000,
    ) -> float:
        """Farthest slant range (m) at which a target at a height above the surface (m) is detected with
        single-look probability at least ``pd``: within the line of sight over the smooth k-factor earth
        and the instrumented range, the SNR less :meth:`environment_loss_db` at least the SNR that ``pd``
        needs. With lobing the coverage may have holes inside it: this is its outer edge (0 if none).
        Sampled at ``samples`` ground ranges out to the line of sight."""
        if not self.pfa < pd < 1:
            raise InputError(f"pd {pd:g} must lie between the false-alarm probability {self.pfa:g} and 1")
        required = float(physics.required_snr_db(pd, self.pfa, 1, swerling))
        free = float(self.free_space_range_m(rcs_m2, pd, swerling))
        horizon = float(self.horizon_m(target_height_m, env.k))
        limit = min(horizon, self.instrumented_range_m)
        if env.free_space:
            return min(free, limit)
        reach = min(limit, 2.0 * free)  # lobing adds at most 12 dB: 2 x the free-space range
        ground_max = float(physics.ground_range_m(reach, target_height_m, self.mast_height_m, env.k))
        ground = np.linspace(ground_max / samples, ground_max, samples)
        slant = physics.slant_range_from_ground_m(ground, target_height_m, self.mast_height_m, env.k)
        snr = self.snr_db(slant, rcs_m2) - self.environment_loss_db(ground, target_height_m, env)
        ok = (snr >= required) & (slant <= limit * (1 + 1e-12))
        return float(slant[ok].max()) if ok.any() else 0.0

    def vertical_coverage(
        self,
        rcs_m2: float,
        swerling: int,
        pd: float,
        env: Environment,
        elevations: int = 450,
        ranges: int = 1000,
    ) -> physics.VerticalCoverage:
        """Vertical coverage diagram over the surface (the Blake chart with lobing that MATLAB's
        ``radarvcd`` draws): along each of ``elevations`` rays between the radar's elevation limits, the
        farthest slant range (of ``ranges`` samples out to twice the free-space range, the instrumented
        range or 1,000 km) at which the single-look Pd reaches ``pd`` after :meth:`environment_loss_db`;
        traced out along the lowest ray, round the ray ends and back along the highest. Two thirds of the
        rays lie within five degrees of the lowest, where the lobes are (they are ``lambda / (2 h)`` rad
        apart: 0.12 degrees for an S-band antenna 24 m up)."""
        required = float(physics.required_snr_db(pd, self.pfa, 1, swerling))
        free = float(self.free_space_range_m(rcs_m2, pd, swerling))
        reach = min(free if env.free_space else 2.0 * free, self.instrumented_range_m, 1e6)
        re = physics.effective_earth_radius_m(env.k)
        grazing = -float(np.arccos(re / (re + self.mast_height_m)))
        lo = max(self.min_elevation_rad, grazing)
        split = min(lo + np.radians(5.0), self.max_elevation_rad)
        dense = (2 * elevations) // 3
        el = np.concatenate(
            [
                np.linspace(lo, split, dense, endpoint=False),
                np.linspace(split, self.max_elevation_rad, elevations - dense),
            ]
        )
        r = np.linspace(reach / ranges, reach, ranges)
        height = physics.target_height_m(r[None, :], el[:, None], self.mast_height_m, env.k)
        height = np.maximum(height, 0.0)
        ground = physics.ground_range_m(r[None, :], height, self.mast_height_m, env.k)
        snr = self.snr_db(r[None, :], rcs_m2) - self.environment_loss_db(ground, height, env)
        ok = snr >= required
        last = np.where(ok.any(axis=1), ranges - 1 - np.argmax(ok[:, ::-1], axis=1), -1)
        edge = np.where(last >= 0, r[np.maximum(last, 0)], 0.0)
        slant = np.concatenate([np.linspace(0.0, edge[0], 64), edge, np.linspace(edge[-1], 0.0, 64)])
        elevation = np.concatenate([np.full(64, el[0]), el, np.full(64, el[-1])])
        h = np.maximum(physics.target_height_m(slant, elevation, self.mast_height_m, env.k), 0.0)
        g = physics.ground_range_m(slant, h, self.mast_height_m, env.k)
        return physics.VerticalCoverage(elevation, slant, g, h)

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
        env: Environment | None = None,
        aspect: str = "nose",
    ) -> list[DetectionRange]:
        """Detection range at each altitude (above the surface) over a smooth k-factor earth.

        In free space (``env`` ``None`` or free space, refraction ``k``) the smallest of the free-space
        range at which single-look Pd falls to ``pd``, the radar horizon to the altitude and the
        instrumented range; over a surface, :meth:`detection_range_m` (``env.k`` then). ``target`` and
        ``aspect`` label the rows; ``ring_m`` is carried along.
        """
        if not 0.0 < pd < 1.0:
            raise InputError(f"pd must lie strictly between 0 and 1, got {pd}")
        if any(a < 0 for a in altitudes_m):
            raise InputError(f"altitudes must be non-negative, got {list(altitudes_m)}")
        env = env if env is not None else Environment(k=k)
        free = float(self.free_space_range_m(rcs_m2, pd, swerling))
        horizon = self.horizon_m(np.asarray(altitudes_m, dtype=float), env.k)
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
                detection_m=(
                    min(free, float(hor), self.instrumented_range_m)
                    if env.free_space
                    else self.detection_range_m(rcs_m2, swerling, pd, float(alt), env)
                ),
                ring_m=ring_m,
                aspect=aspect,
                band=self.band,
                environment=env.describe(),
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
