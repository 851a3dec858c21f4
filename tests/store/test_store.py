"""The results file: its schema marker, files that are not stores (refused untouched), older stores, read
commands that never write, and the Parquet export."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from iadsim.store import RunStore, StoreError, StudyStore, manifest
from iadsim.store.studies import OUTCOME_FIELDS
from tests.helpers import DATA, write_analytic_scenario

TABLES = {"studies", "replications", "runs", "outcomes", "events"}

# The tables as iadsim wrote them before stores carried a marker (iadsim 0.1: `run --out` wrote the first
# three, `mc` all five).
OLD_RUN_SCHEMA = """
CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, created TIMESTAMP, iadsim_version VARCHAR, scenario VARCHAR,
    scenario_digest VARCHAR, catalog_digest VARCHAR, dem VARCHAR, seed BIGINT, manifest JSON, summary JSON);
CREATE TABLE outcomes (run_id VARCHAR, threat INTEGER, target VARCHAR, raid VARCHAR, outcome VARCHAR,
    first_detection_s DOUBLE, killed_s DOUBLE, leaked_s DOUBLE, shots INTEGER);
CREATE TABLE events (run_id VARCHAR, t_s DOUBLE, kind VARCHAR, threat INTEGER, track INTEGER, unit VARCHAR,
    battalion VARCHAR, missile VARCHAR, detail VARCHAR);
"""
OLD_STUDY_SCHEMA = """
CREATE TABLE studies (study_id VARCHAR PRIMARY KEY, created TIMESTAMP, spec JSON, manifest JSON);
CREATE TABLE replications (study_id VARCHAR, point INTEGER, label VARCHAR, replication INTEGER,
    threats INTEGER, detected INTEGER, engaged INTEGER, killed INTEGER, leaked INTEGER,
    interceptors_launched INTEGER, intercepts INTEGER, interceptors_by_type JSON, first_detection_s JSON,
    draws JSON, PRIMARY KEY (study_id, point, replication));
