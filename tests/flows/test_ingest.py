"""`ingest` as an operator runs it: with and without --author, on a fresh and on a full warehouse."""

import json

import duckdb
import pytest

from core.settings import SAMPLE_DIR
from flows.ingest import ingest_files
from flows.refresh import backfill_authors
from tests.conftest import SAMPLE_AUTHORS, realdata
from tests.fault_server import content_digests

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


def _generated(n: int, path) -> None:
    """`n` works records made from the real idb_2026 lists, as messy as an export gets: most are the real
    records with a new W id, DOI and title number (papers of their own, compact: no abstract, 10 references);
    every 10th is another OpenAlex record of a paper already in the file (its DOI kept: they merge); every
    10th, after the first pass over the real records, is a real record sent again as it is."""
    folder = realdata("openalex/idb_2026")
    real = [w for f in sorted(folder.glob("openalex_works_author_*.json")) for w in json.loads(f.read_bytes())["results"]]
    with path.open("w") as out:
        for i in range(n):
            w = dict(real[i % len(real)], abstract_inverted_index=None)
            w["referenced_works"] = (w.get("referenced_works") or [])[:10]
            if i % 10 == 3:
                w["id"] = f"https://openalex.org/W8{i:09d}"
                w["ids"] = {**(w.get("ids") or {}), "openalex": w["id"]}
            elif not (i % 10 == 7 and i >= len(real)):
                doi = f"https://doi.org/10.99999/generated.{i}"
                w.update(id=f"https://openalex.org/W9{i:09d}", doi=doi, title=f"{w.get('title') or 'Untitled'} {i}",
                         display_name=None, ids={"openalex": f"https://openalex.org/W9{i:09d}", "doi": doi})
            out.write(json.dumps(w) + "\n")


def test_the_same_5000_generated_records_ingested_again_and_again_change_nothing(tmp_path):
    """Re-running the same input is idempotent at size (it once reported changes and grew work_locations each time)."""
    path = tmp_path / "generated.jsonl"
    _generated(5000, path)
    first = ingest_files([str(path)])
    assert first["status"] == "succeeded" and first["records_fetched"] == 5000
    assert first["merged_duplicates"] > 200 and first["works_new"] < 4800, first  # the duplicates did merge
    published = tmp_path / "data" / "warehouse.duckdb"
    digests = content_digests(published)
    for _ in range(2):
        again = ingest_files([str(path)])
        assert again["status"] == "succeeded" and (again["works_new"], again["works_changed"]) == (0, 0), again
        assert content_digests(published) == digests
