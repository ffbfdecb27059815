"""Records are the truth: any order of runs converges to what one run over their union gives.

These drive `store_and_derive` (what every flow's load step runs) on a real DuckDB, with
batches built from saved responses: the bundled sample and real author lists.
"""

import datetime as dt
import itertools
import json
import re

import pandas as pd
import pytest

from connectors.files import read_saved
from flows.steps import store_and_derive
from core.settings import SAMPLE_DIR
from tests.conftest import realdata
from transforms.assemble import AuthorInput, assemble, author_from_saved
from warehouse import Warehouse
from warehouse.store import TABLE_KEYS

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.timezone.utc)
# Columns that say when or in which run something was written: history, not content.
RUN_COLUMNS = {"first_run_id", "last_run_id", "last_seen_at", "aliased_at", "run_id", "response_id"}
WORK_ID_COLUMNS = {"work_id"}


def _sample_author(author_id: str, arxiv_file: str) -> AuthorInput:
    oa = SAMPLE_DIR / "openalex"
    works = [w for p in sorted(oa.glob(f"works_{author_id}_p*.json")) for w in read_saved(p).openalex_works]
    singles = {w["id"]: w for p in oa.glob("work_W*.json") for w in read_saved(p).openalex_works}
    works = [singles.get(w["id"], w) if w.get("is_authors_truncated") else w for w in works]  # what the fetch refetches
    record = read_saved(oa / f"author_{author_id}.json").openalex_authors[0]
    entries = read_saved(SAMPLE_DIR / "arxiv" / arxiv_file).arxiv_entries
    return AuthorInput(author_id, record["display_name"], record=record, openalex_works=works, arxiv_entries=entries)


SAMPLE = {
    "A5000000001": lambda: _sample_author("A5000000001", "au_Boxiao_Liu.xml"),
    "A5000000002": lambda: _sample_author("A5000000002", "au_Lucja_Wroblewska.xml"),
    "A5000000003": lambda: _sample_author("A5000000003", "au_Boxiao_Liu.xml"),
}


def _run(wh, inputs: list[AuthorInput], n: int):
    return store_and_derive(wh, assemble(inputs), f"run-{n}", NOW + dt.timedelta(hours=n))


def _content(wh) -> dict[str, pd.DataFrame]:
    """Every table a run writes, with work ids named by their records (ids may differ by history) and
    run bookkeeping left out."""
    con = wh.con
    names = dict(con.execute("SELECT work_id, string_agg(record_key, '+' ORDER BY record_key) FROM record_works "
                             "GROUP BY work_id").fetchall())
    out = {}
    for table, keys in TABLE_KEYS.items():
        if table == "work_aliases":
            continue  # history: which ids once were works
        df = con.execute(f"SELECT * FROM {table}").df()
        df = df[[c for c in df.columns if c not in RUN_COLUMNS]]
        for col in WORK_ID_COLUMNS & set(df.columns):
            df[col] = df[col].map(lambda w: names.get(w, f"MISSING:{w}"))
        df = df.astype(str)
        out[table] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def _assert_same(a, b):
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table], obj=table)


def _no_orphans(wh):
    con = wh.con
    assert con.execute("SELECT count(*) FROM works WHERE work_id NOT IN (SELECT work_id FROM record_works)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM record_works WHERE work_id NOT IN (SELECT work_id FROM works)").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM source_records WHERE record_key NOT IN "
                       "(SELECT record_key FROM record_works)").fetchone()[0] == 0
    for table in ("work_identifiers", "work_locations", "authorships", "citations_by_year", "author_works"):
        assert con.execute(f"SELECT count(*) FROM {table} WHERE work_id NOT IN (SELECT work_id FROM works)").fetchone()[0] == 0
    # Every alias resolves to a work that stands.
    assert con.execute("SELECT count(*) FROM work_aliases WHERE work_id NOT IN (SELECT work_id FROM works)").fetchone()[0] == 0


def _warehouse(tmp_path, name):
    return Warehouse(tmp_path / f".{name}.work.duckdb", tmp_path / f"{name}.duckdb")


