"""`ingest` as an operator runs it: with and without --author, on a fresh and on a full warehouse."""

import json

import duckdb
import pytest

from core.settings import SAMPLE_DIR
from flows.ingest import ingest_files
from flows.refresh import backfill_authors
from tests.conftest import SAMPLE_AUTHORS

pytestmark = pytest.mark.usefixtures("prefect_harness")

AUTHOR = "A5000000002"


def _one_work_file(tmp_path):
    """A saved OpenAlex list page holding one of the author's three works (a partial file)."""
    page = json.loads((SAMPLE_DIR / "openalex" / f"works_{AUTHOR}_p1.json").read_bytes())
    path = tmp_path / "one-work.json"
    path.write_text(json.dumps({"meta": {"count": 1, "next_cursor": None}, "results": page["results"][:1]}))
    return path, page["results"][0]["id"].rsplit("/", 1)[-1]


def _counts(tmp_path):
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    works = con.execute("SELECT count(*) FROM works").fetchone()[0]
    cards = dict(con.execute("SELECT author_id, works_count FROM profile_card").fetchall())
    con.close()
    return works, cards


def test_without_then_with_then_without_author_on_a_fresh_warehouse(tmp_path):
    path, _ = _one_work_file(tmp_path)
    first = ingest_files([str(path)])  # a fresh warehouse, records of no author yet
    assert first["status"] == "succeeded" and first["works_new"] == 1 and first["authors_scored"] == 0
    assert _counts(tmp_path) == (1, {})
    second = ingest_files([str(path)], author=AUTHOR)
    assert second["status"] == "succeeded" and second["works_new"] == 0
    assert _counts(tmp_path) == (1, {AUTHOR: 1})
    third = ingest_files([str(path)])
    assert third["status"] == "succeeded" and _counts(tmp_path) == (1, {AUTHOR: 1})


def test_a_partial_file_for_an_author_only_adds_and_never_removes_their_other_works(tmp_path):
    backfill_authors(SAMPLE_AUTHORS, offline_sample=True)
    works, cards = _counts(tmp_path)
    path, _ = _one_work_file(tmp_path)
    for author in (AUTHOR, None):  # on a full warehouse, with and without --author
        summary = ingest_files([str(path)], author=author)
        assert summary["status"] == "succeeded" and (summary["works_new"], summary["works_changed"]) == (0, 0)
        assert _counts(tmp_path) == (works, cards)
