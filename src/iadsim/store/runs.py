"""The run store: a DuckDB file with one row per run (its manifest and summary), the outcome of every threat
and, optionally, the events log. Every run is written in one transaction: a failure leaves no trace of it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any, Self

from iadsim.errors import IadsimError

SCHEMA = """
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


class StoreError(IadsimError):
    """The results file cannot be opened or written."""


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
    """A DuckDB results file (created with its tables if missing; ``read_only`` opens it as it is)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        import duckdb

        self.path = path
        self.read_only = read_only
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
            if not read_only:
                self.con.execute(SCHEMA)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"{path}: cannot open as a DuckDB results file ({exc})") from None

    def tables(self) -> set[str]:
        """Names of the tables in the file."""
        rows = self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {str(r[0]) for r in rows}

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
        """Store one run in a single transaction; returns its id."""
        run_id = uuid.uuid4().hex
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
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
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return run_id

    def runs(self) -> list[dict[str, Any]]:
        """Every stored run: id, creation time, scenario, seed, manifest and summary."""
        rows = self.con.execute(
            "SELECT run_id, created, scenario, seed, manifest, summary FROM runs ORDER BY created"
        ).fetchall()
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
