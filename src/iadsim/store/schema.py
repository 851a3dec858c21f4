"""What makes a DuckDB file an iadsim store, and how one is opened.

Every store holds a marker table, ``iadsim_store(format VARCHAR, version INTEGER)``, with one row:
``('iadsim-results', VERSION)``; it is written, with every table of the store (runs, outcomes, events,
studies, replications), in the transaction that creates the file.

Opening an existing file:

* with the marker: its version must be one this iadsim reads (at most :data:`VERSION`), and the store's
  tables must all be there with their columns;
* without the marker but with exactly the tables of an older iadsim (``runs``, ``outcomes`` and ``events``,
  and possibly ``studies`` and ``replications``, with their columns, and no other table): a store written
  before the marker existed. A read (``read_only=True``) takes it as it is and writes nothing; a writing
  command upgrades it in one transaction: it adds the marker and any missing table, and changes nothing
  that is stored;
* anything else (a DuckDB database of something else, an empty, truncated or non-DuckDB file) is refused
  with :class:`StoreError` naming the file, and the file is left byte for byte as it was: every file is
  first inspected through a read-only connection, and opened for writing only once it is known to be a
  store.
"""

from __future__ import annotations

import functools
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from iadsim.errors import IadsimError

if TYPE_CHECKING:
    import duckdb

#: The marker's ``format`` and the store version this iadsim writes (and the newest it reads).
FORMAT = "iadsim-results"
VERSION = 1
MARKER = "iadsim_store"

MARKER_SCHEMA = f"CREATE TABLE {MARKER} (format VARCHAR, version INTEGER);"

RUN_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    created TIMESTAMP,
    iadsim_version VARCHAR,
    scenario VARCHAR,
    scenario_digest VARCHAR,
    catalog_digest VARCHAR,
    dem VARCHAR,
    seed BIGINT,
    manifest JSON,
    summary JSON
);
CREATE TABLE IF NOT EXISTS outcomes (
    run_id VARCHAR,
    threat INTEGER,
    target VARCHAR,
    raid VARCHAR,
    outcome VARCHAR,
    first_detection_s DOUBLE,
    killed_s DOUBLE,
    leaked_s DOUBLE,
    shots INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    run_id VARCHAR,
    t_s DOUBLE,
    kind VARCHAR,
    threat INTEGER,
    track INTEGER,
    unit VARCHAR,
    battalion VARCHAR,
    missile VARCHAR,
    detail VARCHAR
);
"""

STUDY_SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    study_id VARCHAR PRIMARY KEY,
    created TIMESTAMP,
    spec JSON,
    manifest JSON
);
CREATE TABLE IF NOT EXISTS replications (
    study_id VARCHAR,
    point INTEGER,
    label VARCHAR,
    replication INTEGER,
    threats INTEGER,
    detected INTEGER,
    engaged INTEGER,
    killed INTEGER,
    leaked INTEGER,
    interceptors_launched INTEGER,
    intercepts INTEGER,
    interceptors_by_type JSON,
    first_detection_s JSON,
    draws JSON,
    PRIMARY KEY (study_id, point, replication)
);
"""

#: The tables of a store, in the order of an export.
TABLES = ("studies", "replications", "runs", "outcomes", "events")
#: The tables every older store has (``iadsim run --out`` wrote only these).
RUN_TABLES = frozenset({"runs", "outcomes", "events"})


class StoreError(IadsimError):
    """The results file cannot be opened or written."""


Columns = dict[str, tuple[tuple[str, str], ...]]


@functools.cache
def expected_columns() -> Columns:
    """Every table of a store (marker included): its columns and their DuckDB types, in order."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute(MARKER_SCHEMA + RUN_SCHEMA + STUDY_SCHEMA)
        return _columns(con)
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection) -> Columns:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        out.setdefault(str(table), []).append((str(column), str(kind)))
    return {t: tuple(cols) for t, cols in out.items()}


def _describe(tables: Columns) -> str:
    names = sorted(tables)
    if not names:
        return "no tables"
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return f"tables: {shown}"


def check(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The store version of the open file ``path`` (``None``: an older store without the marker).

    Raises :class:`StoreError` when the file is not an iadsim store this iadsim can read.
    """
    _check_size(con, path)
    expected = expected_columns()
    tables = _columns(con)
    data_tables = set(TABLES)
    if MARKER not in tables:
        ours = set(tables) & data_tables
        if set(tables) - data_tables or not (ours == RUN_TABLES or ours == data_tables):
            raise StoreError(
                f"{path}: not an iadsim results file: a DuckDB database without iadsim results "
                f"(no {MARKER} table; {_describe(tables)}); it is left as it is"
            )
        _check_columns(tables, expected, ours, path)
        return None
    if tables[MARKER] != expected[MARKER]:
        raise StoreError(f"{path}: the {MARKER} table has the columns {list(tables[MARKER])}, not iadsim's")
    rows = con.execute(f"SELECT format, version FROM {MARKER}").fetchall()
    if len(rows) != 1 or rows[0][0] != FORMAT or not isinstance(rows[0][1], int) or rows[0][1] < 1:
        raise StoreError(f"{path}: the {MARKER} table holds {rows!r}, expected one row ({FORMAT!r}, version)")
    version = int(rows[0][1])
    if version > VERSION:
        raise StoreError(
            f"{path}: store version {version}, written by a newer iadsim; this one reads versions up to "
            f"{VERSION}"
        )
    missing = sorted(data_tables - set(tables))
    if missing:
        raise StoreError(f"{path}: an iadsim store without its table(s) {', '.join(missing)}")
    _check_columns(tables, expected, data_tables, path)
    return version


