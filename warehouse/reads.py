"""Reads from the published warehouse: what the command line (and later the pages) show."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from core.errors import AmbiguousAuthorError, UserError
from warehouse.store import CURATION_SQL, TRACKED_SQL, open_published, quoted_path

__all__ = ["profile", "tracked", "curation", "explain", "explain_work", "query", "records", "site_data", "export_parquet", "PARTITION_ROWS"]

# A table or view with more rows than this is written as Parquet partitioned by its year column.
PARTITION_ROWS = 1_000_000
_YEAR_COLUMNS = ("publication_year", "year")


def records(frame: pd.DataFrame) -> list[dict]:
    """Return a frame's rows as dicts, None wherever a value is missing (never NaN or NA)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _author_id(con: duckdb.DuckDBPyConnection, path: Path, author: str) -> str:
    """Return the author id with a card that `author` (an id or a stored identifier) names.

    A name form that several authors share is refused with the candidates listed, never guessed.
    """
    if con.execute("SELECT 1 FROM profile_card WHERE author_id = ?", [author]).fetchone():
        return author
    found = [r[0] for r in con.execute(
        "SELECT DISTINCT coalesce(m.merged_into, i.author_id) FROM author_identifiers i "
        "LEFT JOIN author_metrics m USING (author_id) WHERE lower(i.value) = lower(?) "
        "UNION SELECT author_id FROM profile_card WHERE lower(display_name) = lower(?) ORDER BY 1",
        [author, author]).fetchall()]
    if not found:
        found = [r[0] for r in con.execute("SELECT merged_into FROM author_metrics WHERE author_id = ? AND merged_into "
                                           "IS NOT NULL", [author]).fetchall()]
    if not found:
        raise UserError(f"no author '{author}' in {path}; backfill them first")
    if len(found) > 1:
        cards = con.execute("SELECT author_id, display_name, affiliation, works_count FROM profile_card "
                            "WHERE author_id IN (SELECT UNNEST(?::VARCHAR[])) ORDER BY author_id", [found]).df()
        raise AmbiguousAuthorError(author, records(cards))
    return found[0]


def _read(path: Path, sql: str) -> pd.DataFrame:
    con = open_published(path)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def tracked(path: Path) -> pd.DataFrame:
    """Return the authors the nightly refresh covers, as last published."""
    return _read(path, TRACKED_SQL)


def curation(path: Path) -> pd.DataFrame:
    """Return every recorded curation decision, oldest first, as last published."""
    return _read(path, CURATION_SQL)


def profile(path: Path, author: str, limit: int = 50) -> tuple[dict, pd.DataFrame]:
    """Return (profile_card row, profile_works rows) for an author id or any stored identifier."""
    con = open_published(path)
    try:
        aid = _author_id(con, path, author)
        card = con.execute("SELECT * FROM profile_card WHERE author_id = ?", [aid]).df().iloc[0].to_dict()
        works = con.execute(
            "SELECT * FROM profile_works WHERE author_id = ? ORDER BY published_on DESC NULLS LAST, title LIMIT ?", [aid, limit]
        ).df()
    finally:
        con.close()
    return card, works


def explain(path: Path, author: str) -> dict:
    """Return everything behind an author's scores: the metrics row with its components, the
    works with their novelty, the scoring configuration, and the source disagreements."""
    con = open_published(path)
    try:
        aid = _author_id(con, path, author)
        metrics = con.execute("SELECT * FROM author_metrics WHERE author_id = ?", [aid]).df().iloc[0].to_dict()
        config = con.execute("SELECT config FROM scoring_versions WHERE scoring_version = ?",
                             [metrics["scoring_version"]]).fetchone()
        works = con.execute(
            "SELECT p.title, p.publication_year, m.field, p.cited_by_count, p.fwci, m.citation_normalized_percentile, "
            "p.novelty, p.novelty_method, m.novelty_basis, p.novelty_pct, m.novelty_cohort_size, m.novelty_cohort, "
            "m.novelty_spread, p.confidence, "
            "p.attribution_method FROM profile_works p JOIN work_metrics m USING (work_id) "
            "WHERE p.author_id = ? ORDER BY p.publication_year DESC NULLS LAST, p.title", [aid]).df()
        quality = con.execute("SELECT check_name, severity, ours, reported, detail FROM data_quality WHERE author_id = ? "
                              "ORDER BY check_name", [aid]).df()
        card = con.execute("SELECT display_name FROM profile_card WHERE author_id = ?", [aid]).fetchone()
    finally:
        con.close()
    return {"author_id": aid, "display_name": card[0] if card else None, "metrics": metrics,
            "config": json.loads(config[0]) if config else {}, "works": works, "data_quality": quality}


def _work_id(con: duckdb.DuckDBPyConnection, path: Path, refs: list[str]) -> str:
    """Return the work that a work id, an alias of one, or one of its identifiers names."""
    refs = [r for r in refs if r]
    row = con.execute(
        "SELECT work_id FROM works WHERE work_id IN (SELECT UNNEST(?::VARCHAR[])) UNION ALL "
        "SELECT work_id FROM work_aliases WHERE alias_id IN (SELECT UNNEST(?::VARCHAR[])) UNION ALL "
        "SELECT work_id FROM work_identifiers WHERE value IN (SELECT UNNEST(?::VARCHAR[])) LIMIT 1",
        [refs, refs, refs]).fetchone()
    if not row:
        raise UserError(f"no work '{refs[0]}' in {path} (give a work id, arXiv id, DOI or W… id)")
    return row[0]


