"""Results in DuckDB: runs with their manifests, per-threat outcomes and events."""

from iadsim.store.runs import RunStore, manifest

__all__ = ["RunStore", "manifest"]
