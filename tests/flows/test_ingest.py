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


def test_skip_bad_lines_loads_the_good_ones_and_quarantines_the_rest(tmp_path):
    page = json.loads((SAMPLE_DIR / "openalex" / f"works_{AUTHOR}_p1.json").read_bytes())
    path = tmp_path / "works.jsonl"
    lines = [json.dumps(w) for w in page["results"]]
    path.write_text("\n".join([lines[0], '{"id": "https://openalex.org/W9", "title": ', lines[1], "<html>", lines[2]]) + "\n")
    summary = ingest_files([str(path)], author=AUTHOR, skip_bad_lines=True)
    assert summary["status"] == "succeeded" and summary["lines_quarantined"] == 2 and summary["works_new"] == 3
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    rows = con.execute("SELECT line, error, text, input FROM quarantined_lines ORDER BY line").fetchall()
    landed = con.execute("SELECT count(*) FROM raw_responses r JOIN quarantined_lines q USING (response_id)").fetchone()[0]
    con.close()
    assert [(r[0], r[2]) for r in rows] == [(2, '{"id": "https://openalex.org/W9", "title": \n'), (4, "<html>\n")]
    assert "line 2 is not an OpenAlex record" in rows[0][1] and rows[0][3].endswith("works.jsonl") and landed == 2
