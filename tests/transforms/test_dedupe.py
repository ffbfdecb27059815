import pandas as pd
import pytest

from connectors.files import read_saved
from transforms.dedupe import derive_works
from transforms.staging import stage_records
from tests.conftest import realdata

NO_PRIOR = pd.DataFrame(columns=["record_key", "work_id"])


def _oa(wid, title, year, wtype, cited, doi=None, arxiv=None, authors=("Ann Lee", "Bo Chen"), venue="Journal X"):
    locs = [{"landing_page_url": f"https://arxiv.org/abs/{arxiv}", "source": {"display_name": "arXiv (Cornell University)"},
             "version": "submittedVersion", "is_published": False}] if arxiv else []
    return {"id": f"https://openalex.org/{wid}", "title": title, "publication_year": year, "type": wtype,
            "doi": f"https://doi.org/{doi}" if doi else None, "cited_by_count": cited,
            "primary_location": {"source": {"display_name": venue}}, "locations": locs,
            "authorships": [{"author": {"id": None, "display_name": a}} for a in authors],
            "counts_by_year": [{"year": 2024, "cited_by_count": cited}]}


def _derive(works, entries=(), prior=NO_PRIOR, taken=frozenset()):
    return derive_works(stage_records(works, list(entries)), prior, taken)


def _run(works, entries=(), prior=NO_PRIOR):
    return _derive(works, entries, prior).merged


def test_preprint_and_published_version_merge_on_title_year_and_authors():
    merged = _run([
        _oa("W1", "Deep Nets for Cats", 2021, "preprint", 5, arxiv="2101.00001", venue="arXiv (Cornell University)"),
        _oa("W2", "Deep nets for cats.", 2022, "article", 30, doi="10.1/cats"),
        _oa("W3", "Deep Nets for Cats", 2022, "article", 7, doi="10.1/other", authors=("Zed Q",)),  # other people
    ])
    assert len(merged.works) == 2
    paper = merged.works.set_index("work_id").loc["arxiv:2101.00001"]
    # The published version's bibliographic facts; the largest citation count, never the sum.
    assert (paper.work_type, paper.venue, paper.cited_by_count, paper.record_count) == ("article", "Journal X", 30, 2)
    assert set(merged.identifiers.loc[merged.identifiers.work_id == "arxiv:2101.00001", "value"]) == {"W1", "W2", "10.1/cats", "2101.00001"}
    assert merged.citations_by_year.set_index("work_id").loc["arxiv:2101.00001", "cited_by_count"] == 30


def test_years_too_far_apart_stay_separate():
    merged = _run([_oa("W1", "Same Title", 2010, "preprint", 1), _oa("W2", "Same Title", 2020, "article", 1)])
    assert len(merged.works) == 2


def test_arxiv_entry_joins_by_id_and_dates_from_first_version():
    entry = {"arxiv_id": "2101.00001", "version": 3, "title": "Deep Nets for Cats", "summary": "Our own abstract.",
             "published": "2021-01-04T10:00:00Z", "authors": [{"name": "Ann Lee"}], "categories": ["cs.CV"],
             "primary_category": "cs.CV", "comment": "code: https://github.com/a/cats"}
    merged = _run([_oa("W1", "Deep Nets for Cats", 2021, "preprint", 5, arxiv="2101.00001")], [entry])
    w = merged.works.iloc[0]
    assert (len(merged.works), str(w.published_on), w.category_short, w.code_url) == (1, "2021-01-04", "CV", "https://github.com/a/cats")
    assert w.abstract == "Our own abstract."


def test_stored_work_ids_are_kept_when_a_record_joins():
    prior = pd.DataFrame([{"record_key": "openalex:W2", "work_id": "doi:10.1/cats"}])
    merged = _run([_oa("W1", "Cats", 2021, "preprint", 5, arxiv="2101.00001"),
                   _oa("W2", "Cats", 2021, "article", 9, doi="10.1/cats")], prior=prior)
    assert list(merged.works.work_id) == ["doi:10.1/cats"]  # not the arXiv id a fresh cluster would get


def test_two_stored_works_bridged_by_a_new_record_keep_one_id_and_alias_the_other():
    prior = pd.DataFrame([{"record_key": "openalex:W1", "work_id": "arxiv:2101.00001"},
                          {"record_key": "openalex:W2", "work_id": "doi:10.1/cats"}])
    bridge = {"arxiv_id": "2101.00001", "title": "Cats", "published": "2021-01-04T10:00:00Z", "doi": "10.1/cats",
              "authors": [{"name": "Ann Lee"}], "categories": ["cs.CV"], "primary_category": "cs.CV"}
    derived = _derive([_oa("W1", "Cats", 2021, "preprint", 5, arxiv="2101.00001", authors=("Ann Lee",)),
                       _oa("W2", "Kittens", 2023, "article", 9, doi="10.1/cats", authors=("Ann Lee",))], [bridge], prior,
                      taken={"arxiv:2101.00001", "doi:10.1/cats"})
    assert list(derived.merged.works.work_id) == ["arxiv:2101.00001"]  # the canonical id of the merged cluster
    assert derived.aliases.to_dict("records") == [{"alias_id": "doi:10.1/cats", "work_id": "arxiv:2101.00001"}]
    rules = set(derived.links["rule"])
    assert {"shared_arxiv", "shared_doi"} <= rules


def test_a_split_work_keeps_its_id_on_the_larger_part_and_never_reuses_a_taken_id():
    prior = pd.DataFrame([{"record_key": k, "work_id": "doi:10.1/a"} for k in ("openalex:W1", "openalex:W2", "openalex:W3")])
    derived = _derive([_oa("W1", "Alpha", 2021, "article", 1, doi="10.1/a"), _oa("W2", "Alpha", 2021, "article", 2, doi="10.1/a"),
                       _oa("W3", "Beta", 2021, "article", 3, doi="10.1/b")], prior=prior, taken={"doi:10.1/a", "doi:10.1/b"})
    ids = derived.record_works.set_index("record_key")["work_id"]
    assert ids["openalex:W1"] == ids["openalex:W2"] == "doi:10.1/a"
    assert ids["openalex:W3"] == "openalex:W3"  # doi:10.1/b names another work (or once did): the next readable id
    assert derived.aliases.empty


@pytest.mark.realdata
def test_priem_1304_7300_four_openalex_works_become_one():
    page = read_saved(realdata("openalex/academic_explorer_2025/http_cache_with_url/works_filter_author.id_A5023888391_page1_per50.json"))
    merged = _run(page.openalex_works)
    ids = merged.identifiers
    work = ids.loc[(ids.scheme == "arxiv") & (ids.value == "1304.7300"), "work_id"].item()
    members = set(ids.loc[(ids.work_id == work) & (ids.scheme == "openalex"), "value"])
    assert members == {"W2038196424", "W2949258821", "W4299872130", "W4301494992"}
    row = merged.works.set_index("work_id").loc[work]
    assert row.cited_by_count == 264 and row.work_type == "article" and row.venue == "Scientometrics"
    # 50 records on the page are 38 papers (benchmarks/labels/A5023888391_priem.toml says which and why).
    assert len(merged.works) == 38


@pytest.mark.realdata
def test_w3188841554_preprint_and_w3187234764_published_are_one_paper():
    works = [read_saved(realdata(f"openalex/academic_explorer_2025/works/{w}.json")).openalex_works[0]
             for w in ("W3188841554", "W3187234764")]
    merged = _run(works)
    assert len(merged.works) == 1
    w = merged.works.iloc[0]
    assert w.arxiv_id == "2108.04680" and w.doi == "10.2312/cgvc.20211309" and w.record_count == 2
