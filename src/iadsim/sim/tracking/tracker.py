"""The reference multi-target tracker of one fusion node: Kalman filter, GNN association, M-of-N
initiation, deletion, composed from one role per module.

The tracker of a command post fusing its radars (or of one radar) in a local Cartesian frame: east, north,
up, metres. The engine converts each radar's range/azimuth/elevation plots to Cartesian positions with a
converted-measurement covariance before each step.

Roles in the manner of Stone Soup, one verb each: :class:`~iadsim.sim.tracking.Predictor` (predict),
:class:`~iadsim.sim.tracking.Updater` (update), :class:`~iadsim.sim.tracking.GNNAssociator` (associate),
:class:`~iadsim.sim.tracking.MOfNInitiator` (initiate, confirm), :class:`~iadsim.sim.tracking.MissDeleter`
(delete), glued together by :class:`Tracker`. Every role works on arrays over all tracks at once (a
:class:`~iadsim.sim.tracking.TrackSet` is a structure of arrays), never on one Python object per track;
nothing inside is random.

This tracker is the readable reference: the engine steps :class:`~iadsim.sim.tracking.CompiledTracker`,
the same arithmetic in one numba kernel per scan, and tests hold the two to each other and this one to
Stone Soup.

References:

- Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*,
  Wiley, 2001 (BLK): the Kalman filter, its consistency (NEES, normalised innovation) and its initialisation
  (ch. 5); the continuous white-noise-acceleration ("nearly constant velocity") model (ch. 6).
- S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999 (B&P):
  gating, global nearest neighbour assignment, M-of-N track confirmation and track deletion.

Chapter-level citations only: the formulas are the standard ones, and the test suite checks them against
Stone Soup (the project's correctness reference) rather than against printed equation numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from iadsim.errors import InputError
from iadsim.sim.tracking.associator import GNNAssociator
from iadsim.sim.tracking.deleter import MissDeleter
from iadsim.sim.tracking.initiator import MOfNInitiator
from iadsim.sim.tracking.predictor import Predictor
from iadsim.sim.tracking.types import (
    Detectability,
    FloatArray,
    IntArray,
    TrackerParams,
    TrackerStepResult,
    TrackSet,
    TrackStatus,
    check_scan,
    readonly,
)
from iadsim.sim.tracking.updater import Updater


@dataclass(eq=False)
class Tracker:
    """Multi-target tracker of one fusion node: predict, associate, update, confirm, delete, initiate.

    Each :meth:`step` is one scan (of one sensor, or of several merged): all tracks are predicted to its
    time; confirmed tracks are associated first, tentative tracks then with the detections left (so that a
    tentative track, whose large covariance makes every detection look close, cannot take a confirmed track's
    detection); associated pairs are updated; hit and miss counts move on; the initiator confirms or fails
    tentative tracks and the deleter removes the lost ones; detections left over start tentative tracks.
    Scans must come in time order; several at the same time (``dt = 0``, e.g. one per radar) are fine.
    Missed tracks keep their prediction (as Stone Soup's trackers append the prediction on a miss).

    Attributes:
        predictor: Motion model.
        updater: Kalman update.
        associator: Data association (gate and assignment).
        initiator: Starts and confirms tracks; ``None``: detections left over are dropped and tracks only
            come from :meth:`add_tracks`.
        deleter: Deletes lost tracks.
        first_id: Id of the first track.
    """

    predictor: Predictor
    updater: Updater = field(default_factory=Updater)
    associator: GNNAssociator = field(default_factory=GNNAssociator)
    initiator: MOfNInitiator | None = field(default_factory=MOfNInitiator)
    deleter: MissDeleter = field(default_factory=MissDeleter)
    first_id: int = 0
    _tracks: TrackSet = field(init=False, repr=False)
    _next_id: int = field(init=False, repr=False)
    _time_s: float | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self._tracks = TrackSet.empty()
        self._next_id = int(self.first_id)

    @classmethod
    def from_params(cls, params: TrackerParams) -> Tracker:
        """The tracker that :class:`~iadsim.sim.tracking.CompiledTracker` compiles, with ``params``."""
        return cls(
            Predictor(params.q_m2ps3, params.ballistic_energy_jpkg, params.ballistic_q_m2ps3),
            associator=GNNAssociator(gate_probability=params.gate_probability),
            initiator=MOfNInitiator(params.m_hits, params.n_scans, params.velocity_std_mps),
            deleter=MissDeleter(params.max_misses, params.max_position_variance_m2),
        )

    @property
    def tracks(self) -> TrackSet:
        """Current tracks (tentative and confirmed), at the time of the latest step."""
        return self._tracks

    @property
    def confirmed_tracks(self) -> TrackSet:
        """Current confirmed tracks."""
        return self._tracks.select(self._tracks.confirmed)

    @property
    def time_s(self) -> float | None:
        """Time of the latest step, s (``None`` before the first)."""
        return self._time_s

    def __len__(self) -> int:
        return len(self._tracks)

    def _new_ids(self, k: int) -> IntArray:
        ids = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        return ids

    def add_tracks(
        self,
        state: ArrayLike,
        cov: ArrayLike,
        time_s: float,
        status: TrackStatus = TrackStatus.CONFIRMED,
        sensor_ids: ArrayLike = -1,
    ) -> IntArray:
        """Add tracks with known ``state`` ``(k, 6)`` (m, m/s) and ``cov`` ``(k, 6, 6)`` at ``time_s`` (s);
        their ids."""
        x = np.array(state, dtype=np.float64, ndmin=2)
        p = np.array(cov, dtype=np.float64, ndmin=3)
        if x.shape[1:] != (6,) or p.shape != (x.shape[0], 6, 6):
            raise InputError(f"state must be (k, 6) and cov (k, 6, 6), got {x.shape} and {p.shape}")
        if self._time_s is not None and time_s < self._time_s:
            raise InputError(f"tracks at {time_s} s are older than the tracker's time {self._time_s} s")
        ids = self._new_ids(x.shape[0])
        self._tracks = self._tracks.concat(
            TrackSet.new(ids, x, p, time_s, status=status, sensor_id=sensor_ids)
        )
        return ids

    def drop(self, track_id: int) -> bool:
        """Delete a track now (e.g. a kill assessed); whether it was there."""
        there = self._tracks.ids == track_id
        self._tracks = self._tracks.select(~there)
        return bool(there.any())

    def _associate(self, tracks: TrackSet, z: FloatArray, r: FloatArray) -> IntArray:
        """``(n,)`` detection row of each predicted track (``-1``: none): confirmed tracks first, then
        tentative tracks with the detections left."""
        det_of_track = np.full(len(tracks), -1, np.int64)
        free = np.ones(z.shape[0], bool)
        for group in (tracks.confirmed, ~tracks.confirmed):
            rows, cols = group.nonzero()[0], free.nonzero()[0]
            a = self.associator.associate(tracks.state[rows], tracks.cov[rows], z[cols], r[cols])
            det_of_track[rows[a.track_index]] = cols[a.detection_index]
            free[cols[a.detection_index]] = False
        return det_of_track

    def step(
        self,
        time_s: float,
        positions_m: ArrayLike,
        covariances_m2: ArrayLike,
        *,
        sensor_ids: ArrayLike | None = None,
        rcs_m2: ArrayLike | None = None,
        coverage: Detectability | None = None,
    ) -> TrackerStepResult:
        """Process one scan of detections (the same signature and result as
        :meth:`iadsim.sim.tracking.CompiledTracker.step`).

        Args:
            time_s: Time of the scan, s (not before the previous scan).
            positions_m: ``(m, 3)`` detected positions (east, north, up), m.
            covariances_m2: ``(m, 3, 3)`` their measurement covariances ``R``, m^2.
            sensor_ids: Integer id of the sensor of each detection, one for all or ``(m,)`` (kept on the
                track it updates; ``None``: ``-1``, unknown).
            rcs_m2: ``(m,)`` RCS of the target of each detection as the sensor gives it (m², NaN or
                ``None``: unknown); a track keeps its latest finite value.
            coverage: What the scan could have detected (:class:`~iadsim.sim.tracking.Detectability`),
                asked with the tracks' predicted positions and RCS when some track got no detection: a
                track it could not have detected and that got no detection is neither missed nor counted
                in the M-of-N window. ``None``: every track is covered.

        Returns:
            The detections' tracks and the ids of tracks updated, missed, started, confirmed and deleted.
        """
        t, z, r, sid, rcs = check_scan(self._time_s, time_s, positions_m, covariances_m2, sensor_ids, rcs_m2)
        m = z.shape[0]

        # Predict every track to the scan, then associate.
        tracks = self.predictor.predict(self._tracks, t)
        n = len(tracks)
        det_of_track = self._associate(tracks, z, r)
        hit = det_of_track >= 0
        rows = hit.nonzero()[0]
        dets = det_of_track[rows]

        # Update the associated tracks.
        state, cov = tracks.state.copy(), tracks.cov.copy()
        state[rows], cov[rows] = self.updater.update_arrays(state[rows], cov[rows], z[dets], r[dets])
        sensor, track_rcs = tracks.sensor_id.copy(), tracks.rcs_m2.copy()
        sensor[rows] = sid[dets]
        track_rcs[rows] = np.where(np.isfinite(rcs[dets]), rcs[dets], track_rcs[rows])

        # Count hits and misses: a scan counts for a track it updated or could have detected.
        covered = np.ones(n, bool)
        if coverage is not None and not hit.all():
            covered = np.asarray(coverage.detectable(readonly(tracks.position_m), tracks.rcs_m2), dtype=bool)
            if covered.shape != (n,):
                raise InputError(f"coverage.detectable must return shape ({n},), got {covered.shape}")
        counted = hit | covered
        missed = counted & ~hit
        shifted = (tracks.history << np.uint64(1)) | hit.astype(np.uint64)
        tracks = tracks.replace(
            state=state,
            cov=cov,
            hits=tracks.hits + hit,
            misses=np.where(hit, 0, tracks.misses + missed),
            scans=tracks.scans + counted,
            history=np.where(counted, shifted, tracks.history),
            updated_s=np.where(hit, t, tracks.updated_s),
            sensor_id=sensor,
            rcs_m2=track_rcs,
        )
        detection_track = np.full(m, -1, np.int64)
        detection_track[dets] = tracks.ids[rows]

        # Confirm or fail tentative tracks (the initiator's M-of-N rule), delete lost ones.
        confirmed_now = failed = np.zeros(n, bool)
        if self.initiator is not None:
            confirmed_now = self.initiator.confirms(tracks)
            failed = self.initiator.fails(tracks) & ~confirmed_now
            tracks = tracks.replace(status=np.where(confirmed_now, TrackStatus.CONFIRMED, tracks.status))
        delete = self.deleter.deletes(tracks) | failed
        result_ids = {
            "updated_ids": tracks.ids[rows],
            "missed_ids": tracks.ids[missed],
            "confirmed_ids": tracks.ids[confirmed_now & ~delete],
            "deleted_ids": tracks.ids[delete],
        }
        tracks = tracks.select(~delete)

        # Initiate tracks on the detections left.
        new_ids = np.empty(0, np.int64)
        if self.initiator is not None:
            left = np.ones(m, bool)
            left[dets] = False
            cols = left.nonzero()[0]
            new_ids = self._new_ids(cols.size)
            tracks = tracks.concat(
                self.initiator.initiate(new_ids, t, z[cols], r[cols], sid[cols], rcs[cols])
            )
            detection_track[cols] = new_ids
            if self.initiator.m_hits == 1:
                result_ids["confirmed_ids"] = np.concatenate([result_ids["confirmed_ids"], new_ids])

        self._tracks = tracks
        self._time_s = t
        return TrackerStepResult(
            time_s=t,
            detection_track_ids=readonly(detection_track),
            new_ids=readonly(new_ids),
            **{name: readonly(ids) for name, ids in result_ids.items()},
        )
