"""The layering of DESIGN.md, checked on every import of every module (inside functions too): no import
reaches up or sideways, and no modules import one another in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import iadsim

SRC = Path(iadsim.__file__).parent


#: The layers of ../shared/DESIGN.md, lowest first. A module may import a module of a lower layer, or of its
#: own part (``iadsim.sim.world`` imports ``iadsim.sim.timeline``), never one of the same layer's other parts
#: or of a higher layer, not even inside a function.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("iadsim", "errors", "physics"),  # the package root (its version), the errors, the pure physics
    ("limits", "_yamlio", "_atomic", "_paths"),  # bounds, YAML reading, atomic writes, caches: errors only
    ("catalog", "terrain", "store"),  # the cited figures, DEMs, the results file
    ("scenario", "sensors", "interceptors"),  # scenarios and the models built from catalog entries
    ("deployment",),  # where each radar and battery stands, what it carries and reaches
    ("coverage",),  # floors and maps over terrain
    ("sim",),  # the engine
    ("montecarlo", "report"),  # many runs; figures and the HTML page (report never imports montecarlo)
    ("workflows",),  # what composes them: the coverage study, the demo, the report of a folder, the layout
    ("web",),  # the map server
    ("cli",),  # the command line
    ("__main__",),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _imports(path: Path) -> set[tuple[str, str | None]]:
    """Every import of ``path``, at any depth (inside functions too): (module, name imported from it or
    None)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update((node.module, a.name) for a in node.names)
    return found


def module_graph(src: Path, package: str = "iadsim") -> dict[str, set[str]]:
    """The modules of the package at ``src`` and the package's modules each one imports: ``from a.b import
    c`` is an import of the module ``a.b.c`` where there is one, else of ``a.b``."""
    modules: dict[str, Path] = {}
    for path in src.rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        name = ".".join((package, *parts[:-1])) if parts[-1] == "__init__" else ".".join((package, *parts))
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for module, attr in _imports(path):
            target = f"{module}.{attr}" if f"{module}.{attr}" in modules else module
            if target in modules and target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def wrong_way(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The imports that break :data:`LAYERS`: (importer, imported)."""
    bad = []
    for name, targets in graph.items():
        for target in targets:
            own, their = _part(name), _part(target)
            if own != their and RANK[their] >= RANK[own]:
                bad.append((name, target))
    return sorted(bad)


def circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Groups of modules that import one another, directly or through others (strongly connected
    components of more than one module), found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[tuple[str, ...]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(tuple(sorted(group)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


GRAPH = module_graph(SRC)


def test_every_part_of_the_package_has_a_layer() -> None:
    assert {_part(name) for name in GRAPH} <= set(RANK), {_part(name) for name in GRAPH} - set(RANK)


def test_imports_follow_the_layers() -> None:
    assert wrong_way(GRAPH) == []


def test_no_import_circles() -> None:
    # a package importing its own modules (``iadsim.sim`` re-exporting ``iadsim.sim.engine``) is not a circle
    # unless a module imports the package back
    assert circles(GRAPH) == []


def _fake_package(root: Path, files: dict[str, str]) -> Path:
    src = root / "iadsim"
    for rel, text in {"__init__.py": "", **files}.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, encoding="utf-8")
    return src


def test_the_layer_checks_catch_a_wrong_way_import_and_a_circle(tmp_path: Path) -> None:
    # the test of the tests: a coverage module reaching up into report (inside a function), a report module
    # reaching into montecarlo (same layer), and two engine modules importing each other
    src = _fake_package(
        tmp_path,
        {
            "coverage/__init__.py": "",
            "coverage/study.py": "def f():\n    from iadsim.report.maps import draw\n",
            "report/__init__.py": "",
            "report/maps.py": "from iadsim.montecarlo import stats\n",
            "montecarlo/__init__.py": "",
            "montecarlo/stats.py": "import iadsim.physics\n",
            "physics/__init__.py": "",
            "sim/__init__.py": "",
            "sim/world.py": "from iadsim.sim.timeline import Timeline\n",
            "sim/timeline.py": "from iadsim.sim import world\n",
        },
    )
    graph = module_graph(src)
    assert wrong_way(graph) == [
        ("iadsim.coverage.study", "iadsim.report.maps"),
        ("iadsim.report.maps", "iadsim.montecarlo.stats"),
    ]
    assert circles(graph) == [("iadsim.sim.timeline", "iadsim.sim.world")]
    # and the real package passes the same checks (see the tests above)
    assert module_graph(SRC) == GRAPH


def test_physics_imports_nothing_of_iadsim() -> None:
    for name, targets in GRAPH.items():
        if _part(name) == "physics":
            assert all(_part(t) == "physics" for t in targets), (name, targets)


def test_library_never_imports_cli_or_web() -> None:
    for name, targets in GRAPH.items():
        if _part(name) not in ("cli", "web", "__main__"):
            assert not any(_part(t) in ("cli", "web") for t in targets), name


def test_atomic_writes_get_the_usual_permissions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from iadsim._atomic import atomic_path

    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
