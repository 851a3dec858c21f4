"""The report of an output folder or a results file: find what it holds (by the names of
:mod:`iadsim.workflows.layout`), read the results files (read-only) and summarise their studies, then render
the page (:mod:`iadsim.report.html`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iadsim._atomic import atomic_path
from iadsim.errors import InputError
from iadsim.report.html import ReportInputs, Results, render_report
from iadsim.workflows import layout

if TYPE_CHECKING:
    from iadsim.catalog import Catalog

#: The first bytes of a DuckDB file hold this magic at offset 8.
_DUCKDB_MAGIC = b"DUCK"


def _is_duckdb(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return len(head) >= 12 and head[8:12] == _DUCKDB_MAGIC


def read_results(path: Path) -> Results:
    """Studies and runs of a DuckDB results file, opened read-only (the file is never modified).

    Raises :class:`InputError` when the file is not a DuckDB database or holds neither studies nor runs.
    """
    import duckdb

    from iadsim.montecarlo.stats import summarize
    from iadsim.store import StoreError, StudyStore

    try:
        store = StudyStore(path, read_only=True)
    except StoreError as exc:
        raise InputError(str(exc)) from None
    try:
        tables = store.tables()
        if not tables & {"studies", "runs"}:
            raise InputError(
                f"{path}: a DuckDB file without iadsim results (no 'studies' or 'runs' table); "
                "write one with `iadsim mc` or `iadsim run --out`"
            )
        res = Results(path)
        if {"studies", "replications"} <= tables:
            for study in store.studies():
                reps = store.replications(study["study_id"])
                res.studies.append({**study, "replications": reps, "summary": summarize(reps)})
        if "runs" in tables:
            res.runs.extend(store.runs())
        return res
    except duckdb.Error as exc:
        raise InputError(f"{path}: cannot read the results ({exc})") from None
    finally:
        store.close()


def find_inputs(source: Path, read: bool = True) -> ReportInputs:
    """Classify what ``source`` holds; :class:`InputError` if it is missing or holds nothing iadsim wrote.

    ``read``: also read the results files (read-only); without, only find the files the report would read.
    """
    try:
        source.stat()
    except OSError:  # (missing, or a name that cannot be looked up: too long, a loop of links)
        raise InputError(
            f"{source}: no such file or folder (give an iadsim output folder or a DuckDB results file)"
        ) from None
    inputs = ReportInputs(source)
    if source.is_file():
        if not _is_duckdb(source):
            raise InputError(
                f"{source}: not an iadsim output folder or DuckDB results file "
                "(give the folder `iadsim demo` wrote, or a file written by `iadsim mc`)"
            )
        inputs.stores.append(source)
        if read:
            inputs.results.append(read_results(source))
        return inputs
    folder = source
    inputs.folder = folder

    def there(name: str) -> Path | None:
        p = folder / name
        return p if p.is_file() else None

    inputs.assumptions_csv = there(layout.ASSUMPTIONS_CSV)
    inputs.detection_csv = there(layout.DETECTION_CSV)
    inputs.detection_png = there(layout.DETECTION_PNG)
    inputs.blake_pngs = sorted(folder.glob(f"{layout.BLAKE_PREFIX}*.png"))
    inputs.surface_csv = there(layout.SURFACE_CSV)
    inputs.surface_png = there(layout.SURFACE_PNG)
    inputs.signatures_csv = there(layout.SIGNATURES_CSV)
    inputs.signatures_png = there(layout.SIGNATURES_PNG)
    inputs.free_space_pngs = sorted((folder / layout.FREE_SPACE_DIR).glob("detection-*.png"))
    inputs.saturation_csv = there(layout.SATURATION_CSV)
    inputs.saturation_png = there(layout.SATURATION_PNG)
    inputs.ballistic_csv = there(layout.BALLISTIC_CSV)
    inputs.ballistic_png = there(layout.BALLISTIC_PNG)
    for cov in layout.coverage_folders(folder):
        table = cov / layout.RING_VS_REAL_JSON
        if table.is_file() or list(cov.glob("detection-*.png")):
            inputs.coverage_json = table if table.is_file() else None
            kinds = tuple(f"{kind}-" for kind in layout.MAP_KINDS)
            pngs = [p for p in cov.glob("*.png") if p.name.startswith(kinds)]
            inputs.coverage_pngs = sorted(pngs, key=_coverage_order)
            inputs.coverage_vectors = sorted([*cov.glob("*.geojson"), *cov.glob("*.kml")])
            break
    for db in sorted(folder.glob("*.duckdb")):
        if _is_duckdb(db):
            inputs.stores.append(db)
    if read:
        inputs.results = [read_results(db) for db in inputs.stores]
    if not inputs.files():
        raise InputError(
            f"{folder}: no iadsim results in this folder (expected files such as assumptions.csv, "
            "detection-ranges.csv, coverage/ring-vs-real.json, saturation.csv or a .duckdb results file)"
        )
    return inputs


def _coverage_order(p: Path) -> tuple[int, str]:
    kind = p.name.split("-", 1)[0]
    return (layout.MAP_KINDS.index(kind) if kind in layout.MAP_KINDS else len(layout.MAP_KINDS)), p.name


def build_report(source: Path, title: str | None = None, catalog: Catalog | None = None) -> str:
    """The HTML report of an iadsim output folder or DuckDB results file, as one self-contained string.

    ``source`` is a folder written by ``iadsim demo`` (or any part of one: ``assumptions.csv``,
    ``detection-ranges.csv/png``, ``blake-*.png``, ``coverage/`` with ``ring-vs-real.json`` and PNG maps,
    ``saturation.csv/png``, ``*.duckdb``) or a DuckDB results file from ``iadsim mc`` / ``iadsim run --out``
    (read-only). ``catalog`` (default: the built-in one) names the entities and, without an
    ``assumptions.csv``, supplies the figures listed. Raises :class:`~iadsim.errors.InputError` for a
    missing path or one holding no iadsim results.
    """
    return render_report(find_inputs(Path(source)), title, catalog)


def write_report(source: Path, out: Path, title: str | None = None, catalog: Catalog | None = None) -> Path:
    """Build the report of ``source`` (see :func:`build_report`) and write it atomically to ``out``."""
    text = build_report(source, title, catalog)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
