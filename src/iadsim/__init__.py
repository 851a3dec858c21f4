"""iadsim: an open simulator and analysis toolkit for ground-based integrated air defence."""

from __future__ import annotations

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    # the version is read from the installed metadata on first use only (it costs an import)
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("iadsim")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'iadsim' has no attribute {name!r}")
