"""The layering of DESIGN.md: physics imports nothing of iadsim; the library never imports cli or web."""

from __future__ import annotations

import ast
from pathlib import Path

import iadsim

SRC = Path(iadsim.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "iadsim":  # from iadsim import physics -> iadsim.physics
                names.update(f"iadsim.{a.name}" for a in node.names)
            else:
                names.add(node.module)
    return names


def _iadsim_imports(package: str) -> dict[Path, set[str]]:
    return {p: {n for n in _imports(p) if n.split(".")[0] == "iadsim"} for p in (SRC / package).rglob("*.py")}


def test_physics_imports_nothing_of_iadsim() -> None:
    for path, names in _iadsim_imports("physics").items():
        assert all(n.startswith("iadsim.physics") for n in names), (path, names)


def test_catalog_imports_only_its_own_and_helpers() -> None:
    allowed = ("iadsim.catalog", "iadsim.errors", "iadsim._yamlio")
    for path, names in _iadsim_imports("catalog").items():
        assert all(n.startswith(allowed) for n in names), (path, names)


def test_library_never_imports_cli_or_web() -> None:
    for path in SRC.rglob("*.py"):
        if path.parent.name in ("cli", "web") or path.name == "__main__.py":
            continue
        names = _imports(path)
        assert not any(n.startswith(("iadsim.cli", "iadsim.web")) for n in names), path


def test_coverage_and_terrain_never_import_the_engine() -> None:
    # the engine (sim) uses coverage and terrain, not the other way round
    for package in ("coverage", "terrain"):
        for path, names in _iadsim_imports(package).items():
            assert not any(n.startswith(("iadsim.sim", "iadsim.montecarlo")) for n in names), (path, names)


def test_data_layers_import_only_lower_layers() -> None:
    # limits (the bounds a command and a figure may take) is a foundation module: errors only
    assert {n for n in _imports(SRC / "limits.py") if n.split(".")[0] == "iadsim"} == {"iadsim.errors"}
    lower = ("iadsim.catalog", "iadsim.physics", "iadsim.errors", "iadsim._yamlio", "iadsim.limits")
    for name in ("scenario.py", "sensors.py", "interceptors.py"):
        names = {n for n in _imports(SRC / name) if n.split(".")[0] == "iadsim"}
        assert all(n.startswith(lower) for n in names), (name, names)
    # the deployment (where each radar and battery stands, what it carries and reaches) is read by both
    # the coverage maps and the engine: it sits on the data layer, below both
    deployment = {n for n in _imports(SRC / "deployment.py") if n.split(".")[0] == "iadsim"}
    allowed = (*lower, "iadsim.scenario", "iadsim.sensors", "iadsim.interceptors")
    assert all(n.startswith(allowed) for n in deployment), deployment


def test_atomic_writes_get_the_usual_permissions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from iadsim._atomic import atomic_path

    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
