import pytest

from flows.refresh import backfill_author, backfill_authors, nightly_refresh
from core.errors import AmbiguousAuthorError, AuthorNotFoundError, ConfigError
from core.settings import Settings
from tests.conftest import SAMPLE_AUTHORS
from warehouse import Warehouse, open_published

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _published(tmp_path):
    return open_published(tmp_path / "data" / "warehouse.duckdb")


def test_backfill_of_the_sample_loads_merges_attributes_and_is_harmless_to_rerun(tmp_path):
    first = backfill_authors(SAMPLE_AUTHORS, offline_sample=True)
    assert first["status"] == "succeeded" and first["authors_failed"] == 0
    assert (first["works_new"], first["merged_duplicates"]) == (13, 9)
    assert (first["arxiv_attributed"], first["arxiv_rejected"]) == (2, 9)
    con = _published(tmp_path)
    card = con.execute("SELECT * FROM profile_card WHERE author_id = 'A5000000001'").df().iloc[0]
    assert (card.works_count, card.h_index, card.cited_by_count, card.field) == (6, 5, 107, "Computer Vision and Pattern Recognition")
    # The per-year bars never add up to more than the header's total (each work's series is its counted copy's).
    assert sum(y["cited_by_count"] for y in card.citations_by_year) <= card.cited_by_count
    # The big-team work came back whole from the singleton.
    assert con.execute("SELECT author_count FROM works WHERE doi = '10.1109/tpami.2024.0000001'").fetchone()[0] == 120
    assert con.execute("SELECT count(*) FROM authorships WHERE work_id = 'doi:10.1109/tpami.2024.0000001'").fetchone()[0] == 120
    # The homonym's papers are reviewable but not on the page.
    rejected = con.execute("SELECT count(*) FROM author_works WHERE author_id = 'A5000000001' AND NOT is_attributed").fetchone()[0]
    assert rejected == 3
    assert con.execute("SELECT count(*) FROM profile_works WHERE work_id = 'arxiv:2402.01111'").fetchone()[0] == 0
    # Non-ASCII name, TeX title read as text, Code badge from the arXiv comment (gitlab).
    lw = con.execute("SELECT title, has_code, code_url FROM profile_works WHERE author_id = 'A5000000002' AND title LIKE 'ε%'").fetchone()
    assert lw == ("ε-Greedy Exploration Revisited: State-Dependent Schedules", True, "https://gitlab.com/lwroblewska/eps-schedules")
    assert con.execute("SELECT display_name FROM authors WHERE author_id = 'A5000000002'").fetchone()[0] == "Łucja Wróblewska"
    # Missing OpenAlex abstract filled from arXiv.
    assert con.execute("SELECT abstract IS NOT NULL FROM works WHERE work_id = 'arxiv:2202.07940'").fetchone()[0]
    # ...and its *.github.io project page is not taken for a code repository.
    assert con.execute("SELECT abstract LIKE '%github.io%' AND NOT has_code FROM works WHERE work_id = 'arxiv:2202.07940'").fetchone()[0]
    before = con.execute("SELECT count(*) FROM works").fetchone()[0]
    con.close()
    raw = _published(tmp_path).execute("SELECT count(*) FROM raw_responses").fetchone()[0]
    # 8 for the authors: 3 singletons, one listing of the three authors' works together (12 works, where each
    # author alone took 3, 2 and 2 pages), the big-team work's singleton and 3 arXiv name queries; 2 for the
    # texts of all 197 cited works (100 ids OR-ed per request), 1 for the OpenAlex records of the arXiv-only
    # candidates (100 DOIs OR-ed per request).
    assert raw == first["requests_made"] == 11
    assert (first["openalex_requests"], first["arxiv_requests"]) == (8, 3)

    second = backfill_authors(SAMPLE_AUTHORS, offline_sample=True)
    assert (second["works_new"], second["works_changed"]) == (0, 0)
    # A reference's text is fetched once, ever; arXiv-only candidates OpenAlex does not know are asked again.
    assert second["requests_made"] == 9
    assert second["scoring_version"] == first["scoring_version"] == 1
    con = _published(tmp_path)
    assert con.execute("SELECT count(*) FILTER (WHERE found), count(*) FROM reference_texts").fetchone() == (196, 197)
    assert con.execute("SELECT count(*) FROM author_metrics_history").fetchone()[0] == 3  # same day, same version
    assert con.execute("SELECT count(*) FROM works").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'succeeded'").fetchone()[0] == 2
    assert con.execute("SELECT requests_made, openalex_requests, arxiv_requests FROM runs ORDER BY started_at").fetchall() == [
        (11, 8, 3), (9, 6, 3)]
    con.close()


def test_backfill_by_orcid_and_ambiguous_name(tmp_path):
    summary = backfill_author("0000-0002-1825-0097", offline_sample=True)
    assert summary["status"] == "succeeded"
    with pytest.raises(AmbiguousAuthorError) as info:
        backfill_author("Boxiao Liu", offline_sample=True)
    assert {c["author_id"] for c in info.value.candidates} == {"A5000000001", "A5000000003"}
    assert "SenseTime Research" in str(info.value)


