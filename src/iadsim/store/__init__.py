"""Results in DuckDB: runs with their manifests, per-threat outcomes and events."""

from iadsim.store.runs import RunStore, StoreError, manifest
from iadsim.store.studies import StudyStore

__all__ = ["RunStore", "StoreError", "StudyStore", "manifest"]
