"""The run store: a DuckDB file with one row per run (its manifest and summary), the outcome of every threat
and, optionally, the events log. Every run is written in one transaction: a failure leaves no trace of it.

What makes a file a store, and how an existing one is recognised, is in :mod:`iadsim.store.schema`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from iadsim._atomic import check_not_input
from iadsim.limits import MAX_SEED
from iadsim.store.schema import StoreError, first_line, open_store

if TYPE_CHECKING:
    import duckdb

__all__ = ["RunStore", "StoreError", "manifest"]


def manifest(
    *, scenario: str, scenario_digest: str, catalog_digest: str, dem: str, seed: int
) -> dict[str, Any]:
    """What makes a run reproducible: versions, hashes of its inputs, and its seed."""
    from iadsim import __version__

    return {
        "iadsim_version": __version__,
        "scenario": scenario,
        "scenario_digest": scenario_digest,
        "catalog_digest": catalog_digest,
        "dem": dem,
        "seed": seed,
    }


class RunStore:
    """An iadsim results file (a DuckDB database; see :mod:`iadsim.store.schema`).

    A missing file is created as a new store; an existing one must be a store, or one written by an older
    iadsim (upgraded here), else :class:`StoreError` and the file is left untouched. ``read_only`` opens an
    existing store without writing anything to it.
    """

    def __init__(self, path: Path, read_only: bool = False) -> None:
        if not read_only:
            check_not_input(path)  # a results file is never one of the command's inputs
        self.path = path
        self.read_only = read_only
        self.con, self._tables = open_store(path, read_only)

    def _has(self, table: str) -> bool:
        """Whether the store has ``table`` (only an older store opened read-only may lack one)."""
        return table in self._tables

    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a query; a file that cannot be read (truncated, damaged) is a :class:`StoreError`."""
        import duckdb

        try:
            return self.con.execute(sql, params or []).fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot read the results file ({first_line(exc)})") from None

    def tables(self) -> set[str]:
        """Names of the tables in the file."""
        rows = self._fetch("SELECT table_name FROM information_schema.tables")
        return {str(r[0]) for r in rows}

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: all of it is stored or none. A write that fails (a full disk, a file that cannot
        be written) is a :class:`StoreError`, and the file keeps everything stored before it."""
        import duckdb

        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.Error):  # (a failed COMMIT has already rolled back)
                con.execute("ROLLBACK")
            # (a constraint broken is a defect and stays one; what the disk refused is the user's to fix)
            if isinstance(exc, (duckdb.IOException, duckdb.TransactionException, OSError)):
                raise StoreError(
                    f"{self.path}: cannot write the results file ({first_line(exc)}); this write was not "
                    "stored, everything stored before it is kept"
                ) from None
            raise

    def close(self) -> None:
        """Close the file."""
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_run(
        self,
        manifest: dict[str, Any],
        summary: dict[str, Any],
        outcomes: list[dict[str, Any]],
        events: list[dict[str, Any]] | None = None,
    ) -> str:
        """Store one run in a single transaction; returns its id.

        Raises :class:`StoreError`, storing nothing, for a seed outside 0 to 2**63 - 1 (what the store keeps).
        """
        seed = manifest["seed"]
        if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise StoreError(
                f"{self.path}: seed {seed!r} cannot be stored (a store keeps seeds 0 to 2**63 - 1)"
            )
        run_id = uuid.uuid4().hex
        with self._transaction() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    manifest["iadsim_version"],
                    manifest["scenario"],
                    manifest["scenario_digest"],
                    manifest["catalog_digest"],
                    manifest["dem"],
                    manifest["seed"],
                    json.dumps(manifest),
                    json.dumps(summary),
                ],
            )
            if outcomes:
                con.executemany(
                    "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        [
                            run_id,
                            o["threat"],
                            o["target"],
                            o["raid"],
                            o["outcome"],
                            o["first_detection_s"],
                            o["killed_s"],
                            o["leaked_s"],
                            o["shots"],
                        ]
                        for o in outcomes
                    ],
                )
            if events:
                con.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        [
                            run_id,
                            e["t_s"],
                            e["kind"],
                            e["threat"],
                            e["track"],
                            e["unit"],
                            e["battalion"],
                            e["missile"],
                            e["detail"],
                        ]
                        for e in events
                    ],
                )
        return run_id

    def runs(self) -> list[dict[str, Any]]:
        """Every stored run: id, creation time, scenario, seed, manifest and summary."""
        if not self._has("runs"):
            return []
        rows = self._fetch(
            "SELECT run_id, created, scenario, seed, manifest, summary FROM runs ORDER BY created"
        )
        return [
            {
                "run_id": str(r[0]),
                "created": str(r[1]),
                "scenario": r[2],
                "seed": r[3],
                "manifest": json.loads(r[4]),
                "summary": json.loads(r[5]),
            }
            for r in rows
        ]
