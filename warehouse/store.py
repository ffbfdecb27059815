"""The warehouse: a private working DuckDB that runs write, and a published copy readers open.

DuckDB allows one writing process and refuses other processes while it holds a file, so
readers never open the working database. After each run the working file is checkpointed
and copied to a temporary file beside the published one, which is then renamed over it
(atomic on POSIX). A reader holding the old file keeps reading the old, complete snapshot;
a new connection sees the new one; no reader ever blocks a run or sees half a load.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core.errors import StorageError, WarehouseError, storage_error
from core.processes import discard, kill_point, remove_debris

__all__ = ["Warehouse", "LoadResult", "open_published", "check_writer_free", "TABLE_KEYS", "WORK_TABLES", "SCORED_TABLES"]

# Tables derived per work from stored records: a re-derivation replaces a work's rows in each.
ADDED_COLUMNS = (("work_locations", "pdf_url", "VARCHAR"), ("work_locations", "is_oa", "BOOLEAN"),
                 ("author_metrics", "arxiv_category", "VARCHAR"), ("author_metrics_history", "arxiv_category", "VARCHAR"),
                 ("work_metrics", "novelty_cohort", "VARCHAR"), ("work_metrics", "novelty_spread", "DOUBLE"), ("work_metrics", "novelty_spread_basis", "INTEGER"),
                 ("work_neighbours", "shared_references", "INTEGER"), ("work_neighbours", "basis", "VARCHAR"),
                 ("runs", "flow_run_id", "VARCHAR"), ("runs", "openalex_requests", "INTEGER DEFAULT 0"),
                 ("runs", "arxiv_requests", "INTEGER DEFAULT 0"))
WORK_TABLES = ("works", "work_identifiers", "work_locations", "work_topics", "authorships", "citations_by_year",
               "work_references", "work_links")
# Natural key of every table a run writes (the keys docs and tests check).
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "authors": ("author_id",),
    "author_identifiers": ("scheme", "value"),
    "institutions": ("institution_id",),
    "topics": ("topic_id",),
    "source_records": ("record_key",),
    "record_keys": ("record_key", "key"),
    "record_works": ("record_key",),
    "author_records": ("author_id", "record_key"),
    "works": ("work_id",),
    "work_identifiers": ("scheme", "value"),
    "work_locations": ("work_id", "record_id", "url"),
    "work_topics": ("work_id", "topic_id"),
    "authorships": ("work_id", "position"),
    "citations_by_year": ("work_id", "year"),
    "work_references": ("work_id", "referenced_id"),
    "work_links": ("record_a", "record_b"),
    "work_aliases": ("alias_id",),
    "reference_texts": ("openalex_id",),
    "author_works": ("author_id", "work_id"),
    "author_listings": ("author_id", "source"),
    "arxiv_harvests": ("run_id",),
    "arxiv_coverage": ("author_id",),
    "quarantined_lines": ("run_id", "input", "line"),
    "data_quality": ("author_id", "check_name"),
}
# The published copy's storage format: DuckDB 1.4 and newer read it (1.5's CLI reads 64-68; 2.0 writes 69).
PUBLISHED_STORAGE_VERSION = "v1.4.0"
TRACKED_SQL = "SELECT * FROM tracked_authors ORDER BY added_at, author_key"
CURATION_SQL = "SELECT * FROM curation ORDER BY curated_at, curation_id"
# Tables a scoring pass derives from the rest; each pass replaces them whole.
SCORED_TABLES = (
    "author_works", "work_metrics", "work_neighbours", "novelty_neighbours", "author_metrics", "author_citations_by_year",
    "author_topics", "author_collaborators", "author_institutions", "data_quality",
)


@dataclass
class LoadResult:
    """What a load changed."""

    works_new: int
    works_changed: int
    rows: dict[str, int]
    works_removed: int = 0


def _sql(name: str) -> str:
    return resources.files("warehouse").joinpath(name).read_text(encoding="utf-8")


def _connect(path: Path, read_only: bool, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    except (OSError, duckdb.IOException) as exc:
        if not read_only and (refused := storage_error(path, exc)) is not None:
            raise refused from None
        text = str(exc)
        if isinstance(exc, OSError):
            raise WarehouseError(f"can't use the warehouse at {path}: {exc.strerror or exc}") from None
        if "lock" in text.lower():
            raise WarehouseError(f"another scholarflow process is writing {path}; wait for it to finish") from None
        if "No such file" in text or "does not exist" in text:
            raise WarehouseError(f"no warehouse at {path}: run `scholarflow demo` or a backfill first") from None
        raise WarehouseError(f"can't open the warehouse at {path}: {text.splitlines()[0]}") from None


def open_published(path: Path, sandboxed: bool = False) -> duckdb.DuckDBPyConnection:
    """Return a read-only connection to the published warehouse (what analysts and pages use).

    `sandboxed` also shuts SQL out of the file system (no COPY TO, read_csv, ATTACH, INSTALL)
    and locks that setting: an analyst's query can read the warehouse and nothing else.
    """
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `scholarflow demo` or a backfill first")
    config = {"enable_external_access": False, "lock_configuration": True} if sandboxed else None
    return _connect(path, read_only=True, config=config)


def quoted_path(path: Path) -> str:
    """A path as the inside of a SQL string literal."""
    return str(path).replace("'", "''")


def check_writer_free(working_path: Path) -> None:
    """Raise WarehouseError at once if another process is writing the working warehouse (a missing one is not created)."""
    if Path(working_path).exists():
        _connect(Path(working_path), read_only=False).close()


def schema_catalog() -> dict:
    """Return every table and view of the schema with its comment, primary key and columns.

    Read from an empty in-memory database built from schema.sql and views.sql, so it describes
    exactly what the code creates (docs/schema.md is generated from it).
    """
    con = duckdb.connect()
    try:
        con.execute(_sql("schema.sql"))
        con.execute(_sql("views.sql"))
        objects = con.execute(
            "SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables() UNION ALL "
            "SELECT view_name, 'view', comment FROM duckdb_views() WHERE NOT internal ORDER BY kind, name").fetchall()
        columns = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            "ORDER BY table_name, column_index").fetchall()
        keys = dict(con.execute("SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                                "WHERE constraint_type = 'PRIMARY KEY'").fetchall())
    finally:
        con.close()
    return {name: {"kind": kind, "comment": comment, "primary_key": list(keys.get(name) or []),
                   "columns": [{"name": c, "type": t, "nullable": n, "comment": cm} for tn, c, t, n, cm in columns if tn == name]}
            for name, kind, comment in objects}


class Warehouse:
    """The pipeline's side of the warehouse: schema, loads, run records, publishing."""

    def __init__(self, working_path: Path, published_path: Path):
        self.working_path = Path(working_path)
        self.published_path = Path(published_path)
        self.con = _connect(self.working_path, read_only=False)
        # A publish a killed writer never finished left its copy; the writer lock is ours now.
        remove_debris(self.published_path.parent, f".{self.published_path.name}.*.tmp",
                      re.compile(rf"^\.{re.escape(self.published_path.name)}\.(?P<pid>\d+)\.tmp$"))
        try:
            self._upgrade()
            self.con.execute(_sql("schema.sql"))
            self.con.execute(_sql("views.sql"))
        except duckdb.Error as exc:
            self.con.close()
            raise self.refused_write(exc) or exc from None

    def refused_write(self, exc: BaseException) -> StorageError | None:
        """Return the StorageError of a failure that is the disk refusing a write (full, read-only), naming the
        warehouse's folder; None for any other failure."""
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, (OSError, duckdb.Error)):
            return storage_error(self.working_path.parent, exc)
        return None

    def close(self) -> None:
        """Close the connection and let go of it: a Warehouse that an error's traceback still holds
        then keeps no DuckDB object alive (DuckDB's bindings report those as leaks at exit)."""
        if self.con is not None:
            self.con.close()
            self.con = None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back whole if it raises."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
            self.con.execute("COMMIT")
        except BaseException:
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:  # a fatal error (a full disk) ended the transaction, and the connection, already
                pass
            raise

    def _stage(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Register `frame`, cut to `table`'s columns, as the view `stg`; return what was staged."""
        columns = [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
        staged = frame[[c for c in columns if c in frame.columns]]
        self.con.register("stg", staged)
        return staged

    def _upgrade(self) -> None:
        """Bring a warehouse written before scoring landed to this schema, losing nothing.

        Its author_metrics and work_metrics were derived (the next run or `rescore` rebuilds
        them); its history rows are kept, as they were, in author_metrics_history_v0.
        """
        curation = {r[0] for r in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'curation'").fetchall()}
        if curation and "record_keys" not in curation:
            # Work curation needs new columns and a wider CHECK: rebuild the table, every decision kept.
            with self.transaction() as con:
                con.execute("ALTER TABLE curation RENAME TO curation_before_works")
                schema = _sql("schema.sql")
                start = schema.index("CREATE TABLE IF NOT EXISTS curation")
                con.execute(schema[start:schema.index(";", start) + 1])
                con.execute("INSERT INTO curation BY NAME SELECT * FROM curation_before_works")
                con.execute("DROP TABLE curation_before_works")
        # Columns added since (NULL until the work is next derived or rescored).
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for table, column, kind in ADDED_COLUMNS:
            if table in tables:
                self.con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
        columns = {r[0] for r in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'author_metrics'").fetchall()}
        if not columns or "scoring_version" in columns:
            return
        with self.transaction() as con:
            con.execute("DROP TABLE author_metrics")
            con.execute("DROP TABLE IF EXISTS work_metrics")
            con.execute("ALTER TABLE author_metrics_history RENAME TO author_metrics_history_v0")
            con.execute("COMMENT ON TABLE author_metrics_history_v0 IS 'author_metrics_history as written before "
                        "scoring versions existed (works, citations, h, i10 per author and day); kept as it was.'")
            con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS scoring_version INTEGER")

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reads the pipeline needs ---------------------------------------------------------
    def author_row(self, author_id: str) -> dict | None:
        """Return the stored author as a dict, or None."""
        rows = self.con.execute("SELECT * FROM authors WHERE author_id = ?", [author_id]).df()
        return rows.iloc[0].to_dict() if len(rows) else None

    # -- tracked authors -----------------------------------------------------------------
    def track(self, author_key: str, note: str | None, now: datetime) -> bool:
        """Add an author to the nightly list; return False if already tracked."""
        before = self.con.execute("SELECT count(*) FROM tracked_authors WHERE author_key = ?", [author_key]).fetchone()[0]
        self.con.execute("INSERT OR IGNORE INTO tracked_authors VALUES (?, ?, ?)", [author_key, now, note])
        return before == 0

    def untrack(self, author_key: str) -> bool:
        """Remove an author from the nightly list; return False if it wasn't there."""
        n = self.con.execute("DELETE FROM tracked_authors WHERE author_key = ? RETURNING author_key", [author_key]).fetchall()
        return bool(n)

    def tracked(self) -> pd.DataFrame:
        return self.con.execute(TRACKED_SQL).df()

    # -- run bookkeeping -----------------------------------------------------------------
    def start_run(self, run_id: str, flow_name: str, triggered_by: str, started_at: datetime, authors_requested: int,
                  flow_run_id: str | None = None) -> dict[str, str]:
        """Record a run as running. Any run still 'running' here is a dead process's (one writer at a time):
        it is marked failed. Returns {Prefect flow run id: "crashed" or "cancelled"} of the flow runs to be ended
        there too: the dead runs', and the previous run's if it was cancelled (a stopped command can't always tell
        Prefect: its server may be down)."""
        last = self.con.execute("SELECT status, flow_run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
        cancelled = {last[1]: "cancelled"} if last and last[0] == "cancelled" and last[1] else {}
        dead = self.con.execute(
            "UPDATE runs SET status = 'failed', finished_at = ?, errors = ? WHERE status = 'running' RETURNING flow_run_id",
            [started_at, json.dumps([{"author": "*", "error": "its process ended before the run finished (killed, the "
                                      "machine stopped, or its disk refused the record); marked failed by the next run", "kind": "died"}])],
        ).fetchall()
        self.con.execute(
            "INSERT INTO runs (run_id, flow_name, triggered_by, started_at, status, authors_requested, flow_run_id) "
            "VALUES (?, ?, ?, ?, 'running', ?, ?)",
            [run_id, flow_name, triggered_by, started_at, authors_requested, flow_run_id],
        )
        return {**cancelled, **{r[0]: "crashed" for r in dead if r[0]}}

    def finish_run(self, run_id: str, status: str, finished_at: datetime, counts: dict, errors: list[dict]) -> None:
        allowed = {"authors_failed", "records_fetched", "works_new", "works_changed", "merged_duplicates",
                   "arxiv_attributed", "arxiv_rejected", "requests_made", "openalex_requests", "arxiv_requests", "scoring_version"}
        sets = ", ".join(f"{k} = ?" for k in counts if k in allowed)
        values = [int(v) for k, v in counts.items() if k in allowed]
        self.con.execute(
            f"UPDATE runs SET status = ?, finished_at = ?, errors = ?{', ' + sets if sets else ''} WHERE run_id = ?",
            [status, finished_at, json.dumps(errors), *values, run_id],
        )

    def forget_run(self, run_id: str) -> None:
        """Remove a run that was refused before it wrote anything (bad input is not a run)."""
        self.con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])

    def load_raw_index(self, rows: list[dict]) -> None:
        """Index landed responses (its own small transaction: kept even if the run's load fails)."""
        if not rows:
            return
        frame = pd.DataFrame(rows)
        self.con.register("stg_raw", frame)
        try:
            self.con.execute(
                "INSERT OR IGNORE INTO raw_responses BY NAME SELECT response_id, run_id, source, url, status, "
                "CAST(fetched_at AS TIMESTAMPTZ) AS fetched_at, content_sha256, byte_count, path FROM stg_raw"
            )
        finally:
            self.con.unregister("stg_raw")

    def _unregister(self, *names: str) -> None:
        for name in names:
            try:
                self.con.unregister(name)
            except duckdb.Error:
                pass

    # -- records: the truth ---------------------------------------------------------------
    def _insert(self, table: str, frame: pd.DataFrame, replace: bool = True) -> int:
        """Insert `frame` (cut to the table's columns) into `table`, replacing rows with the same key."""
        if frame is None or not len(frame):
            return 0
        staged = self._stage(table, frame.drop_duplicates(list(TABLE_KEYS.get(table, ())) or None, keep="last"))
        self.con.execute(f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} BY NAME SELECT * FROM stg")
        self._unregister("stg")
        return len(staged)

    def _sync(self, table: str, frame: pd.DataFrame, scope: str, values: list[str]) -> int:
        """Make `table`'s rows whose `scope` column is in `values` (and any row holding a key `frame` writes)
        equal `frame`, writing only the rows that differ; return the frame's row count.

        Loading what is already stored writes nothing, so re-running the same input neither
        rewrites a work's rows nor grows the file.
        """
        keys = list(TABLE_KEYS[table])
        if frame is None or not len(frame):
            self.con.execute(f"DELETE FROM {table} WHERE {scope} IN (SELECT UNNEST(?::VARCHAR[]))", [values])
            return 0
        staged = self._stage(table, frame.drop_duplicates(keys, keep="last"))
        types = dict((r[0], r[1]) for r in self.con.execute(f"DESCRIBE {table}").fetchall())
        cols, key_cols = ", ".join(f'"{c}"' for c in staged.columns), ", ".join(f'"{k}"' for k in keys)
        typed = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in staged.columns)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _new AS SELECT {typed} FROM stg")
            self.con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _gone AS SELECT {key_cols} FROM (
                    SELECT {cols} FROM {table}
                    WHERE {scope} IN (SELECT UNNEST(?::VARCHAR[])) OR ({key_cols}) IN (SELECT ({key_cols}) FROM _new)
                    EXCEPT SELECT {cols} FROM _new)""", [values])
            self.con.execute(f"DELETE FROM {table} t USING _gone g WHERE " + " AND ".join(f't."{k}" = g."{k}"' for k in keys))
            self.con.execute(f"INSERT INTO {table} BY NAME (SELECT {cols} FROM _new EXCEPT SELECT {cols} FROM {table})")
            self.con.execute("DROP TABLE _gone")
            self.con.execute("DROP TABLE _new")
        finally:
            self._unregister("stg")
        return len(staged)

    def store_batch(self, batch, run_id: str, now: datetime) -> list[str]:
        """Upsert what a run fetched: its records, their keys, the authors and who each record was fetched for.

        Only the records (and authors) in the batch are written; every other stored record stays
        as it was. Call inside `transaction()` together with the derivation it feeds. Returns the
        records whose derivation this can change: new ones, changed ones, ones newly fetched for
        an author, and every candidate of an author whose identity (name, ORCID, ids) changed.
        A record stored before exactly as it is now, for the same authors, changes nothing.
        """
        con = self.con
        identities = self.identities(batch.author_ids)
        # An author known here only by id (an ingest without their record) keeps what is stored of them.
        kept = {r[0] for r in con.execute("SELECT author_id FROM authors WHERE author_id IN (SELECT UNNEST(?::VARCHAR[]))",
                                          [batch.bare_author_ids]).fetchall()} if batch.bare_author_ids else set()
        authors = batch.authors[~batch.authors["author_id"].isin(kept)]
        self._insert("authors", authors)
        if len(authors):
            # A fetched author's own record says which identifiers are theirs now (arxiv_name ones
            # come from attribution and are kept).
            con.execute("DELETE FROM author_identifiers WHERE scheme <> 'arxiv_name' AND author_id IN "
                        "(SELECT UNNEST(?::VARCHAR[]))", [sorted(authors["author_id"])])
        self._insert("author_identifiers", batch.author_identifiers[~batch.author_identifiers["author_id"].isin(kept)])
        self._insert("institutions", batch.institutions)
        self._insert("topics", batch.topics)
        self._insert("reference_texts", batch.reference_texts)
        records = batch.source_records.assign(first_run_id=run_id, last_run_id=run_id, last_seen_at=now)
        self.con.register("stg_records", records)
        try:
            # A record seen again is marked seen; its payload is rewritten only if it changed (a
            # re-load of the same input rewrites no payload, so the file does not grow).
            changed = [r[0] for r in con.execute("""
                UPDATE source_records SET payload = CAST(s.payload AS JSON) FROM stg_records s
                WHERE source_records.record_key = s.record_key AND CAST(source_records.payload AS VARCHAR) <> s.payload
                RETURNING source_records.record_key""").fetchall()]
            changed += [r[0] for r in con.execute(
                "SELECT record_key FROM stg_records ANTI JOIN source_records USING (record_key)").fetchall()]
            con.execute("""
                INSERT INTO source_records BY NAME
                SELECT record_key, source, source_id, CAST(payload AS JSON) AS payload, response_id, first_run_id,
                       last_run_id, CAST(last_seen_at AS TIMESTAMPTZ) AS last_seen_at FROM stg_records
                ON CONFLICT (record_key) DO UPDATE SET
                    response_id = coalesce(excluded.response_id, source_records.response_id),
                    last_run_id = excluded.last_run_id, last_seen_at = excluded.last_seen_at
            """)
        finally:
            self._unregister("stg_records")
        con.execute("DELETE FROM record_keys WHERE record_key IN (SELECT UNNEST(?::VARCHAR[]))",
                    [list(batch.source_records["record_key"])])
        self._insert("record_keys", batch.record_keys)
        links = batch.author_records.assign(first_run_id=run_id, last_run_id=run_id)
        if len(links):
            self._stage("author_records", links)
            changed += [r[0] for r in con.execute(
                "SELECT record_key FROM stg ANTI JOIN author_records USING (author_id, record_key)").fetchall()]
            con.execute("INSERT INTO author_records BY NAME SELECT * FROM stg ON CONFLICT (author_id, record_key) "
                        "DO UPDATE SET last_run_id = excluded.last_run_id")
            self._unregister("stg")
        changed += self._delist(batch.complete_listings, batch.author_records)
        before = {i["author_id"]: i for i in identities}
        moved = [i["author_id"] for i in self.identities(batch.author_ids) if before.get(i["author_id"]) != i]
        if moved:
            changed += list(self.candidate_records(moved)["record_key"])
        return sorted(set(changed))

    def _delist(self, author_ids: list[str], listed: pd.DataFrame) -> list[str]:
        """Take out of these authors' candidates the OpenAlex records their whole, believed works list no
        longer has; return the records whose attribution that changes (all of those authors' candidates)."""
        if not author_ids:
            return []
        self.con.register("stg_listed", listed[["author_id", "record_key"]])
        try:
            gone = self.con.execute("""
                DELETE FROM author_records r WHERE via = 'openalex_works' AND author_id IN (SELECT UNNEST(?::VARCHAR[]))
                  AND NOT EXISTS (SELECT 1 FROM stg_listed l WHERE l.author_id = r.author_id AND l.record_key = r.record_key)
                RETURNING author_id, record_key""", [author_ids]).fetchall()
        finally:
            self._unregister("stg_listed")
        if not gone:
            return []
        return [k for _, k in gone] + list(self.candidate_records(sorted({a for a, _ in gone}))["record_key"])

    def quarantine(self, run_id: str, response_id: str, source: str, bad_lines: list[dict]) -> int:
        """Keep an input's refused lines (line, error, text) in quarantined_lines; return how many."""
        frame = pd.DataFrame(bad_lines).assign(run_id=run_id, response_id=response_id, input=source)
        return self._insert("quarantined_lines", frame)

    def listed_records(self, author_id: str) -> dict[str, int]:
        """How many candidate records of the author earlier listings gave, per source ('openalex', 'arxiv')."""
        got = dict(self.con.execute("SELECT via, count(*) FROM author_records WHERE author_id = ? GROUP BY via",
                                    [author_id]).fetchall())
        return {"openalex": got.get("openalex_works", 0), "arxiv": got.get("arxiv_name_search", 0)}

    def arxiv_coverage(self, author_ids: list[str]) -> dict[str, date]:
        """The day up to which each of these authors' arXiv records were fetched (by a name search or a harvest)."""
        return dict(self.con.execute(
            "SELECT author_id, covered_until FROM arxiv_coverage WHERE author_id IN (SELECT UNNEST(?::VARCHAR[]))",
            [author_ids]).fetchall())

    def cover_arxiv(self, author_ids: list[str], day: date, via: str, run_id: str) -> None:
        """Record that these authors' arXiv records were fetched up to `day` (`via` 'name_search' or 'harvest')."""
        self._insert("arxiv_coverage", pd.DataFrame({"author_id": author_ids, "covered_until": day, "via": via, "run_id": run_id}))

    def record_harvest(self, row: dict) -> None:
        """Keep an arXiv harvest's figures (`arxiv_harvests`)."""
        self._insert("arxiv_harvests", pd.DataFrame([row]))

    def record_listing(self, listing: dict, quality: pd.DataFrame) -> None:
        """Keep an author's latest listing check for a source (author_listings) and its data_quality row now:
        a failed author is scored by no pass of this run, and the page must still say why it is stale."""
        with self.transaction() as con:
            self._insert("author_listings", pd.DataFrame([listing]))
            con.execute("DELETE FROM data_quality WHERE author_id = ? AND check_name = ?",
                        [listing["author_id"], f"suspect_listing_{listing['source']}"])
            self._insert("data_quality", quality)

    def mark_unchanged(self, records: pd.DataFrame, author_id: str | None, run_id: str, now: datetime) -> set[str]:
        """Mark as seen in this run the records (record_key, payload, response_id) stored exactly so
        before (and, with `author_id`, already that author's candidates); return their keys.

        They change nothing, so the caller need not stage or store them again. Call inside `transaction()`.
        """
        if not len(records):
            return set()
        self.con.register("stg_seen", records[["record_key", "payload", "response_id"]])
        try:
            self.con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _same AS
                SELECT s.record_key, s.response_id FROM stg_seen s JOIN source_records r USING (record_key)
                WHERE CAST(r.payload AS VARCHAR) = s.payload
                {"AND s.record_key IN (SELECT record_key FROM author_records WHERE author_id = $author)" if author_id else ""}
            """, {"author": author_id} if author_id else None)
        finally:
            self._unregister("stg_seen")
        self.con.execute("UPDATE source_records SET last_run_id = $run, last_seen_at = $now, "
                         "response_id = coalesce(s.response_id, source_records.response_id) FROM _same s "
                         "WHERE source_records.record_key = s.record_key", {"run": run_id, "now": now})
        if author_id:
            self.con.execute("UPDATE author_records SET last_run_id = $run FROM _same s WHERE author_id = $author "
                             "AND author_records.record_key = s.record_key", {"run": run_id, "author": author_id})
        same = {r[0] for r in self.con.execute("SELECT record_key FROM _same").fetchall()}
        self.con.execute("DROP TABLE _same")
        return same

    def component(self, record_keys: list[str], max_block: int = 100) -> list[str]:
        """Return every stored record that can end up in one work with any of `record_keys`.

        The closure of "shares a linking key with" and "is in the same work as": what a new
        record can join, bridge or split. It grows with what the run touched, not with the
        warehouse.
        """
        self.con.execute("CREATE OR REPLACE TEMP TABLE _component AS SELECT DISTINCT UNNEST(?::VARCHAR[]) AS record_key",
                         [sorted(set(record_keys))])
        size = len(set(record_keys))
        while True:
            # A key held by more than `max_block` records links nothing (transforms/links.py), so it spreads nothing.
            self.con.execute(f"""
                INSERT INTO _component
                SELECT DISTINCT k2.record_key
                FROM (SELECT DISTINCT key FROM record_keys WHERE record_key IN (SELECT record_key FROM _component)) k1
                JOIN record_keys k2 USING (key)
                WHERE k1.key NOT IN (SELECT key FROM record_keys GROUP BY key HAVING count(*) > {int(max_block)})
                  AND k2.record_key NOT IN (SELECT record_key FROM _component)
                UNION
                SELECT w2.record_key FROM record_works w1 JOIN record_works w2 USING (work_id)
                WHERE w1.record_key IN (SELECT record_key FROM _component)
                  AND w2.record_key NOT IN (SELECT record_key FROM _component)
            """)
            grown = self.con.execute("SELECT count(DISTINCT record_key) FROM _component").fetchone()[0]
            if grown == size:
                break
            size = grown
        keys = [r[0] for r in self.con.execute("SELECT DISTINCT record_key FROM _component ORDER BY 1").fetchall()]
        self.con.execute("DROP TABLE _component")
        return keys

    def arxiv_ids_with_openalex_record(self, arxiv_ids: list[str]) -> set[str]:
        """Return the arXiv ids a stored OpenAlex record already carries (no need to look them up)."""
        return {r[0] for r in self.con.execute(
            "SELECT DISTINCT substr(key, 7) FROM record_keys WHERE key IN (SELECT 'arxiv:' || UNNEST(?::VARCHAR[])) "
            "AND record_key LIKE 'openalex:%'", [arxiv_ids]).fetchall()}

    def authors_of_records(self, record_keys: list[str]) -> list[str]:
        """Return the tracked authors any of these records was fetched for (whose attribution they touch)."""
        return [r[0] for r in self.con.execute(
            "SELECT DISTINCT author_id FROM author_records WHERE record_key IN (SELECT UNNEST(?::VARCHAR[])) "
            "AND author_id IN (SELECT author_id FROM authors) ORDER BY 1", [record_keys]).fetchall()]

    def candidate_records(self, author_ids: list[str]) -> pd.DataFrame:
        """Return author_id, record_key of every candidate record stored for these authors."""
        return self.con.execute("SELECT author_id, record_key FROM author_records WHERE author_id IN "
                                "(SELECT UNNEST(?::VARCHAR[])) ORDER BY 1, 2", [author_ids]).df()

    def records_of_works_of(self, record_keys: list[str]) -> list[str]:
        """Return every stored record in the same work as any of `record_keys` (the keys included)."""
        return [r[0] for r in self.con.execute(
            "SELECT DISTINCT record_key FROM (SELECT UNNEST(?::VARCHAR[]) AS record_key UNION ALL "
            "SELECT w2.record_key FROM record_works w1 JOIN record_works w2 USING (work_id) "
            "WHERE w1.record_key IN (SELECT UNNEST(?::VARCHAR[]))) ORDER BY 1", [record_keys, record_keys]).fetchall()]

    def stored_records(self, record_keys: list[str]) -> tuple[list[str], list[str]]:
        """Return (sources, payloads) of the stored records with these keys."""
        rows = self.con.execute("SELECT source, CAST(payload AS VARCHAR) FROM source_records WHERE record_key IN "
                                "(SELECT UNNEST(?::VARCHAR[])) ORDER BY record_key", [record_keys]).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]

    def record_works(self, record_keys: list[str]) -> pd.DataFrame:
        """Return record_key, work_id of the stored records with these keys that belong to a work."""
        return self.con.execute("SELECT record_key, work_id FROM record_works WHERE record_key IN "
                                "(SELECT UNNEST(?::VARCHAR[])) ORDER BY 1", [record_keys]).df()

    def needs_records(self) -> bool:
        """Whether this warehouse was written before records were stored (works, and no record behind them)."""
        # fetchall, not fetchone: DuckDB refuses to register a frame while a result is unfinished.
        return bool(self.con.execute("SELECT (SELECT count(*) FROM works) > 0 AND (SELECT count(*) FROM source_records) = 0"
                                     ).fetchall()[0][0])

    def landed_responses(self) -> pd.DataFrame:
        """Return url, source, fetched_at, path of every landed response with a 2xx status, oldest first."""
        return self.con.execute("SELECT url, source, fetched_at, path FROM raw_responses WHERE status BETWEEN 200 AND 299 "
                                "ORDER BY fetched_at, response_id").df()

    def author_names(self) -> dict[str, str | None]:
        """Return author id -> display name of every stored author."""
        return dict(self.con.execute("SELECT author_id, display_name FROM authors").fetchall())

    def keep_earlier_candidates(self, run_id: str) -> None:
        """Make the records of every work an author already had candidates of that author (once, when
        records are first stored in an older warehouse, so nobody loses a work whose fetch can't be replayed)."""
        self.con.execute("""
            INSERT OR IGNORE INTO author_records
            SELECT DISTINCT aw.author_id, k.record_key, 'before_records_were_stored', ?, ?
            FROM author_works aw JOIN work_identifiers i USING (work_id)
            JOIN record_keys k ON k.key = i.scheme || ':' || i.value""", [run_id, run_id])

    def prior_works(self, record_keys: list[str]) -> pd.DataFrame:
        """Return record_key, work_id: the work each of these records belongs to now.

        A record stored by this version belongs to its `record_works` row. A warehouse written
        before records were stored holds works without records: a record with none of its own
        takes the work that one of its identifiers already names, so the first derivation after
        the upgrade keeps those ids (and replaces those works) instead of doubling them.
        """
        return self.con.execute("""
            SELECT record_key, work_id FROM record_works WHERE record_key IN (SELECT UNNEST(?::VARCHAR[]))
            UNION ALL
            SELECT k.record_key, min(i.work_id) FROM record_keys k
            JOIN work_identifiers i ON k.key = i.scheme || ':' || i.value
            WHERE k.record_key IN (SELECT UNNEST(?::VARCHAR[]))
              AND k.record_key NOT IN (SELECT record_key FROM record_works)
              AND i.work_id NOT IN (SELECT work_id FROM record_works)
            GROUP BY k.record_key
            ORDER BY 1""", [record_keys, record_keys]).df()

    def work_ids_in_use(self) -> set[str]:
        """Return every id that names, or once named, a work (a new work must take none of them)."""
        return {r[0] for r in self.con.execute("SELECT work_id FROM works UNION SELECT alias_id FROM work_aliases").fetchall()}

    def replace_works(self, derived, record_keys: list[str], prior: pd.DataFrame, run_id: str, now: datetime,
                      fail_after: str | None = None) -> LoadResult:
        """Replace the works of `record_keys` (whole clusters; `prior` = their works now) by what was derived from them.

        Old works whose records all moved elsewhere disappear (their ids become aliases), so no
        work is left without records. Call inside `transaction()`.
        """
        con = self.con
        m = derived.merged
        old = sorted(set(prior["work_id"]))
        touched = sorted(set(old) | set(m.works["work_id"]))
        con.register("stg_works", m.works)
        try:
            new, changed = con.execute("""
                SELECT count(*) FILTER (WHERE w.work_id IS NULL),
                       count(*) FILTER (WHERE w.work_id IS NOT NULL AND s.work_id IN (
                           SELECT work_id FROM (SELECT * FROM stg_works EXCEPT SELECT * FROM works)))
                FROM stg_works s LEFT JOIN works w USING (work_id)
            """).fetchone()
        finally:
            self._unregister("stg_works")
        rows = {}
        frames = {"works": m.works, "work_identifiers": m.identifiers, "work_locations": m.locations,
                  "work_topics": m.work_topics, "authorships": m.authorships, "citations_by_year": m.citations_by_year,
                  "work_references": m.references, "work_links": derived.links, "record_works": derived.record_works}
        for table, frame in frames.items():
            scope, values = ("record_key", record_keys) if table == "record_works" else ("work_id", touched)
            rows[table] = self._sync(table, frame, scope, values)
            if fail_after == table:
                raise RuntimeError(f"injected failure after loading {table}")
        if len(derived.aliases):
            aliases = derived.aliases.assign(aliased_at=now, run_id=run_id)
            self._insert("work_aliases", aliases)
            # Aliases of a work that is now an alias itself point straight to the work that stands.
            self._stage("work_aliases", aliases)
            con.execute("UPDATE work_aliases SET work_id = stg.work_id FROM stg WHERE work_aliases.work_id = stg.alias_id")
            # Candidates of authors this run does not re-attribute follow the merged work too.
            con.execute("INSERT OR IGNORE INTO author_works BY NAME SELECT aw.* REPLACE (stg.work_id AS work_id) "
                        "FROM author_works aw JOIN stg ON aw.work_id = stg.alias_id")
            con.execute("DELETE FROM author_works WHERE work_id IN (SELECT alias_id FROM stg)")
            self._unregister("stg")
        gone = sorted(set(old) - set(m.works["work_id"]) - set(derived.aliases["alias_id"]))
        return LoadResult(works_new=int(new), works_changed=int(changed), rows=rows, works_removed=len(gone))

    def identities(self, author_ids: list[str]) -> list[dict]:
        """Return what attribution knows of each author: name, ORCID, OpenAlex ids and name variants."""
        rows = self.con.execute("""
            SELECT a.author_id, a.display_name, a.orcid,
                   list(DISTINCT i.value) FILTER (WHERE i.scheme IN ('openalex', 'openalex_merged')) AS openalex_ids,
                   list(DISTINCT i.value) FILTER (WHERE i.scheme = 'name_variant') AS name_variants
            FROM authors a LEFT JOIN author_identifiers i USING (author_id)
            WHERE a.author_id IN (SELECT UNNEST(?::VARCHAR[]))
            GROUP BY ALL ORDER BY a.author_id
        """, [author_ids]).fetchall()
        return [{"author_id": aid, "display_name": name, "orcid": orcid,
                 "openalex_ids": sorted(set(oa or []) | {aid}), "name_variants": sorted(nv or [])}
                for aid, name, orcid, oa, nv in rows]

    def replace_attribution(self, author_ids: list[str], author_works: pd.DataFrame, arxiv_names: pd.DataFrame) -> None:
        """Replace the authors' candidate works and printed-name identifiers; re-resolve their authorships."""
        con = self.con
        con.execute("DELETE FROM author_works WHERE author_id IN (SELECT UNNEST(?::VARCHAR[]))", [author_ids])
        self._insert("author_works", author_works, replace=False)
        con.execute("DELETE FROM author_identifiers WHERE scheme = 'arxiv_name' AND author_id IN "
                    "(SELECT UNNEST(?::VARCHAR[]))", [author_ids])
        if len(arxiv_names):
            self._stage("author_identifiers", arxiv_names)
            con.execute("INSERT OR IGNORE INTO author_identifiers BY NAME SELECT * FROM stg")
            self._unregister("stg")
        # The tracked author at each position: their OpenAlex id, else the printed name that
        # attribution matched on a work attributed to them.
        works = sorted(set(author_works["work_id"]))
        con.execute("""
            UPDATE authorships SET resolved_author_id = CASE WHEN openalex_author_id IN (SELECT author_id FROM authors)
                                                             THEN openalex_author_id END
            WHERE work_id IN (SELECT UNNEST(?::VARCHAR[]))
        """, [works])
        con.execute("""
            UPDATE authorships SET resolved_author_id = m.author_id
            FROM (SELECT work_id, matched_name, min(author_id) AS author_id FROM author_works
                  WHERE is_attributed AND matched_name IS NOT NULL GROUP BY ALL) m
            WHERE authorships.work_id = m.work_id AND authorships.author_name = m.matched_name
              AND authorships.resolved_author_id IS NULL AND authorships.work_id IN (SELECT UNNEST(?::VARCHAR[]))
        """, [works])

    # -- scoring --------------------------------------------------------------------------
    def missing_references(self, referenced_ids: list[str]) -> list[str]:
        """Return the cited work ids whose text has never been fetched (found or not)."""
        if not referenced_ids:
            return []
        rows = self.con.execute(
            "SELECT DISTINCT id FROM (SELECT UNNEST(?::VARCHAR[]) AS id) "
            "WHERE id NOT IN (SELECT openalex_id FROM reference_texts) ORDER BY id", [sorted(set(referenced_ids))]
        ).fetchall()
        return [r[0] for r in rows]

    def scoring_frames(self) -> dict[str, pd.DataFrame]:
        """Return every stored frame a scoring pass reads (see transforms.scores.ScoringInputs)."""
        q = {
            "authors": "SELECT * FROM authors",
            "works": "SELECT * FROM works ORDER BY work_id",
            "author_works": "SELECT * FROM author_works",
            "authorships": "SELECT * FROM authorships",
            "work_topics": "SELECT * FROM work_topics",
            "topics": "SELECT * FROM topics",
            "citations_by_year": "SELECT * FROM citations_by_year",
            "work_references": "SELECT * FROM work_references",
            "reference_texts": "SELECT r.openalex_id, r.title, r.abstract, r.publication_year, i.work_id FROM reference_texts r "
                               "LEFT JOIN work_identifiers i ON i.scheme = 'openalex' AND i.value = r.openalex_id "
                               "WHERE r.found ORDER BY r.openalex_id",
            # A decision about a work that has since merged into another applies to that one.
            "author_listings": "SELECT * FROM author_listings",
            "curation": "SELECT c.* REPLACE (coalesce(a.work_id, c.work_id) AS work_id) FROM curation c "
                        "LEFT JOIN work_aliases a ON a.alias_id = c.work_id",
        }
        return {name: self.con.execute(sql).df() for name, sql in q.items()}

    def active_scoring(self) -> tuple[int, dict] | None:
        """Return (version, configuration) of the newest scoring version, or None before the first."""
        row = self.con.execute(
            "SELECT scoring_version, config FROM scoring_versions ORDER BY scoring_version DESC LIMIT 1").fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    def scoring_version_for(self, config: dict, formula_version: str, now: datetime, note: str | None = None) -> dict:
        """Return the scoring_versions row of (config, formula): the stored one, or the next number if new.

        A new row is only written by `write_scores`, with the scores that use it.
        """
        canonical = json.dumps({"config": config, "formula": formula_version}, sort_keys=True)
        fingerprint = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        row = self.con.execute("SELECT scoring_version FROM scoring_versions WHERE fingerprint = ?", [fingerprint]).fetchone()
        if row:
            return {"scoring_version": int(row[0]), "is_new": False}
        version = self.con.execute("SELECT coalesce(max(scoring_version), 0) + 1 FROM scoring_versions").fetchone()[0]
        return {"scoring_version": int(version), "is_new": True, "fingerprint": fingerprint, "formula_version": formula_version,
                "config": json.dumps(config, sort_keys=True), "created_at": now, "note": note}

    def text_vectors(self, embedder: str) -> dict[str, np.ndarray]:
        """Return text_key -> vector (float32) of every text this embedder version has embedded."""
        with warnings.catch_warnings():  # "an extra copy of the rows": one copy of the vectors, and the result is finished
            warnings.simplefilter("ignore", UserWarning)
            table = self.con.execute("SELECT text_key, vector FROM text_vectors WHERE embedder = ?", [embedder]).to_arrow_table()
        if not table.num_rows:
            return {}
        flat = table.column("vector").combine_chunks()
        matrix = flat.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(table.num_rows, -1)
        return dict(zip(table.column("text_key").to_pylist(), matrix))

    def _keep_vectors(self, embedder: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        keys = sorted(vectors)
        matrix = np.stack([vectors[k] for k in keys]).astype(np.float32)
        frame = pa.table({"text_key": keys, "embedder": [embedder] * len(keys),
                          "vector": pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), matrix.shape[1])})
        self.con.register("stg_vectors", frame)
        try:
            self.con.execute("INSERT OR IGNORE INTO text_vectors SELECT text_key, embedder, CAST(vector AS FLOAT[]) FROM stg_vectors")
        finally:
            self._unregister("stg_vectors")

    def write_scores(self, tables: dict[str, pd.DataFrame], version: dict, fail_after: str | None = None,
                     vectors: tuple[str, dict] | None = None) -> None:
        """Replace every scored table and append the pass to author_metrics_history, in one transaction.

        `version` is what scoring_version_for returned; a new version is recorded with its scores.
        `vectors` = (embedder version, text_key -> vector) the pass made, kept with its scores.
        """
        try:
            with self.transaction() as con:
                if vectors:
                    self._keep_vectors(*vectors)
                if version.get("is_new"):
                    con.execute("INSERT INTO scoring_versions BY NAME SELECT ? AS scoring_version, ? AS fingerprint, "
                                "? AS formula_version, ? AS config, ? AS created_at, ? AS note",
                                [version[k] for k in ("scoring_version", "fingerprint", "formula_version", "config",
                                                      "created_at", "note")])
                for table in SCORED_TABLES:
                    self._stage(table, tables[table])
                    con.execute(f"DELETE FROM {table}")
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM stg")
                    if fail_after == table:
                        raise RuntimeError(f"injected failure after scoring {table}")
                con.execute("INSERT OR REPLACE INTO author_metrics_history BY NAME SELECT * FROM author_metrics")
        finally:
            self._unregister("stg")

    # -- curation -------------------------------------------------------------------------
    def add_curation(self, row: dict) -> None:
        """Record one curation decision (the next scoring pass applies it)."""
        try:
            self._stage("curation", pd.DataFrame([row]))
            self.con.execute("INSERT INTO curation BY NAME SELECT * FROM stg")
        finally:
            self._unregister("stg")

    def find_author(self, ref: str) -> str | None:
        """Return the stored author id for an id or any stored identifier (ORCID, name form), or None."""
        row = self.con.execute(
            "SELECT author_id FROM authors WHERE author_id = ? UNION ALL "
            "SELECT author_id FROM author_identifiers WHERE value = ? OR lower(value) = lower(?)",
            [ref, ref, ref]).fetchall()
        return row[0][0] if row else None

    def find_work(self, refs: list[str]) -> str | None:
        """Return the work id that any of `refs` (a work id, or an arXiv id, DOI, W… id) names, or None."""
        refs = [r for r in refs if r]
        row = self.con.execute(
            "SELECT work_id FROM works WHERE work_id IN (SELECT UNNEST(?::VARCHAR[])) UNION ALL "
            "SELECT work_id FROM work_aliases WHERE alias_id IN (SELECT UNNEST(?::VARCHAR[])) UNION ALL "
            "SELECT work_id FROM work_identifiers WHERE value IN (SELECT UNNEST(?::VARCHAR[]))", [refs, refs, refs]).fetchall()
        return row[0][0] if row else None

    def work_decisions(self, record_keys: list[str]) -> pd.DataFrame:
        """Return the split_work / merge_works decisions that name any of these records, oldest first."""
        return self.con.execute("""
            SELECT action, record_keys, other_record_keys, curated_at, curation_id FROM curation
            WHERE action IN ('split_work', 'merge_works')
              AND (list_has_any(record_keys, ?::VARCHAR[]) OR list_has_any(coalesce(other_record_keys, []), ?::VARCHAR[]))
            ORDER BY curated_at, curation_id""", [record_keys, record_keys]).df()

    def records_of_work(self, work_id: str) -> list[str]:
        """Return the record keys of a work (its id or an alias of it)."""
        return [r[0] for r in self.con.execute(
            "SELECT record_key FROM record_works WHERE work_id = coalesce((SELECT work_id FROM work_aliases WHERE alias_id = ?), ?) "
            "ORDER BY 1", [work_id, work_id]).fetchall()]

    def curation(self) -> pd.DataFrame:
        return self.con.execute(CURATION_SQL).df()

    # -- publishing ----------------------------------------------------------------------
    def publish(self) -> Path:
        """Write a consistent snapshot of the working database beside the published one and rename it
        over that one (atomic on POSIX).

        The snapshot is written in the storage format of DuckDB 1.4 (PUBLISHED_STORAGE_VERSION), so
        the DuckDB CLI and clients of the last year open it, not only the 2.0 this pipeline runs.
        """
        target = self.published_path
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        name = self.con.execute("SELECT current_database()").fetchone()[0]
        try:
            self.con.execute("CHECKPOINT")
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            self.con.execute(f"ATTACH '{quoted_path(tmp)}' AS published_snapshot (STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')")
            try:
                self.con.execute(f'COPY FROM DATABASE "{name}" TO published_snapshot')
            finally:
                self.con.execute("DETACH published_snapshot")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            kill_point("publish")
            os.replace(tmp, target)
        except (OSError, duckdb.Error) as exc:
            discard(tmp)
            refused = self.refused_write(exc)  # the published copy sits beside the working one
            if refused is not None:
                raise refused from None
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
            raise WarehouseError(f"can't publish the warehouse to {target}: {reason}") from None
        return target

