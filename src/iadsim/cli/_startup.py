"""Start-up tricks of the command line: everything that changes the whole process to start faster.

A command line is a short-lived process that runs one command and exits; a library lives in someone else's
process. So the tricks below, each of which changes something process-wide (environment variables, the
module table, the garbage collector, exit handlers), live here and only here, and only commands call them;
no module of the library outside :mod:`iadsim.cli` sets anything process-wide when imported or used
(``tests/test_import_state.py`` checks it). The figures are those measured on the development machine
(2 cores) for ``iadsim coverage floor`` at 100 m, see ``benchmarks/RESULTS.md``.

- :func:`import_numpy_for_one_pass`: numpy is imported with ``NUMPY_MADVISE_HUGEPAGE=0`` and
  ``OPENBLAS_NUM_THREADS=1``, both read once, at numpy's import, and restored at once so that child
  processes keep the defaults. Huge pages off: numpy otherwise asks the kernel for transparent huge pages
  behind every large array, and with the kernel's default ``transparent_hugepage/defrag = madvise`` the
  first touch of each such page may compact memory first; the floor's arrays are written once, and at 100 m
  (370 MB of terrain and floor) that cost 0.5 s of system time against 0.1 s with ordinary pages, for
  0.05 s more in the sweeps. One OpenBLAS thread: the pool that numpy's import starts spun for 0.1 s of CPU
  time in every run, and the floor does no linear algebra. ``iadsim validate`` imports numpy the same way
  (its process spent 0.43 s of CPU time for 0.32 s of wall time with the pool, 0.31 s for 0.31 s without).
- :func:`no_huge_pages`: the same huge pages off, for a command that has numpy imported already
  (``iadsim demo``): its coverage step allocates and fills grids of tens of megabytes, many of them
  touched sparsely, and a third of the demo's CPU time went into the kernel's zeroing of huge pages
  (``perf``: ``clear_page_erms`` under ``do_huge_pmd_anonymous_page``, 27 s of system time in a 44 s run).
- :func:`collector_off`: the cyclic garbage collector is off while the command runs; it spent 0.15 s
  traversing numba's type system (tens of thousands of objects, none of them garbage) while numba started.
  So too for the short commands (:data:`iadsim.cli.SHORT_COMMANDS`: the help, ``catalog``, ``validate``,
  ``scenarios``, ``radar``), which read a few files and print: in ``iadsim validate`` on the built-in
  scenario, 173 collections took 0.06 s of its 0.33 s in-process, traversing the classes pydantic, numpy and
  pyproj build at import; none of them found garbage worth the time (about 1,500 objects).
- :func:`freeze_at_exit`: the objects alive when the interpreter exits are frozen first, so that its last
  collection skips them: 0.19 s.
- :func:`preload_kernels`: numba (its import and its type system, through one cached kernel,
  :func:`iadsim.coverage.floor.warm_kernels`) starts in a background thread while the main thread opens and
  reads the terrain, which releases the GIL: about 0.3 s of numba's start, nearly all of it Python holding
  the GIL, overlaps the read. Meanwhile ``scipy`` and ``scipy.linalg`` are marked unimportable (a ``None``
  entry in :data:`sys.modules`) unless already imported: numba imports SciPy's linear algebra only to learn
  whether BLAS is there (a sixth of a second); without it numba uses its own loops for ``np.convolve`` and
  ``np.correlate`` on floats in this process and still finds BLAS when a function calls ``np.dot``. So is
  ``yaml`` while numba is imported, unless a ``.numba_config.yaml`` (the only thing numba reads it for) is
  in the working directory: 0.03 s. The entries are removed when numba has started; no other thread of the
  process may import these modules meanwhile, which holds for ``iadsim coverage floor``.

- :func:`cache_bytecode`: where Python is told not to write bytecode (``PYTHONDONTWRITEBYTECODE``, as in
  many container images and on the development machine), every start compiled the command line, numpy,
  numba, rasterio and the rest from source: ``iadsim coverage floor`` at 100 m took 2.0-2.4 s instead of
  1.0-1.4 s. The console script keeps that bytecode in its own cache folder instead
  (``<cache>/pycache``, :func:`iadsim._paths.cache_root`; Python's ``sys.pycache_prefix``), so no
  ``__pycache__`` appears beside any source and only the first start compiles; child processes (Dask
  workers) read the same folder through ``PYTHONPYCACHEPREFIX`` and write nothing. ``IADSIM_BYTECODE_CACHE=0``
  turns it off; a ``pycache_prefix`` the user set is kept.

Elsewhere, and not process-wide: the command line imports only the module of the command it runs
(:func:`iadsim.cli.register`), and each command imports what it needs inside its function.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Read by numpy and its OpenBLAS when numpy is imported (see :func:`import_numpy_for_one_pass`).
NUMPY_IMPORT_ENV = {"NUMPY_MADVISE_HUGEPAGE": "0", "OPENBLAS_NUM_THREADS": "1"}

#: Set to ``0`` to keep the interpreter's choice not to write bytecode (see :func:`cache_bytecode`).
BYTECODE_CACHE_ENV = "IADSIM_BYTECODE_CACHE"

#: Functions this module registered to run at the interpreter's exit (each once).
_at_exit: set[object] = set()


def cache_bytecode() -> Path | None:
    """Where the interpreter writes no bytecode, write it under ``<cache>/pycache`` instead (for this
    process; child processes read it there); returns that folder, or ``None`` where nothing changed: Python
    writes bytecode anyway, the user chose a ``pycache_prefix``, or ``IADSIM_BYTECODE_CACHE=0``."""
    if not sys.dont_write_bytecode or sys.pycache_prefix is not None:
        return None
    if os.environ.get(BYTECODE_CACHE_ENV, "1").strip() == "0":
        return None
    from iadsim._paths import cache_root

    folder = cache_root() / "pycache"
    sys.pycache_prefix = str(folder)
    sys.dont_write_bytecode = False
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)  # child processes read it (and still write nothing)
    return folder


def import_numpy_for_one_pass() -> None:
    """Import numpy set up for a process that allocates large arrays once and does no linear algebra (no
    transparent huge pages, one OpenBLAS thread), unless it is already imported; the environment is as it
    was afterwards."""
    if "numpy" in sys.modules:
        return
    previous = {name: os.environ.get(name) for name in NUMPY_IMPORT_ENV}
    os.environ.update(NUMPY_IMPORT_ENV)
    try:
        import numpy  # noqa: F401
    finally:
        for name, value in previous.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def no_huge_pages() -> None:
    """Tell numpy (imported or not) to stop asking the kernel for transparent huge pages behind large
    arrays, in this process (see the module's docstring)."""
    import numpy

    core = getattr(numpy, "_core", None) or getattr(numpy, "core", None)
    set_madvise = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if set_madvise is not None:
        set_madvise(False)


@contextmanager
def collector_off() -> Iterator[None]:
    """The cyclic garbage collector off inside the block, back as it was after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_at_exit() -> None:
    """Freeze the objects alive at the interpreter's exit, before its last collection (registered once)."""
    if gc.freeze not in _at_exit:
        atexit.register(gc.freeze)
        _at_exit.add(gc.freeze)


def modules_to_hide(cwd_has_numba_config: bool) -> tuple[str, ...]:
    """The modules numba's start need not import (see the module's documentation): SciPy and its linear
    algebra, and yaml unless the working directory holds a ``.numba_config.yaml``."""
    return ("scipy", "scipy.linalg") + (() if cwd_has_numba_config else ("yaml",))


def preload_kernels() -> threading.Thread:
    """Start numba in a background daemon thread (see the module's documentation); returns the thread.

    :func:`iadsim.coverage.floor.radar_floor` needs no call to this, and waits for the thread (through the
    import lock and numba's compiler lock) if it is still busy."""
    thread = threading.Thread(target=_load_kernels, name="iadsim-numba-start", daemon=True)
    thread.start()
    return thread


def _load_kernels() -> None:
    from iadsim.coverage.floor import warm_kernels

    hidden = [
        name for name in modules_to_hide(os.path.exists(".numba_config.yaml")) if name not in sys.modules
    ]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        warm_kernels()
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