def test_demo_then_backfills_leave_every_authors_works_as_after_the_demo(tmp_path):
    with _warehouse(tmp_path, "w") as wh:
        _run(wh, [SAMPLE[a]() for a in SAMPLE], 0)
        after_demo = _content(wh)
        cards = wh.con.execute("SELECT author_id, count(*), sum(cited_by_count) FROM author_works JOIN works USING (work_id) "
                               "WHERE is_attributed GROUP BY 1 ORDER BY 1").fetchall()
        assert cards == [("A5000000001", 6, 107), ("A5000000002", 4, 76), ("A5000000003", 2, 17)]
        result, _ = _run(wh, [SAMPLE["A5000000001"]()], 1)  # the operator's backfill of one author
        assert (result.works_new, result.works_changed) == (0, 0)
        _assert_same(after_demo, _content(wh))
        _run(wh, [SAMPLE["A5000000003"]()], 2)  # and of the namesake
        _assert_same(after_demo, _content(wh))
        prd = wh.con.execute("SELECT cited_by_count, record_count FROM works WHERE venue = 'Physical Review D'").fetchone()
        assert prd[1] == 2 and prd[0] > 0
        _no_orphans(wh)


@pytest.mark.parametrize("order", list(itertools.permutations(SAMPLE))[::2])
def test_any_order_of_sample_backfills_converges_to_one_run_over_all(tmp_path, order):
    with _warehouse(tmp_path, "union") as wh:
        _run(wh, [SAMPLE[a]() for a in SAMPLE], 0)
        union = _content(wh)
    with _warehouse(tmp_path, "seq") as wh:
        for n, author in enumerate(order):
            _run(wh, [SAMPLE[author]()], n)
        _assert_same(union, _content(wh))
        _no_orphans(wh)


def _idb(author_id: str) -> AuthorInput:
    folder = realdata("openalex/idb_2026")
    works = read_saved(folder / f"openalex_works_author_{author_id}.json").openalex_works
    record = read_saved(folder / f"openalex_author_{author_id}.json").openalex_authors
    return author_from_saved(author_id, works, [], record, None)


@pytest.mark.realdata
def test_real_co_author_lists_in_any_order_and_halves_converge(tmp_path):
    # Two real 2026 author lists that share 9 works, loaded whole, reversed, and in halves.
    a, b = _idb("A5056606328"), _idb("A5066251556")
    with _warehouse(tmp_path, "union") as wh:
        _run(wh, [a, b], 0)
        union = _content(wh)
        shared = wh.con.execute("SELECT count(*) FROM (SELECT work_id FROM author_works WHERE is_attributed "
                                "GROUP BY work_id HAVING count(*) = 2)").fetchone()[0]
        assert shared >= 9
    with _warehouse(tmp_path, "reversed") as wh:
        _run(wh, [b], 0)
        _run(wh, [a], 1)
        _assert_same(union, _content(wh))
        # What a page shows of real lists: no markup or escaped entity left in any title, and no
        # work whose per-year citations add up to more than its count.
        titles = [r[0] for r in wh.con.execute("SELECT title FROM works WHERE title IS NOT NULL").fetchall()]
        assert len(titles) > 60 and [t for t in titles if re.search(r"</?[a-z][\w:]*[ >/]|&[a-z]+;|&#\d+;", t, re.I)] == []
        assert wh.con.execute("SELECT count(*) FROM works w JOIN (SELECT work_id, sum(cited_by_count) AS s FROM "
                              "citations_by_year GROUP BY 1) c USING (work_id) WHERE c.s > w.cited_by_count").fetchone()[0] == 0
    with _warehouse(tmp_path, "halves") as wh:
        half = len(a.openalex_works) // 2
        # The second half first, then the rest: the author's page must hold every work, not the last half.
        _run(wh, [AuthorInput(a.author_id, a.display_name, record=a.record, openalex_works=a.openalex_works[half:])], 0)
        _run(wh, [b], 1)
        _run(wh, [AuthorInput(a.author_id, a.display_name, record=a.record, openalex_works=a.openalex_works[:half])], 2)
        _assert_same(union, _content(wh))
        _no_orphans(wh)


