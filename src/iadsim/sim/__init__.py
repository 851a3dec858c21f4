"""Simulation layer: sensor models built from the catalog (the engine arrives with the scenario issue)."""

from iadsim.sim.sensors import DetectionRange, RadarModel, detection_range_table

__all__ = ["DetectionRange", "RadarModel", "detection_range_table"]
