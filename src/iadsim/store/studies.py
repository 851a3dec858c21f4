"""Monte Carlo studies in the DuckDB results file: one row per study, one per finished replication.

A batch of replications is written in one transaction, so an interrupted study holds only whole
replications; running the same study again skips those already stored.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from iadsim.store.runs import RunStore, StoreError

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

#: The integer outcome fields of a replication (those of :data:`iadsim.sim.engine.COUNT_FIELDS`, kept here so
#: that the store does not import the engine; a test checks that the two agree).
OUTCOME_FIELDS = ("threats", "detected", "engaged", "killed", "leaked", "interceptors_launched", "intercepts")


class StudyStore(RunStore):
    """The results file, with the study tables."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        super().__init__(path, read_only)
        import duckdb

        if read_only:
            return
        try:
            self.con.execute(STUDY_SCHEMA)
        except duckdb.Error as exc:
            raise StoreError(f"{path}: cannot create the study tables ({exc})") from None

    def ensure_study(self, study_id: str, spec: dict[str, Any], manifest: dict[str, Any]) -> None:
        """Record a study once (a resumed study keeps its first record)."""
        exists = self.con.execute("SELECT 1 FROM studies WHERE study_id = ?", [study_id]).fetchone()
        if not exists:
            self.con.execute(
                "INSERT INTO studies VALUES (?, ?, ?, ?)",
                [
                    study_id,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    json.dumps(spec),
                    json.dumps(manifest),
                ],
            )

    def done(self, study_id: str) -> set[tuple[int, int]]:
        """(point, replication) pairs already stored for a study."""
        rows = self.con.execute(
            "SELECT point, replication FROM replications WHERE study_id = ?", [study_id]
        ).fetchall()
        return {(int(p), int(r)) for p, r in rows}

    def add_replications(self, study_id: str, rows: list[dict[str, Any]]) -> None:
        """Store finished replications in one transaction."""
        if not rows:
            return
        values = [
            [
                study_id,
                r["point"],
                r["label"],
                r["replication"],
                *(r[f] for f in OUTCOME_FIELDS),
                json.dumps(r["interceptors_by_type"]),
                json.dumps(r["first_detection_s"]),
                json.dumps(r["draws"]),
            ]
            for r in rows
        ]
        row = "(" + ", ".join("?" * len(values[0])) + ")"
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:  # (one statement per 200 rows: a fraction of the cost of one per row)
            for i in range(0, len(values), 200):
                chunk = values[i : i + 200]
                con.execute(
                    f"INSERT INTO replications VALUES {', '.join([row] * len(chunk))}",
                    [v for row_values in chunk for v in row_values],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def replications(self, study_id: str) -> list[dict[str, Any]]:
        """Every stored replication of a study, in (point, replication) order."""
        cols = [
            "point",
            "label",
            "replication",
            *OUTCOME_FIELDS,
            "interceptors_by_type",
            "first_detection_s",
            "draws",
        ]
        rows = self.con.execute(
            f"SELECT {', '.join(cols)} FROM replications WHERE study_id = ? ORDER BY point, replication",
            [study_id],
        ).fetchall()
        out = []
        for row in rows:
            d = dict(zip(cols, row, strict=True))
            for key in ("interceptors_by_type", "first_detection_s", "draws"):
                d[key] = json.loads(d[key])
            out.append(d)
        return out

    def studies(self) -> list[dict[str, Any]]:
        """Every study: id, creation time, spec and manifest."""
        rows = self.con.execute(
            "SELECT study_id, created, spec, manifest FROM studies ORDER BY created"
        ).fetchall()
        return [
            {"study_id": r[0], "created": str(r[1]), "spec": json.loads(r[2]), "manifest": json.loads(r[3])}
            for r in rows
        ]

    def export_parquet(self, folder: Path) -> list[Path]:
        """Every table as a Parquet file in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for table in ("studies", "replications", "runs", "outcomes", "events"):
            path = folder / f"{table}.parquet"
            tmp = folder / f".{table}.parquet.tmp"
            self.con.execute(f"COPY {table} TO '{tmp}' (FORMAT PARQUET)")
            tmp.replace(path)
            out.append(path)
        return out
