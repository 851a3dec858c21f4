"""Terrain-aware coverage: radar floor, detection and engagement maps."""

from iadsim.coverage.floor import Floor, geotiff_floor, radar_floor, reference_floor, site_floor

__all__ = ["Floor", "geotiff_floor", "radar_floor", "reference_floor", "site_floor"]
