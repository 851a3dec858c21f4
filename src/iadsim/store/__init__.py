"""Results in DuckDB: runs with their manifests, per-threat outcomes and events, and Monte Carlo studies.

Every store carries a schema marker and version (:mod:`iadsim.store.schema`); any other file is refused
untouched.
"""

from iadsim.limits import MAX_SEED
from iadsim.store.runs import RunStore, StoreError, manifest
from iadsim.store.schema import VERSION
from iadsim.store.studies import StudyStore

__all__ = ["MAX_SEED", "VERSION", "RunStore", "StoreError", "StudyStore", "manifest"]
