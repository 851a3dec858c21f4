"""``python -m iadsim``: the same as the ``iadsim`` command."""

from iadsim.cli import _console_script

_console_script()