def explain_work(path: Path, refs: list[str]) -> dict:
    """Return why a work's records are one work: the work, each record, every link with its rule,
    score and evidence, the ids merged into it, and the curation that names it."""
    con = open_published(path)
    try:
        wid = _work_id(con, path, refs)
        work = con.execute("SELECT work_id, title, publication_year, work_type, venue, doi, arxiv_id, cited_by_count, "
                           "record_count FROM works WHERE work_id = ?", [wid]).df().iloc[0].to_dict()
        members = con.execute("""
            SELECT r.record_key, s.source, s.payload->>'title' AS title,
                   coalesce(s.payload->>'publication_year', substr(s.payload->>'published', 1, 4)) AS year,
                   coalesce(s.payload->>'type', 'preprint') AS type, s.payload->>'doi' AS doi, r.link_rule,
                   CAST(s.payload->>'cited_by_count' AS INTEGER) AS cited_by_count
            FROM record_works r JOIN source_records s USING (record_key)
            WHERE r.work_id = ? ORDER BY r.record_key""", [wid]).df()
        links = con.execute("SELECT record_a, record_b, rule, score, evidence FROM work_links WHERE work_id = ? "
                            "ORDER BY score DESC, record_a, record_b", [wid]).df()
        aliases = con.execute("SELECT alias_id, aliased_at, run_id FROM work_aliases WHERE work_id = ? ORDER BY alias_id",
                              [wid]).df()
        curation = con.execute("SELECT curated_at, action, author_id, curated_by, reason FROM curation c "
                               "WHERE c.work_id = ? OR c.work_id IN (SELECT alias_id FROM work_aliases WHERE work_id = ?) "
                               "ORDER BY curated_at", [wid, wid]).df()
    finally:
        con.close()
    return {"work": work, "records": members, "links": links, "aliases": aliases, "curation": curation}


def site_data(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (profile_card, profile_works, profile_graph, profile_work_details): everything the static
    pages show, and nothing else."""
    con = open_published(path)
    try:
        cards = con.execute("SELECT * FROM profile_card ORDER BY profile_score DESC NULLS LAST, display_name").df()
        works = con.execute("SELECT * FROM profile_works ORDER BY author_id, published_on DESC NULLS LAST, title").df()
        graph = con.execute("SELECT * FROM profile_graph ORDER BY author_id, edge_type, weight DESC, target_id").df()
        details = con.execute("SELECT * FROM profile_work_details ORDER BY work_id").df()
    finally:
        con.close()
    return cards, works, graph, details


def export_parquet(path: Path, out_dir: Path, partition_rows: int = PARTITION_ROWS) -> dict[str, dict]:
    """Write every table and view of the published warehouse to Parquet in `out_dir`; return name -> {rows, files}.

    One file each (`<name>.parquet`), or, above `partition_rows` rows where there is a year
    column, a folder `<name>/` partitioned by it (Hive style: `<name>/publication_year=2024/…`).
    """
    con = open_published(path)
    written = {}
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "ORDER BY 1").fetchall()]
        for name in names:
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            cols = [r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
            year = next((c for c in _YEAR_COLUMNS if c in cols), None)
            if rows > partition_rows and year:
                target = out_dir / name
                con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{quoted_path(target)}' (FORMAT parquet, PARTITION_BY ({year}))")
                files = sorted(str(p.relative_to(out_dir)) for p in target.rglob("*.parquet"))
            else:
                target = out_dir / f"{name}.parquet"
                con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{quoted_path(target)}' (FORMAT parquet)")
                files = [target.name]
            written[name] = {"rows": int(rows), "files": files, "partitioned_by": year if len(files) > 1 or target.is_dir() else None}
    finally:
        con.close()
    return written


@contextmanager
def _sandboxed(path: Path, timeout: float | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published copy with no access to the file system, interrupted
    after `timeout` seconds; DuckDB's errors become one-line UserErrors."""
    con = open_published(path, sandboxed=True)
    timer = threading.Timer(timeout, con.interrupt) if timeout else None
    try:
        if timer:
            timer.start()
        yield con
    except duckdb.InterruptException:
        raise UserError(f"query stopped after {timeout:g} s (SCHOLARFLOW_SQL_TIMEOUT_SECONDS); narrow it, or raise the limit") from None
    except duckdb.Error as exc:
        raise UserError(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        if timer:
            timer.cancel()
        con.close()


def query(path: Path, sql: str, timeout: float | None = None) -> pd.DataFrame:
    """Return the result of an analyst's query, run read-only on the published copy, with no
    access to the file system (stopped after `timeout` seconds)."""
    with _sandboxed(path, timeout) as con:
        return con.execute(sql).df()


def query_head(path: Path, sql: str, max_rows: int, timeout: float | None = None) -> tuple[pd.DataFrame, bool]:
    """Return (at most `max_rows` rows of the query's result, as Python values, whether more were left
    out): a runaway result never fills a terminal or memory."""
    with _sandboxed(path, timeout) as con:
        result = con.execute(sql)
        rows = result.fetchmany(max_rows + 1)
        return pd.DataFrame(rows[:max_rows], columns=[d[0] for d in result.description or []]), len(rows) > max_rows