"""

SPEC = {
    "scenario": "analytic",
    "scenario_digest": "d",
    "runs": 3,
    "seed": 1,
    "sweep": None,
    "uncertainty": False,
}


def _row(i: int) -> dict:
    return {
        "point": 0,
        "label": "base",
        "replication": i,
        **dict.fromkeys(OUTCOME_FIELDS, i % 3),
        "threats": 2,
        "interceptors_by_type": {"48n6e3": i % 3},
        "first_detection_s": {"f-16c": 1.5 * i},
        "draws": {},
    }


def _fill(path: Path, replications: int = 3) -> Path:
    """A store with one study (``replications`` replications) and one single run."""
    with StudyStore(path) as store:
        store.ensure_study("s1", SPEC, {"seed": 1})
        store.add_replications("s1", [_row(i) for i in range(replications)])
        man = manifest(scenario="analytic", scenario_digest="d", catalog_digest="c", dem="flat", seed=7)
        outcome = {
            "threat": 0,
            "target": "f-16c",
            "raid": "r",
            "outcome": "killed",
            "first_detection_s": 1.0,
            "killed_s": 9.0,
            "leaked_s": None,
            "shots": 1,
        }
        store.add_run(man, {"threats": 1}, [outcome])
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()


def test_a_new_store_carries_the_marker_and_every_table(tmp_path: Path) -> None:
    for cls in (RunStore, StudyStore):
        path = tmp_path / f"{cls.__name__}.duckdb"
        cls(path).close()
        con = duckdb.connect(str(path), read_only=True)
        assert con.execute("SELECT format, version FROM iadsim_store").fetchall() == [("iadsim-results", 1)]
        con.close()
        assert _tables(path) == TABLES | {"iadsim_store"}


# --------------------------------------------------------------------------- files that are not stores


def _foreign(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.execute("INSERT INTO t VALUES (1), (2)")
    con.close()


def _empty_duckdb(path: Path) -> None:
    duckdb.connect(str(path)).close()


def _wrong_columns(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(OLD_STUDY_SCHEMA)
    con.execute("CREATE TABLE runs (run_id VARCHAR, seed DOUBLE)")  # not iadsim's columns
    con.execute("CREATE TABLE outcomes (run_id VARCHAR)")
    con.execute("CREATE TABLE events (run_id VARCHAR)")
    con.close()


def _iadsim_tables_and_more(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(OLD_RUN_SCHEMA + OLD_STUDY_SCHEMA)
    con.execute("CREATE TABLE customers (name VARCHAR)")
    con.close()


def _marker(fmt: str, version: int):  # type: ignore[no-untyped-def]
    def make(path: Path) -> None:
        _fill(path)
        con = duckdb.connect(str(path))
        con.execute("UPDATE iadsim_store SET format = ?, version = ?", [fmt, version])
        con.close()

    return make


def _truncated(fraction: float):  # type: ignore[no-untyped-def]
    def make(path: Path) -> None:
        _fill(path, replications=3000)
        os.truncate(path, int(path.stat().st_size * fraction))

    return make


NOT_STORES = {
    "foreign DuckDB": (_foreign, "without iadsim results"),
    "DuckDB without tables": (_empty_duckdb, "without iadsim results"),
    "iadsim tables with other columns": (_wrong_columns, "has the columns (run_id VARCHAR"),
    "iadsim tables among others": (_iadsim_tables_and_more, "without iadsim results"),
    "another format's marker": (_marker("something-else", 1), "the iadsim_store table holds"),
    "a newer store version": (_marker("iadsim-results", 2), "written by a newer iadsim"),
    "empty file": (lambda p: p.write_bytes(b""), "not an iadsim"),
    "text file": (lambda p: p.write_text("run_id,seed\n1,2\n"), "not an iadsim"),
    "truncated store (header)": (_truncated(0.004), "not an iadsim results file"),
    "truncated store (half)": (_truncated(0.5), "truncated"),
    "truncated store (last bytes)": (_truncated(0.999), "truncated"),
}


@pytest.mark.parametrize("kind", NOT_STORES)
def test_a_file_that_is_not_a_store_is_refused_untouched(cli, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    make, message = NOT_STORES[kind]
    path = tmp_path / "other.duckdb"
    make(path)
    before = _digest(path)
    catalog = ("--catalog", str(DATA / "test-catalog.yaml"))
    commands = {
        "results": ("results", str(path)),
        "results --parquet": ("results", str(path), "--parquet", str(tmp_path / "pq")),
        "mc --out": (
            *catalog,
            "mc",
            str(write_analytic_scenario(tmp_path)),
            "--runs",
            "2",
            "--out",
            str(path),
        ),
        "report": ("report", str(path), "--out", str(tmp_path / "r.html")),
    }
    for name, args in commands.items():
        r = cli(*args)
        assert r.code == 2, (name, r.out, r.err)
        assert r.err.startswith("error: ") and "Traceback" not in r.err, (name, r.err)
        assert str(path) in r.err and message in r.err, (name, r.err)
        assert _digest(path) == before, name
    for read_only in (True, False):
        with pytest.raises(StoreError, match=str(path)):
            StudyStore(path, read_only=read_only)
        assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analytic.yaml", "other.duckdb"]


def test_a_folder_or_an_impossible_name_is_not_a_results_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    folder.mkdir()
    long = tmp_path / ("x" * 300 + ".duckdb")
    mc = (
        "--catalog",
        str(DATA / "test-catalog.yaml"),
        "mc",
        str(write_analytic_scenario(tmp_path)),
        "--runs",
        "2",
    )
    for args, message in (
        ((*mc, "--out", str(folder)), "a folder, not a results file"),
        (("results", str(folder)), "a folder, not a results file"),
        ((*mc, "--out", str(long)), "File name too long"),
        (("results", str(long)), "File name too long"),
        (("report", str(long)), "no such file or folder"),
    ):
        r = cli(*args)
        assert r.code == 2 and message in r.err and "Traceback" not in r.err, r.err
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------------------------------- older stores


def _old_store(path: Path, studies: bool = True) -> Path:
    """A store as iadsim wrote it before the marker: the tables, a run and (``studies``) a study."""
    con = duckdb.connect(str(path))
    con.execute(OLD_RUN_SCHEMA + (OLD_STUDY_SCHEMA if studies else ""))
    man = manifest(scenario="analytic", scenario_digest="d", catalog_digest="c", dem="flat", seed=7)
    con.execute(
        "INSERT INTO runs VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?)",
        ["r1", "0.1.0", "analytic", "d", "c", "flat", 7, json.dumps(man), json.dumps({"threats": 1})],
    )
    if studies:
        con.execute("INSERT INTO studies VALUES (?, now()::TIMESTAMP, ?, ?)", ["s1", json.dumps(SPEC), "{}"])
        for i in range(3):
            r = _row(i)
            con.execute(
                "INSERT INTO replications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    "s1",
                    r["point"],
                    r["label"],
                    r["replication"],
                    *(r[f] for f in OUTCOME_FIELDS),
                    json.dumps(r["interceptors_by_type"]),
                    json.dumps(r["first_detection_s"]),
                    json.dumps(r["draws"]),
                ],
            )
    con.close()
    return path


@pytest.mark.parametrize("studies", [True, False], ids=["mc", "run --out"])
def test_read_commands_read_an_older_store_without_writing(cli, tmp_path: Path, studies: bool) -> None:  # type: ignore[no-untyped-def]
    path = _old_store(tmp_path / "old.duckdb", studies)
    tables = _tables(path)
    before = _digest(path)
    r = cli("results", str(path), "--json", "--parquet", str(tmp_path / "pq"))
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert len(data["runs"]) == 1 and len(data["studies"]) == (1 if studies else 0)
    assert len(list((tmp_path / "pq").glob("*.parquet"))) == 5
    empty = duckdb.connect().execute(
        "SELECT count(*) FROM read_parquet(?)", [str(tmp_path / "pq" / "replications.parquet")]
    )
    assert empty.fetchall() == [(3 if studies else 0,)]
    r = cli("report", str(path), "--out", str(tmp_path / "r.html"))
    assert r.code == 0, r.err
    assert _digest(path) == before and _tables(path) == tables


def test_a_write_upgrades_an_older_store_and_keeps_what_it_holds(tmp_path: Path) -> None:
    path = _old_store(tmp_path / "old.duckdb", studies=False)
    with StudyStore(path, read_only=True) as store:
        runs = store.runs()
    with StudyStore(path) as store:
        assert store.runs() == runs
        store.ensure_study("s2", SPEC, {})
        store.add_replications("s2", [_row(0)])
    assert _tables(path) == TABLES | {"iadsim_store"}
    with StudyStore(path, read_only=True) as store:
        assert store.runs() == runs and len(store.replications("s2")) == 1
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT * FROM iadsim_store").fetchall() == [("iadsim-results", 1)]
    con.close()


def test_results_never_writes_to_the_store(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _fill(tmp_path / "r.duckdb")
    before = _digest(path)
    assert cli("results", str(path), "--json").code == 0
    assert _digest(path) == before
    assert not list(tmp_path.glob("*.wal"))


def test_a_study_seed_outside_the_store_is_refused(tmp_path: Path) -> None:
    man = manifest(scenario="analytic", scenario_digest="d", catalog_digest="c", dem="flat", seed=2**63)
    with StudyStore(tmp_path / "r.duckdb") as store:
        with pytest.raises(StoreError, match="seed 9223372036854775808 cannot be stored"):
            store.add_run(man, {}, [])
        assert store.runs() == []


# --------------------------------------------------------------------------------------------- Parquet


@pytest.mark.parametrize(
    "name",
    ["Bob's results", "x' (FORMAT CSV); DROP TABLE runs; --", 'a"b; c'],
    ids=["quote", "sql", "double quote"],
)
def test_parquet_export_to_any_folder_name(cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path = _fill(tmp_path / "r.duckdb")
    before = _digest(path)
    folder = tmp_path / "exports" / name
    r = cli("results", str(path), "--parquet", str(folder))
    assert r.code == 0, r.err
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    con = duckdb.connect()
    for table, n in (("replications", 3), ("runs", 1), ("outcomes", 1), ("studies", 1), ("events", 0)):
        got = con.execute("SELECT count(*) FROM read_parquet(?)", [str(folder / f"{table}.parquet")])
        assert got.fetchall() == [(n,)], table
    assert _digest(path) == before
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == [name]  # nothing written elsewhere


def test_parquet_export_never_writes_over_the_store(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    folder.mkdir()
    store = _fill(folder / "runs.parquet")  # (a results file that happens to have this name)
    elsewhere = _fill(tmp_path / "r.duckdb")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "studies.parquet").symlink_to(elsewhere)
    hard = tmp_path / "hard"
    hard.mkdir()
    os.link(elsewhere, hard / "events.parquet")
    cases = [
        (store, folder, "is the results file being read"),
        (elsewhere, linked, "is the results file being read"),
        (elsewhere, hard, "is the results file being read"),
        (elsewhere, elsewhere, "is a file, not a folder"),
    ]
    for source, out, message in cases:
        before = _digest(source)
        r = cli("results", str(source), "--parquet", str(out))
        assert r.code == 2 and message in r.err and "Traceback" not in r.err, r.err
        assert _digest(source) == before
    assert sorted(p.name for p in folder.iterdir()) == ["runs.parquet"]
    assert (linked / "studies.parquet").is_symlink()


def test_parquet_export_to_a_folder_that_cannot_be_made(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _fill(tmp_path / "r.duckdb")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("results", str(path), "--parquet", str(blocker / "sub"))
    assert r.code == 2 and "--parquet: cannot write in" in r.err and "Traceback" not in r.err


def test_opening_a_store_to_write_changes_nothing_by_itself(tmp_path: Path) -> None:
    # (the file is inspected read-only first; a store opened for writing and closed without a change is
    # the same file, byte for byte)
    path = _fill(tmp_path / "r.duckdb")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(path, copy)
    StudyStore(copy).close()
    assert _digest(copy) == _digest(path)


@pytest.mark.slow  # (a second process holding the store: 5 s)
def test_a_store_in_use_by_another_process_is_a_clear_error(cli_process, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _fill(tmp_path / "r.duckdb")
    with StudyStore(path):  # (held for writing here, as a running `mc` holds it)
        r = cli_process("results", str(path))
    assert r.code == 2 and "in use by another process" in r.err and "Traceback" not in r.err, r.err
