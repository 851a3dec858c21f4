"""The cited catalog of systems, radars, missiles, launchers, targets and sites."""

from iadsim.catalog.loader import Catalog, default_catalog, figures, load_catalog
from iadsim.catalog.models import (
    ENVELOPE_CLASS_OF,
    ENVELOPE_CLASSES,
    TARGET_CLASSES,
    CommandPost,
    Entity,
    Envelope,
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
    "ENVELOPE_CLASSES",
    "ENVELOPE_CLASS_OF",
    "TARGET_CLASSES",
    "Catalog",
    "CommandPost",
    "Entity",
    "Envelope",
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
