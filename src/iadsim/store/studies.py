"""Monte Carlo studies in the DuckDB results file: one row per study, one per finished replication.

A batch of replications is written in one transaction, so an interrupted study holds only whole
replications; running the same study again skips those already stored.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from iadsim._atomic import atomic_path, same_file
from iadsim.store.runs import RunStore, StoreError
from iadsim.store.schema import TABLES, expected_columns, first_line

#: The integer outcome fields of a replication (those of :data:`iadsim.sim.engine.COUNT_FIELDS`, kept here so
#: that the store does not import the engine; a test checks that the two agree).
OUTCOME_FIELDS = ("threats", "detected", "engaged", "killed", "leaked", "interceptors_launched", "intercepts")


class StudyStore(RunStore):
    """The results file, with its studies (every store has the study tables; an older one opened read-only
    may lack them, and then holds no study)."""

    def ensure_study(self, study_id: str, spec: dict[str, Any], manifest: dict[str, Any]) -> None:
        """Record a study once (a resumed study keeps its first record)."""
        exists = self._fetch("SELECT 1 FROM studies WHERE study_id = ?", [study_id])
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
        if not self._has("replications"):
            return set()
        rows = self._fetch("SELECT point, replication FROM replications WHERE study_id = ?", [study_id])
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
        with (
            self._transaction() as con
        ):  # (one statement per 200 rows: a fraction of the cost of one per row)
            for i in range(0, len(values), 200):
                chunk = values[i : i + 200]
                con.execute(
                    f"INSERT INTO replications VALUES {', '.join([row] * len(chunk))}",
                    [v for row_values in chunk for v in row_values],
                )

    def replications(self, study_id: str, runs: int | None = None) -> list[dict[str, Any]]:
        """Every stored replication of a study, in (point, replication) order; with ``runs``, only the
        replications 0 to ``runs`` - 1 of each point (the study of that size)."""
        if not self._has("replications"):
            return []
        cols = [
            "point",
            "label",
            "replication",
            *OUTCOME_FIELDS,
            "interceptors_by_type",
            "first_detection_s",
            "draws",
        ]
        where = "study_id = ?"
        params: list[Any] = [study_id]
        if runs is not None:
            where = "study_id = ? AND replication < ?"
            params = [study_id, runs]
        rows = self._fetch(
            f"SELECT {', '.join(cols)} FROM replications WHERE {where} ORDER BY point, replication", params
        )
        out = []
        for row in rows:
            d = dict(zip(cols, row, strict=True))
            for key in ("interceptors_by_type", "first_detection_s", "draws"):
                d[key] = json.loads(d[key])
            out.append(d)
        return out

    def count(self, study_id: str) -> int:
        """How many replications of a study are stored (every point, whatever the study's size)."""
        if not self._has("replications"):
            return 0
        rows = self._fetch("SELECT count(*) FROM replications WHERE study_id = ?", [study_id])
        return int(rows[0][0])

    def studies(self) -> list[dict[str, Any]]:
        """Every study: id, creation time, spec and manifest."""
        if not self._has("studies"):
            return []
        rows = self._fetch("SELECT study_id, created, spec, manifest FROM studies ORDER BY created")
        return [
            {"study_id": r[0], "created": str(r[1]), "spec": json.loads(r[2]), "manifest": json.loads(r[3])}
            for r in rows
        ]

    def export_parquet(self, folder: Path) -> list[Path]:
        """Every table of the store as a Parquet file ``folder/<table>.parquet``, each written atomically
        (an older store's missing table is written empty, with its columns).

        Raises :class:`StoreError`, before writing anything, when ``folder`` is not a folder or one of the
        files would replace the store itself; and when a file cannot be written.
        """
        import duckdb

        if folder.exists() and not folder.is_dir():
            raise StoreError(f"--parquet: {folder} is a file, not a folder")
        paths = [folder / f"{table}.parquet" for table in TABLES]
        for path in paths:
            if same_file(path, self.path):
                raise StoreError(f"--parquet: {path} is the results file being read; give another folder")
        try:
            for table, path in zip(TABLES, paths, strict=True):
                with atomic_path(path) as tmp:
                    query = f"SELECT * FROM {table}" if self._has(table) else _empty(table)
                    self.con.execute(f"COPY ({query}) TO ? (FORMAT PARQUET)", [str(tmp)])
        except OSError as exc:
            raise StoreError(f"--parquet: cannot write in {folder} ({exc.strerror or exc})") from None
        except duckdb.Error as exc:
            raise StoreError(f"--parquet: cannot write in {folder} ({first_line(exc)})") from None
        return paths


def _empty(table: str) -> str:
    """A query of no rows with the columns of ``table`` (names and types from the schema, no input)."""
    cols = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in expected_columns()[table])
    return f"SELECT {cols} WHERE false"