def test_a_record_that_bridges_two_stored_works_merges_them_and_the_old_id_resolves(tmp_path):
    def work(wid, title, doi=None, arxiv=None):
        locs = [{"landing_page_url": f"https://arxiv.org/abs/{arxiv}", "source": {"display_name": "arXiv"}}] if arxiv else []
        return {"id": f"https://openalex.org/{wid}", "title": title, "publication_year": 2024, "type": "article",
                "doi": f"https://doi.org/{doi}" if doi else None, "cited_by_count": 4, "locations": locs,
                "authorships": [{"author": {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}}]}

    me = {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}
    with _warehouse(tmp_path, "w") as wh:
        _run(wh, [AuthorInput("A1", "Ann Lee", record=me, openalex_works=[work("W1", "Cats", arxiv="2401.00001")])], 0)
        _run(wh, [AuthorInput("A1", "Ann Lee", record=me, openalex_works=[work("W2", "Dogs", doi="10.1/dogs")])], 1)
        assert wh.con.execute("SELECT count(*) FROM works").fetchone()[0] == 2
        wh.con.execute("INSERT INTO curation VALUES ('c1', 'exclude', 'A1', 'doi:10.1/dogs', NULL, 'me', now(), 'test', NULL, NULL)")
        # A third record carries both identifiers: the two stored works are one paper after all.
        _, stats = _run(wh, [AuthorInput("A1", "Ann Lee", record=me,
                                         openalex_works=[work("W3", "Cats", doi="10.1/dogs", arxiv="2401.00001")])], 2)
        assert stats["works_aliased"] == 1
        assert wh.con.execute("SELECT work_id, record_count FROM works").fetchall() == [("arxiv:2401.00001", 3)]
        assert wh.con.execute("SELECT * EXCLUDE (aliased_at) FROM work_aliases").fetchall() == [
            ("doi:10.1/dogs", "arxiv:2401.00001", "run-2")]
        assert wh.find_work(["doi:10.1/dogs"]) == "arxiv:2401.00001"
        curation = wh.scoring_frames()["curation"]
        assert curation["work_id"].tolist() == ["arxiv:2401.00001"]  # the decision follows the merged work
        links = wh.con.execute("SELECT rule, evidence FROM work_links ORDER BY rule").fetchall()
        assert [r for r, _ in links] == ["shared_arxiv", "shared_doi"]
        assert json.loads(links[1][1]) == {"doi": "10.1/dogs"}
        _no_orphans(wh)


def _decide(wh, action, work_id, keys, others=None, when=NOW):
    from transforms.curation import curation_row

    wh.add_curation(curation_row(action, "*", "Ada", "test", when, work_id=work_id, record_keys=keys, other_record_keys=others))


def test_a_person_splits_and_merges_works_and_every_later_run_keeps_the_decision(tmp_path):
    from flows.steps import rederive

    with _warehouse(tmp_path, "w") as wh:
        _run(wh, [SAMPLE[a]() for a in SAMPLE], 0)
        work = "arxiv:2202.07940"
        members = wh.records_of_work(work)
        assert members == ["arxiv:2202.07940", "openalex:W5000000014", "openalex:W5000000017"]
        _decide(wh, "split_work", work, ["openalex:W5000000017"], members[:2])
        rederive(wh, members, "run-split", NOW)
        assert wh.records_of_work(work) == members[:2]
        split_id = wh.con.execute("SELECT work_id FROM record_works WHERE record_key = 'openalex:W5000000017'").fetchone()[0]
        assert split_id == "openalex:W5000000017"  # the best readable id nobody holds
        _run(wh, [SAMPLE["A5000000001"]()], 1)  # a backfill brings the same records: the split holds
        assert wh.records_of_work(work) == members[:2]
        _no_orphans(wh)

        _decide(wh, "merge_works", work, members, when=NOW + dt.timedelta(minutes=1))  # a later merge wins
        rederive(wh, members, "run-merge", NOW)
        assert wh.records_of_work(work) == members
        assert wh.con.execute("SELECT rule FROM work_links WHERE rule = 'curated_merge' LIMIT 1").fetchone() == ("curated_merge",)
        assert wh.find_work(["openalex:W5000000017"]) == work  # the split-off id became an alias
        _run(wh, [SAMPLE["A5000000001"]()], 2)
        assert wh.records_of_work(work) == members
        _no_orphans(wh)


