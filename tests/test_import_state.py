"""Importing a library module changes nothing process-wide.

Every module of ``iadsim`` outside the command line (``iadsim.cli``, ``iadsim.__main__``), whose start-up
tricks live in ``iadsim.cli._startup``, is imported in a fresh interpreter of its own, which reports what the
import changed: ``None`` entries added to ``sys.modules`` (modules hidden from later imports), the garbage
collector turned off or objects frozen, matplotlib's backend chosen, ``os.environ`` changed. The checker is
itself shown to catch each of these on small throwaway modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import iadsim

PACKAGE = Path(iadsim.__file__).parent

#: Run in the child: imports matplotlib and rasterio first, so that their own imports are not what is
#: measured (rasterio's sets ``GDAL_CURL_CA_BUNDLE`` and ``PROJ_CURL_CA_BUNDLE`` to the CA bundle of
#: certifi), takes a snapshot, imports the module named in argv[1], runs the statements in argv[2] if given
#: (the module bound to ``m``), and prints what changed as a JSON list.
CHECKER = r"""
import gc, importlib, json, os, sys

import matplotlib
import rasterio

def backend():
    # the backend as set, without resolving it (get_backend() would choose one itself)
    get = getattr(matplotlib.rcParams, "_get_backend_or_none", None)
    return get() if get is not None else dict.__getitem__(matplotlib.rcParams, "backend")

def snapshot():
    return {
        "hidden": sorted(k for k, v in sys.modules.items() if v is None),
        "gc_enabled": gc.isenabled(),
        "gc_frozen": gc.get_freeze_count(),
        "backend": backend(),
        "environ": dict(os.environ),
    }

before = snapshot()
m = importlib.import_module(sys.argv[1])
if len(sys.argv) > 2:
    exec(sys.argv[2], {"m": m})
after = snapshot()
found = []
for name in sorted(set(after["hidden"]) - set(before["hidden"])):
    found.append(f"sys.modules[{name!r}] is None")
if not after["gc_enabled"]:
    found.append("garbage collector disabled")
if after["gc_frozen"] != before["gc_frozen"]:
    found.append(f"gc.freeze: {after['gc_frozen']} objects frozen")
if after["backend"] != before["backend"]:
    found.append(f"matplotlib backend {before['backend']!r} -> {after['backend']!r}")
env_b, env_a = before["environ"], after["environ"]
for key in sorted(set(env_a) | set(env_b)):
    if env_a.get(key) != env_b.get(key):
        found.append(f"os.environ[{key!r}]: {env_b.get(key)!r} -> {env_a.get(key)!r}")
print(json.dumps(found))
"""


def library_modules() -> list[str]:
    """Every module of the installed ``iadsim`` package but the command line's."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name == "iadsim.__main__" or name == "iadsim.cli" or name.startswith("iadsim.cli."):
            continue
        names.append(name)
    return names


def changes_on_import(module: str, extra_path: Path | None = None, then: str = "") -> list[str]:
    """What importing ``module`` in a fresh interpreter, then running the statements ``then`` (the module
    bound to ``m``), changes process-wide (empty: nothing)."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the backend as matplotlib picks it
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(extra_path), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, "-c", CHECKER, module, *([then] if then else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"importing {module} failed:\n{done.stderr[-3000:]}"
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


#: A few modules, quick to import, among them those that once set something: the report's charts and
#: maps (matplotlib.use) and the radar floor (hidden modules).
QUICK = ["iadsim.report.plots", "iadsim.report.maps", "iadsim.coverage.floor", "iadsim._yamlio"]


def test_the_module_list_covers_the_library_and_leaves_out_the_command_line() -> None:
    names = library_modules()
    assert set(QUICK) <= set(names)
    assert "iadsim" in names and "iadsim.sim.world" in names and "iadsim.web.app" in names
    assert not any(n == "iadsim.cli" or n.startswith("iadsim.cli.") for n in names)
    assert "iadsim.__main__" not in names


@pytest.mark.parametrize("module", QUICK)
def test_importing_a_report_or_floor_module_changes_nothing_process_wide(module: str) -> None:
    assert changes_on_import(module) == []


#: (module, statements that use it, ``m`` being the module): what once set something process-wide when used
USES = [
    pytest.param("iadsim.coverage.floor", "m.warm_kernels()", id="floor-warm-kernels"),
    pytest.param(
        "iadsim.report.plots",
        "import tempfile, pathlib, types\n"
        "rows = [types.SimpleNamespace(defence='d', raid_size=n, leak_fraction=0.1, leak_fraction_low=0.0,\n"
        "    leak_fraction_high=0.2, any_leak=0.5, any_leak_low=0.4, any_leak_high=0.6) for n in (2, 4)]\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    m.saturation_chart(pathlib.Path(d) / 's.png', rows, 'title')",
        id="plots-chart",
    ),
    pytest.param("iadsim.web.app", "m.render_hillshade((32.0, 39.0, 33.0, 40.0), 64)", id="web-hillshade"),
]


@pytest.mark.parametrize(("module", "then"), USES)
def test_using_a_module_that_once_set_something_changes_nothing_process_wide(module: str, then: str) -> None:
    assert changes_on_import(module, then=then) == []


@pytest.mark.slow
def test_importing_any_library_module_changes_nothing_process_wide() -> None:
    # each module in a fresh interpreter of its own, as many at once as there are cores
    from concurrent.futures import ThreadPoolExecutor

    modules = library_modules()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        found = dict(zip(modules, pool.map(changes_on_import, modules), strict=True))
    assert {m: f for m, f in found.items() if f} == {}
    assert len(found) == len(modules) > 50


#: (throwaway module's source, words of the finding the checker must report)
BAD_MODULES = [
    pytest.param('import matplotlib\nmatplotlib.use("Agg")\n', "matplotlib backend", id="backend"),
    pytest.param("import sys\nsys.modules['scipy'] = None\n", "sys.modules['scipy'] is None", id="hidden"),
    pytest.param("import gc\ngc.disable()\n", "garbage collector disabled", id="gc-disabled"),
    pytest.param("import gc\ngc.freeze()\n", "objects frozen", id="gc-freeze"),
    pytest.param(
        "import os\nos.environ['IADSIM_THROWAWAY'] = '1'\n", "os.environ['IADSIM_THROWAWAY']", id="env"
    ),
]


@pytest.mark.slow  # (the checker's own test: a process per case, 3 s each)
@pytest.mark.parametrize(("source", "words"), BAD_MODULES)
def test_the_checker_reports_a_module_that_changes_the_process(
    tmp_path: Path, source: str, words: str
) -> None:
    (tmp_path / "throwaway_bad.py").write_text(source, encoding="utf-8")
    (tmp_path / "throwaway_good.py").write_text("import math\nVALUE = math.pi\n", encoding="utf-8")
    found = changes_on_import("throwaway_bad", extra_path=tmp_path)
    assert any(words in f for f in found), found
    assert changes_on_import("throwaway_good", extra_path=tmp_path) == []
