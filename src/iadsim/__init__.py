"""iadsim: an open simulator and analysis toolkit for ground-based integrated air defence."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iadsim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