def test_a_record_whose_data_changes_splits_its_work_and_nothing_is_orphaned(tmp_path):
    def work(wid, title, doi):
        return {"id": f"https://openalex.org/{wid}", "title": title, "publication_year": 2024, "type": "article",
                "doi": f"https://doi.org/{doi}", "cited_by_count": 2,
                "authorships": [{"author": {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}}]}

    me = {"id": "https://openalex.org/A1", "display_name": "Ann Lee"}
    with _warehouse(tmp_path, "w") as wh:
        _run(wh, [AuthorInput("A1", "Ann Lee", record=me, openalex_works=[work("W1", "Cats", "10.1/cats"),
                                                                           work("W2", "Cats", "10.1/cats")])], 0)
        assert wh.con.execute("SELECT count(*) FROM works").fetchone()[0] == 1
        # OpenAlex corrects W2: another paper, another DOI. Its old work must split, not keep it.
        _run(wh, [AuthorInput("A1", "Ann Lee", record=me, openalex_works=[work("W2", "Dogs", "10.1/dogs")])], 1)
        assert sorted(wh.con.execute("SELECT work_id, record_count FROM works").fetchall()) == [
            ("doi:10.1/cats", 1), ("doi:10.1/dogs", 1)]
        assert wh.con.execute("SELECT count(*) FROM author_works WHERE is_attributed").fetchone()[0] == 2
        _no_orphans(wh)


