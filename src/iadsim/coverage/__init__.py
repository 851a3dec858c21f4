"""Terrain-aware coverage: radar floor, detection and engagement maps."""

from iadsim.coverage.floor import Floor, radar_floor, reference_floor

__all__ = ["Floor", "radar_floor", "reference_floor"]
