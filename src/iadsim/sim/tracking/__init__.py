"""Multi-target tracking for one fusion node, one role per module in the manner of Stone Soup:
:mod:`.predictor` (predict), :mod:`.updater` (update), :mod:`.associator` (associate), :mod:`.initiator`
(initiate and confirm), :mod:`.deleter` (delete), composed by the reference :class:`Tracker`
(:mod:`.tracker`); :class:`CompiledTracker` (:mod:`.compiled`, kernels in :mod:`._kernels`) is the same
tracker in the engine's configuration compiled into one numba kernel per scan. The values they share
(tracks, a step's result, parameters) are in :mod:`.types`.
"""

from iadsim.sim.tracking.associator import Association, GNNAssociator, candidate_pairs, gate_d2
from iadsim.sim.tracking.compiled import CompiledTracker
from iadsim.sim.tracking.deleter import MissDeleter
from iadsim.sim.tracking.initiator import MOfNInitiator, velocity_std_for
from iadsim.sim.tracking.predictor import Predictor
from iadsim.sim.tracking.tracker import Tracker
from iadsim.sim.tracking.types import (
    STONESOUP_ORDER,
    Detectability,
    TrackerParams,
    TrackerStepResult,
    TrackSet,
    TrackStatus,
)
from iadsim.sim.tracking.updater import Updater, innovations, mahalanobis_d2

__all__ = [
    "STONESOUP_ORDER",
    "Association",
    "CompiledTracker",
    "Detectability",
    "GNNAssociator",
    "MOfNInitiator",
    "MissDeleter",
    "Predictor",
    "TrackSet",
    "TrackStatus",
    "Tracker",
    "TrackerParams",
    "TrackerStepResult",
    "Updater",
    "candidate_pairs",
    "gate_d2",
    "innovations",
    "mahalanobis_d2",
    "velocity_std_for",
]
