"""Where iadsim keeps what it may recompute: one rule for every cache (standard library only, so that the
command line can ask before it imports anything else)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The user cache folder: ``$IADSIM_CACHE`` if set, else ``~/.cache/iadsim``."""
    env = os.environ.get("IADSIM_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "iadsim"
