"""The ``iadsim`` command line: thin commands over the library, each in its own module.

The commands, their registration and the entry point live in :mod:`iadsim.cli._app`; this package imports
nothing heavy, so that the console script can set up the interpreter (:func:`_startup.cache_bytecode`)
before the command-line framework is imported. Its public names (``main``, ``app``, ``COMMANDS``, ...) are
those of :mod:`iadsim.cli._app`.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

#: The names of :mod:`iadsim.cli._app` this package gives, imported on first use. (Only these: an import
#: of a submodule, ``from iadsim.cli import _startup``, asks the package for the name first.)
PUBLIC = frozenset({"main", "app", "help_text", "register", "COMMANDS", "SHORT_COMMANDS"})


def __getattr__(name: str) -> Any:
    if name not in PUBLIC:
        raise AttributeError(f"module 'iadsim.cli' has no attribute {name!r}")
    return getattr(importlib.import_module("iadsim.cli._app"), name)


def _console_script() -> None:
    """The ``iadsim`` command and ``python -m iadsim``."""
    from iadsim.cli import _startup

    _startup.cache_bytecode()
    from iadsim.cli._app import main

    sys.exit(main())
