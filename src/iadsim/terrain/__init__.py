"""Terrain heights (metres above sea level) from DEM sources behind one interface, :class:`Terrain`.

Sources: the embedded GLOBE tile (default), any GeoTIFF, Copernicus DEM tiles fetched on demand, and a
flat earth. :func:`open_terrain` turns a scenario's ``terrain:`` value into a source.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iadsim.terrain.base import OutsideCoverageError, Terrain, TerrainError, cache_root
from iadsim.terrain.flat import FlatTerrain
from iadsim.terrain.geotiff import GeoTiffTerrain
from iadsim.terrain.globe import GlobeTerrain
from iadsim.terrain.grid import Grid, local_crs, local_grid_spec

if TYPE_CHECKING:
    from iadsim.terrain.copernicus import CopernicusTerrain


def __getattr__(name: str) -> Any:
    # (the Copernicus source loads the HTTP client and TLS: only when it is asked for)
    if name == "CopernicusTerrain":
        from iadsim.terrain.copernicus import CopernicusTerrain

        return CopernicusTerrain
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CHOICES = ("globe", "flat", "copernicus-90", "copernicus-30", "<path to a GeoTIFF>")


def open_terrain(spec: str | PathLike[str] = "globe", cache_dir: Path | None = None) -> Terrain:
    """The terrain source named by ``spec``: ``globe`` (embedded default), ``flat``, ``copernicus-90``,
    ``copernicus-30`` or a path to a GeoTIFF. ``cache_dir`` is the cache root (default ``$IADSIM_CACHE`` or
    ``~/.cache/iadsim``); each source keeps its files in a folder of its own under it."""
    root = Path(cache_dir) if cache_dir is not None else None
    text = str(spec).strip()
    key = text.lower()
    if key in ("", "globe"):
        return GlobeTerrain(root / "globe" if root else None)
    if key == "flat":
        return FlatTerrain()
    if key in ("copernicus-90", "copernicus-30"):
        from iadsim.terrain.copernicus import CopernicusTerrain

        res = int(key[-2:])
        return CopernicusTerrain(res, root / f"copernicus-dem-{res}m" if root else None)
    path = Path(text).expanduser()
    if path.exists() or path.suffix.lower() in (".tif", ".tiff") or isinstance(spec, PathLike):
        return GeoTiffTerrain(path)
    raise TerrainError(f"unknown terrain {text!r}; choose one of: {', '.join(CHOICES)}")


__all__ = [
    "CHOICES",
    "CopernicusTerrain",
    "FlatTerrain",
    "GeoTiffTerrain",
    "GlobeTerrain",
    "Grid",
    "OutsideCoverageError",
    "Terrain",
    "TerrainError",
    "cache_root",
    "local_crs",
    "local_grid_spec",
    "open_terrain",
]
