"""Reads from the published warehouse: what the command line (and later the pages) show."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from scholarflow.errors import UserError
from warehouse.store import open_published

__all__ = ["profile", "query"]


def profile(path: Path, author: str, limit: int = 50) -> tuple[dict, pd.DataFrame]:
    """Return (profile_card row, profile_works rows) for an author id or any stored identifier."""
    con = open_published(path)
    try:
        aid = author
        if not con.execute("SELECT 1 FROM profile_card WHERE author_id = ?", [aid]).fetchone():
            row = con.execute(
                "SELECT author_id FROM author_identifiers WHERE value = ? OR lower(value) = lower(?) LIMIT 1", [author, author]
            ).fetchone()
            if not row:
                raise UserError(f"no author '{author}' in {path}; backfill them first")
            aid = row[0]
        card = con.execute("SELECT * FROM profile_card WHERE author_id = ?", [aid]).df().iloc[0].to_dict()
        works = con.execute(
            "SELECT * FROM profile_works WHERE author_id = ? ORDER BY published_on DESC NULLS LAST, title LIMIT ?", [aid, limit]
        ).df()
    finally:
        con.close()
    return card, works


def query(path: Path, sql: str) -> pd.DataFrame:
    """Return the result of an analyst's query, run read-only on the published copy."""
    con = open_published(path)
    try:
        return con.execute(sql).df()
    except duckdb.Error as exc:
        raise UserError(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
