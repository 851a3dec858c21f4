"""Command help: docstring paragraphs reach the terminal as paragraphs that it wraps."""

from __future__ import annotations

from typing import Any

import iadsim.cli as cli_module
from iadsim.cli import help_text


def test_paragraphs_are_joined_and_lists_kept() -> None:
    doc = """First line
    goes on.

    Second paragraph
    over two lines.

    - a list
    - kept
    """
    assert help_text(doc) == "First line goes on.\n\nSecond paragraph over two lines.\n\n- a list\n- kept"
    assert help_text(None) is None and help_text("") == ""


def test_registered_commands_carry_the_joined_help(cli: Any) -> None:
    assert cli("--help").code == 0  # registers every command
    from iadsim.cli.coverage import map_
    from iadsim.cli.radar import validate_radar

    by_name = {c.name: c for c in cli_module.app.registered_commands}
    assert by_name["validate-radar"].help == help_text(validate_radar.__doc__)
    assert "\n" not in str(by_name["validate-radar"].help).split("\n\n")[1]
    group = next(g for g in cli_module.app.registered_groups if g.name == "coverage")
    sub = {c.name or c.callback.__name__: c for c in group.typer_instance.registered_commands}  # type: ignore[union-attr]
    assert any(c.help == help_text(map_.__doc__) for c in sub.values())
