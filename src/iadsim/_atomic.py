"""Write files so that a failure never leaves a half-written result in place, and never over an input."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from iadsim.errors import InputError

#: Identities (see :func:`_identities`) of the files the running command reads: never written over.
_INPUTS: ContextVar[frozenset[tuple[object, ...]]] = ContextVar("iadsim_inputs", default=frozenset())


def _identities(path: Path) -> set[tuple[object, ...]]:
    """What makes two paths the same file: the resolved path (through symbolic links) and, for a file
    that exists, its device and inode (through hard links too)."""
    out: set[tuple[object, ...]] = {("path", str(Path(path).expanduser().resolve()))}
    try:
        st = os.stat(path)
    except OSError:
        return out
    out.add(("inode", st.st_dev, st.st_ino))
    return out


@contextmanager
def inputs(paths: Iterable[Path | str | None]) -> Iterator[None]:
    """While inside, :func:`atomic_path` refuses to write over any of ``paths`` (the files a command
    reads); folders and ``None`` are ignored. Context-local: threads started inside must run in a copy of
    the context (``contextvars.copy_context().run``) to keep the protection."""
    token = _INPUTS.set(_INPUTS.get() | _files(paths))
    try:
        yield
    finally:
        _INPUTS.reset(token)


def protect(paths: Iterable[Path | str | None]) -> None:
    """Add ``paths`` to the inputs of the current context for as long as it lasts (a command line runs
    each command in a context of its own: what its root options read, every command must not write)."""
    _INPUTS.set(_INPUTS.get() | _files(paths))


def _files(paths: Iterable[Path | str | None]) -> set[tuple[object, ...]]:
    ids: set[tuple[object, ...]] = set()
    for p in paths:
        if p is not None and not Path(p).is_dir():
            ids |= _identities(Path(p))
    return ids


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file: the same resolved path, or the same device and inode
    (through symbolic and hard links)."""
    return bool(_identities(a) & _identities(b))


def check_not_input(path: Path, option: str | None = None) -> None:
    """Raise :class:`InputError` if ``path`` is one of the running command's inputs (:func:`inputs`);
    ``option`` (``--out``) names where the path was given."""
    protected = _INPUTS.get()
    if protected and _identities(path) & protected:
        where = f"{option}: {path}" if option else f"{path}:"
        raise InputError(f"{where} is one of this command's inputs; write the output somewhere else")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    On an exception the temporary file is removed and any existing ``path`` is left untouched. A ``path``
    that is one of the running command's inputs is refused before anything is written
    (:func:`check_not_input`).
    """
    check_not_input(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh name that the writer creates itself. (A file made beforehand, as ``tempfile.mkstemp`` does,
    # is opened with truncation by writers such as GDAL; ext4 then allocates the new data's blocks at once
    # instead of lazily: a 244 MB GeoTIFF took twice as long to write and three times as long to delete.)
    tmp = path.parent / f".{path.stem}.{os.getpid()}.{secrets.token_hex(6)}{path.suffix}"
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