def test_nightly_one_failure_does_not_stop_the_others(tmp_path):
    settings = Settings()
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        import datetime as dt
        now = dt.datetime.now(dt.timezone.utc)
        wh.track("A5000000002", None, now)
        wh.track("A5999999999", "not in the sample", now)
    summary = nightly_refresh(offline_sample=True)
    assert summary["status"] == "partial" and summary["authors_failed"] == 1
    assert summary["errors"][0]["author"] == "A5999999999"
    con = _published(tmp_path)
    row = con.execute("SELECT status, authors_failed, errors FROM runs").fetchone()
    assert row[0] == "partial" and row[1] == 1 and "A5999999999" in row[2]
    assert con.execute("SELECT works_count FROM profile_card WHERE author_id = 'A5000000002'").fetchone()[0] == 4
    con.close()


def test_unknown_author_backfill_fails_and_keeps_data(tmp_path):
    backfill_author("A5000000002", offline_sample=True)
    with pytest.raises(AuthorNotFoundError):
        backfill_author("A5999999999", offline_sample=True)
    con = _published(tmp_path)
    assert con.execute("SELECT count(*) FROM profile_works").fetchone()[0] == 4
    assert con.execute("SELECT status FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0] == "failed"
    con.close()


def test_live_run_without_key_stops_before_any_work(tmp_path):
    with pytest.raises(ConfigError, match="OPENALEX_API_KEY"):
        backfill_author("A5000000002")
    assert not (tmp_path / "data").exists()


def test_a_reader_keeps_querying_while_a_backfill_runs_and_publishes(tmp_path):
    import subprocess
    import sys
    import textwrap

    backfill_author("A5000000002", offline_sample=True)
    published = tmp_path / "data" / "warehouse.duckdb"
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, select, sys
            con = duckdb.connect({str(published)!r}, read_only=True)
            q = "SELECT count(*), sum(works_count) FROM profile_card"
            first = con.execute(q).fetchone()
            print("ready", *first, flush=True)
            answers = 0
            # Query over and over until told the backfill has published: the same whole snapshot each time.
            while not select.select([sys.stdin], [], [], 0.02)[0]:
                assert con.execute(q).fetchone() == first
                answers += 1
            print("held", *con.execute(q).fetchone(), answers, flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["ready", "1", "4"]
        summary = backfill_author("A5000000001", offline_sample=True)  # runs and publishes while the reader holds on
        out, err = reader.communicate("done\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert summary["status"] == "succeeded"
    assert reader.returncode == 0, err
    held = out.split()
    assert held[:3] == ["held", "1", "4"] and int(held[3]) > 20  # the old snapshot, queried throughout
    con = open_published(published)  # a new connection sees the new data
    assert con.execute("SELECT count(*), sum(works_count) FROM profile_card").fetchone() == (2, 10)
    con.close()


def test_a_namesakes_paper_found_by_a_doi_lookup_is_kept_off_the_page(tmp_path):
    # Alone, Boxiao Liu (CV)'s arXiv name search brings the physicist's lattice paper; its DOI lookup finds the
    # OpenAlex record that gives that name to another author, which keeps it off the page whatever the name says.
    summary = backfill_author("A5000000001", offline_sample=True)
    assert summary["status"] == "succeeded"
    con = _published(tmp_path)
    method, evidence = con.execute(
        "SELECT aw.method, aw.evidence FROM author_works aw JOIN record_works r USING (work_id) "
        "WHERE aw.author_id = 'A5000000001' AND r.record_key = 'arxiv:2306.05678'").fetchone()
    assert method == "other_openalex_author" and '"openalex_author_id": "A5000000003"' in evidence
    assert con.execute("SELECT count(*) FROM raw_responses WHERE url LIKE '%filter=doi:10.48550%'").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM source_records WHERE record_key = 'openalex:W5000000032'").fetchone()[0] == 1
    con.close()


def test_a_warehouse_from_before_records_were_stored_gets_them_from_its_raw_landing(tmp_path):
    backfill_authors(SAMPLE_AUTHORS, offline_sample=True)
    settings = Settings()
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        q = "SELECT work_id, record_count, cited_by_count FROM works ORDER BY 1"
        works = wh.con.execute(q).fetchall()
        cards = wh.con.execute("SELECT author_id, count(*) FROM author_works WHERE is_attributed GROUP BY 1 ORDER BY 1").fetchall()
        # What an older warehouse looks like: works and attribution, no records behind them (its raw landing is whole).
        for table in ("source_records", "record_keys", "record_works", "author_records", "work_links"):
            wh.con.execute(f"DELETE FROM {table}")
    summary = backfill_author("A5000000001", offline_sample=True)  # the first run after the upgrade
    assert summary["status"] == "succeeded" and summary["records_restored"] == 22  # the demo's distinct records
    con = _published(tmp_path)
    assert con.execute(q).fetchall() == works  # every work kept its id, its records and its citations
    assert con.execute("SELECT author_id, count(*) FROM author_works WHERE is_attributed GROUP BY 1 ORDER BY 1").fetchall() == cards
    assert con.execute("SELECT count(*) FROM works WHERE work_id NOT IN (SELECT work_id FROM record_works)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM work_aliases").fetchone()[0] == 0
    con.close()