@pytest.mark.realdata
def test_a_file_ingested_in_chunks_equals_one_load_of_all_its_records(tmp_path):
    # A real author list as JSON Lines (gzip'd, with the author's record on the last line), streamed
    # in chunks of 7 records: the same warehouse as one load of every record, and the file landed byte for byte.
    import gzip

    from connectors.landing import RawLanding, read_landed
    from flows.steps import store_files

    a = _idb("A5056606328")
    lines = [json.dumps(w) for w in a.openalex_works] + [json.dumps(a.record)]
    path = tmp_path / "list.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with _warehouse(tmp_path, "whole") as wh:
        _run(wh, [a], 0)
        whole = _content(wh)
    with _warehouse(tmp_path, "chunks") as wh:
        landing = RawLanding(tmp_path / "raw", "run-0")
        told = []
        result, stats = store_files(wh, landing, [str(path)], a.author_id, "run-0", NOW, batch=7,
                                    on_chunk=lambda name, n: told.append(n))
        # Chunks of 7 lines; the author's own record is a line but not a work record.
        assert told[-1] == len(a.openalex_works) and len(told) == -(-len(lines) // 7)
        assert stats["records_fetched"] == len(a.openalex_works) and result.works_new == stats["works"]
        _assert_same(whole, _content(wh))
        _no_orphans(wh)
        (landed,) = landing.landed
        assert read_landed(tmp_path / "raw", landed.path) == path.read_bytes() and landed.byte_count == path.stat().st_size
        assert wh.con.execute("SELECT count(*) FROM source_records WHERE response_id <> ?",
                              [landed.response_id]).fetchone()[0] == 0
        # The same file again: every record is marked seen by the new run, none is staged or re-derived.
        result, stats = store_files(wh, RawLanding(tmp_path / "raw", "run-1"), [str(path)], a.author_id, "run-1", NOW, batch=7)
        assert (result.works_new, result.works_changed, stats["records"], stats["records_fetched"]) == (0, 0, 0, len(a.openalex_works))
        assert wh.con.execute("SELECT count(*) FROM source_records WHERE last_run_id <> 'run-1'").fetchone()[0] == 0
        assert wh.con.execute("SELECT count(*) FROM author_records WHERE last_run_id <> 'run-1'").fetchone()[0] == 0
        _assert_same(whole, _content(wh))


def test_a_bad_line_deep_in_a_file_rolls_the_whole_ingest_back_and_lands_nothing(tmp_path):
    from connectors.landing import RawLanding
    from core.errors import InputFileError
    from flows.steps import store_files

    works = [w for p in sorted((SAMPLE_DIR / "openalex").glob("works_A5000000001_p*.json")) for w in read_saved(p).openalex_works]
    path = tmp_path / "works.jsonl"
    path.write_text("".join(json.dumps(w) + "\n" for w in works) + '{"id": "https://openalex.org/W1", "title": \n')
    with _warehouse(tmp_path, "w") as wh:
        _run(wh, [SAMPLE["A5000000002"]()], 0)
        before = _content(wh)
        with pytest.raises(InputFileError, match=rf"line {len(works) + 1} is not an OpenAlex record"):
            store_files(wh, RawLanding(tmp_path / "raw", "run-1"), [str(path)], "A5000000001", "run-1", NOW, batch=2)
        _assert_same(before, _content(wh))
    assert [p for p in (tmp_path / "raw").rglob("*") if p.is_file()] == []


def test_loading_the_same_records_again_rewrites_no_derived_row(tmp_path):
    # Every derived row is written only when it differs: a second load of the same input deletes and
    # inserts nothing (the rows keep their row ids), so a re-run neither churns nor grows the file.
    from warehouse.store import WORK_TABLES

    inputs = [SAMPLE["A5000000001"](), SAMPLE["A5000000002"]()]
    with _warehouse(tmp_path, "w") as wh:
        _run(wh, inputs, 0)
        before = {t: wh.con.execute(f"SELECT rowid FROM {t} ORDER BY rowid").fetchall() for t in (*WORK_TABLES, "record_works")}
        content = _content(wh)
        result, stats = _run(wh, [SAMPLE["A5000000001"](), SAMPLE["A5000000002"]()], 1)
        assert (result.works_new, result.works_changed, stats["records"]) == (0, 0, 0)  # nothing re-derived
        after = {t: wh.con.execute(f"SELECT rowid FROM {t} ORDER BY rowid").fetchall() for t in before}
        assert after == before and all(before[t] for t in ("works", "work_identifiers", "work_locations"))
        _assert_same(content, _content(wh))


def test_a_change_re_derives_only_what_it_touches_and_a_new_identity_re_attributes_all(tmp_path):
    a, b = SAMPLE["A5000000001"](), SAMPLE["A5000000002"]()
    with _warehouse(tmp_path, "w") as wh:
        _run(wh, [a, b], 0)
        records = wh.con.execute("SELECT count(*) FROM source_records").fetchone()[0]
        # One work's citation count changes: its cluster is re-derived, not the warehouse.
        b2 = SAMPLE["A5000000002"]()
        b2.openalex_works[0] = {**b2.openalex_works[0], "cited_by_count": 999}
        _, stats = _run(wh, [b2], 1)
        assert 1 <= stats["records"] < records / 3
        assert wh.con.execute("SELECT max(cited_by_count) FROM works").fetchone()[0] == 999
        # The author's record now carries an ORCID: every candidate of theirs is attributed again.
        b3 = SAMPLE["A5000000002"]()
        b3.record = {**b3.record, "orcid": "https://orcid.org/0000-0002-1825-0097"}
        _, stats = _run(wh, [b3], 2)
        candidates = wh.con.execute("SELECT count(*) FROM author_records WHERE author_id = 'A5000000002'").fetchone()[0]
        assert stats["records"] >= candidates and stats["authors_attributed"] >= 1
        assert wh.con.execute("SELECT orcid FROM authors WHERE author_id = 'A5000000002'").fetchone()[0] == "0000-0002-1825-0097"


@pytest.mark.realdata
def test_novelty_on_real_lists_ranks_works_across_the_scale(tmp_path):
    # Eight real 2026 author lists, loaded and scored as a run does: Novelty % must tell works apart
    # (before, cohorts of 1-2 works put nearly every work at the 50th percentile).
    from core.settings import load_scoring_config
    from transforms.embed import HashingEmbedder
    from transforms.scores import ScoringInputs, score

    folder = realdata("openalex/idb_2026")
    authors = sorted(p.stem.removeprefix("openalex_author_") for p in folder.glob("openalex_author_*.json"))[:8]
    with _warehouse(tmp_path, "real") as wh:
        _run(wh, [_idb(a) for a in authors], 0)
        scores = score(ScoringInputs(**wh.scoring_frames()), load_scoring_config(), NOW.date(), 1, embedder=HashingEmbedder())
    wm = scores.work_metrics
    ranked = wm["novelty_pct"].dropna().astype(float)
    assert len(wm) > 150 and len(ranked) >= 0.3 * len(wm)
    assert (wm.loc[wm["novelty_pct"].notna(), "novelty_cohort_size"] >= 30).all()
    assert ranked.quantile(0.25) < 40 and ranked.quantile(0.75) > 60  # spread across the scale, not piled at 50
    assert (ranked.round() == 50).mean() < 0.1
    unranked = wm[wm["novelty"].notna() & wm["novelty_pct"].isna()]
    assert (unranked["novelty_cohort_size"] < 30).all()  # shown as "not enough comparable works", never a number
    basis = scores.novelty_neighbours
    assert set(basis["work_id"]) == set(wm.loc[wm["novelty"].notna(), "work_id"])
    assert basis.groupby("work_id")["rank"].max().le(3).all()
