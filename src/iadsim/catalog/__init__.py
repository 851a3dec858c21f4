"""The cited catalog of systems, radars, missiles, launchers, targets and sites."""

from iadsim.catalog.loader import Catalog, default_catalog, figures, load_catalog
from iadsim.catalog.models import (
    TARGET_CLASSES,
    CommandPost,
    Entity,
    Figure,
    Launcher,
    Missile,
    Radar,
    Site,
    Source,
    System,
    Target,
)

__all__ = [
    "TARGET_CLASSES",
    "Catalog",
    "CommandPost",
    "Entity",
    "Figure",
    "Launcher",
    "Missile",
    "Radar",
    "Site",
    "Source",
    "System",
    "Target",
    "default_catalog",
    "figures",
    "load_catalog",
]
