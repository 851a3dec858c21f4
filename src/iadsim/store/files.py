"""Outputs that must not be inputs: the same file, whatever path names it (links included)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from iadsim.errors import InputError


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same existing file: the same device and inode (through symbolic
    and hard links), or, where one cannot be examined, the same resolved path."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        try:
            return a.resolve() == b.resolve()
        except (OSError, RuntimeError):
            return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def refuse_input_as_output(option: str, out: Path, inputs: Iterable[Path]) -> None:
    """Raise :class:`InputError` if the output ``out`` (given with ``option``) is one of ``inputs``."""
    for path in inputs:
        if same_file(out, path):
            shown = f"{out}" if out == path else f"{out} (the same file as {path})"
            raise InputError(f"{option}: {shown} is one of the command's inputs; it would be written over")


def catalog_files(paths: Iterable[Path]) -> list[Path]:
    """The files a list of ``--catalog`` paths names (a folder: its ``*.yaml`` and ``*.yml`` files)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        else:
            out.append(path)
    return out