#: The bytes before a DuckDB file's first block (its main header and two database headers).
_DUCKDB_HEADER_BYTES = 3 * 4096


def _check_size(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a file shorter than the blocks its header counts (a truncated copy or download): DuckDB
    would open it, and fail only when a query, or a write, reaches the missing blocks."""
    rows = con.execute(
        "SELECT block_size, total_blocks FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchall()
    if not rows:
        return
    block_size, blocks = int(rows[0][0]), int(rows[0][1])
    want = _DUCKDB_HEADER_BYTES + blocks * block_size
    size = path.stat().st_size
    if size < want:
        raise StoreError(
            f"{path}: truncated: {size:,} bytes where its header counts {blocks} blocks "
            f"({want:,} bytes); it is left as it is"
        )


def _check_columns(tables: Columns, expected: Columns, names: set[str], path: Path) -> None:
    for name in sorted(names):
        if tables[name] != expected[name]:
            got = ", ".join(f"{c} {k}" for c, k in tables[name])
            raise StoreError(
                f"{path}: not an iadsim results file: table {name} has the columns ({got}), not iadsim's; "
                "it is left as it is"
            )


def open_store(path: Path, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """Open the store ``path``: a connection and the names of the store's tables in the file.

    ``read_only``: the file must be a store (or an older one); nothing is written. Otherwise a missing file
    is created as a new store, an older store is upgraded, and anything else is refused untouched.
    """
    import duckdb

    try:
        kind = path.stat()
    except FileNotFoundError:
        kind = None
    except OSError as exc:  # (a name too long, a loop of links, a folder that cannot be entered)
        raise StoreError(f"{path}: cannot open the results file ({exc.strerror or exc})") from None
    if kind is None:
        if read_only:
            raise StoreError(f"{path}: no such results file")
        return _create(path), set(TABLES)
    if stat.S_ISDIR(kind.st_mode):
        raise StoreError(f"{path}: a folder, not a results file")
    con = _connect(path, True, "not an iadsim results file, or it cannot be read")
    try:
        version = check(con, path)
        if read_only:
            return con, set(_columns(con)) & set(TABLES)
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"{path}: cannot read the results file ({first_line(exc)})") from None
    except BaseException:
        con.close()
        raise
    con.close()
    # A store (or an older one): now for writing. (Checked again: the file may have changed meanwhile.)
    con = _connect(path, False, "cannot open the results file for writing")
    try:
        version = check(con, path)
        if version is None:
            _write_schema(con)
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"{path}: cannot open the results file for writing ({first_line(exc)})") from None
    except BaseException:
        con.close()
        raise
    return con, set(TABLES)


def _create(path: Path) -> duckdb.DuckDBPyConnection:
    """A new store at ``path``: its marker and tables, in one transaction; no file is left on failure."""
    import duckdb

    try:
        target = path.resolve()  # (the file a dangling link names: the link itself is left alone)
        con = duckdb.connect(str(target))
    except (duckdb.Error, OSError, RuntimeError) as exc:
        raise StoreError(f"{path}: cannot create the results file ({first_line(exc)})") from None
    try:
        _write_schema(con)
    except BaseException as exc:
        con.close()
        for leftover in (target, target.with_name(target.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if isinstance(exc, duckdb.Error):
            raise StoreError(f"{path}: cannot create the results file ({first_line(exc)})") from None
        raise
    return con


def _write_schema(con: duckdb.DuckDBPyConnection) -> None:
    """In one transaction: the marker with its row, and every table not there yet."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(MARKER_SCHEMA + RUN_SCHEMA + STUDY_SCHEMA)
        con.execute(f"INSERT INTO {MARKER} VALUES (?, ?)", [FORMAT, VERSION])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _connect(path: Path, read_only: bool, failure: str) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``; a file another process holds (a running ``mc``) or one DuckDB cannot open
    is a :class:`StoreError` (``failure`` says what the file then is)."""
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except (duckdb.Error, OSError) as exc:
        if "lock" in str(exc).lower():
            raise StoreError(f"{path}: in use by another process ({first_line(exc)})") from None
        raise StoreError(f"{path}: {failure} ({first_line(exc)})") from None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
