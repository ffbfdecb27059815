import json

import pandas as pd

from transforms.assemble import attribute_authors
from transforms.dedupe import derive_works
from transforms.staging import stage_records

NO_PRIOR = pd.DataFrame(columns=["record_key", "work_id"])


def _oa(wid, arxiv, authors):
    return {"id": f"https://openalex.org/{wid}", "title": f"Paper {wid}", "publication_year": 2022, "type": "preprint",
            "cited_by_count": 3, "locations": [{"landing_page_url": f"https://arxiv.org/abs/{arxiv}"}],
            "authorships": [{"author": {"id": f"https://openalex.org/{aid}" if aid else None, "display_name": n}} for n, aid in authors]}


def _entry(arxiv, title, names, cat):
    return {"arxiv_id": arxiv, "title": title, "summary": "x", "published": "2023-01-01T00:00:00Z",
            "authors": [{"name": n} for n in names], "categories": [cat], "primary_category": cat}


def test_openalex_ids_decide_and_arxiv_only_needs_evidence():
    me = [("Boxiao Liu", "A1"), ("Yu Liu", "A2"), ("Hang Zhou", "A3")]
    oa = [_oa("W1", "2201.00001", me), _oa("W2", "2201.00002", me)]
    entries = [
        _entry("2201.00001", "Paper W1", ["Boxiao Liu", "Yu Liu", "Hang Zhou"], "cs.CV"),
        _entry("2201.00002", "Paper W2", ["Boxiao Liu", "Yu Liu"], "cs.CV"),
        _entry("2301.00003", "Mine, arXiv only", ["Boxiao Liu", "Yu Liu", "Hang Zhou"], "cs.CV"),
        _entry("2301.00004", "A homonym's", ["Boxiao Liu", "Hanna Berg"], "cond-mat.str-el"),
        _entry("2301.00005", "Name and field only", ["Boxiao Liu", "Ola Nordmann"], "cs.CV"),
        _entry("2301.00006", "Not even the name", ["Bo Xiao"], "cs.CV"),
    ]
    staged = stage_records(oa, entries)
    derived = derive_works(staged, NO_PRIOR)
    candidates = pd.DataFrame({"author_id": "A1", "record_key": list(staged.records["record_key"])})
    identity = {"author_id": "A1", "display_name": "Boxiao Liu", "orcid": None, "openalex_ids": ["A1"], "name_variants": []}
    author_works, names = attribute_authors([identity], candidates, derived.record_works, staged)
    aw = author_works.set_index("work_id")
    assert aw.loc["arxiv:2201.00001", "method"] == "openalex_authorship" and aw.loc["arxiv:2201.00001", "confidence"] == 1.0
    assert aw.loc["arxiv:2301.00003", "is_attributed"] and aw.loc["arxiv:2301.00003", "confidence"] == 1.0
    assert sorted(json.loads(aw.loc["arxiv:2301.00003", "evidence"])["shared_coauthors"]) == ["h zhou", "y liu"]
    for homonym in ("arxiv:2301.00004", "arxiv:2301.00005", "arxiv:2301.00006"):
        assert not aw.loc[homonym, "is_attributed"]  # stays reviewable, off the page
    assert aw.loc["arxiv:2301.00004", "confidence"] == 0.3
    assert aw.loc["arxiv:2301.00005", "confidence"] == 0.5
    assert aw.loc["arxiv:2301.00006", "method"] == "no_name_match"
    assert int(author_works["is_attributed"].sum()) == 3
    # The name printed on the attributed arXiv-only work resolves the author next time.
    assert names.to_dict("records") == [{"author_id": "A1", "scheme": "arxiv_name", "value": "Boxiao Liu"}]


def test_openalex_naming_someone_else_at_that_name_wins_over_any_name_evidence():
    me = [("Boxiao Liu", "A1"), ("Yu Liu", "A2"), ("Hang Zhou", "A3")]
    oa = [_oa("W1", "2201.00001", me), _oa("W2", "2201.00002", me)]
    # The arXiv-only candidate shares two co-authors and the category (confidence 1.0 on names alone), but
    # OpenAlex's record of the same arXiv paper gives that position to another Boxiao Liu.
    entry = _entry("2301.00003", "A namesake's paper", ["Boxiao Liu", "Yu Liu", "Hang Zhou"], "cs.CV")
    counterpart = _oa("W9", "2301.00003", [("Boxiao Liu", "A9"), ("Yu Liu", None), ("Hang Zhou", None)])
    staged = stage_records(oa + [counterpart], [_entry("2201.00001", "Paper W1", ["Boxiao Liu"], "cs.CV"), entry])
    derived = derive_works(staged, NO_PRIOR)
    candidates = pd.DataFrame({"author_id": "A1", "record_key": ["openalex:W1", "openalex:W2", "arxiv:2301.00003"]})
    identity = {"author_id": "A1", "display_name": "Boxiao Liu", "orcid": None, "openalex_ids": ["A1"], "name_variants": []}
    aw = attribute_authors([identity], candidates, derived.record_works, staged)[0].set_index("work_id")
    row = aw.loc["arxiv:2301.00003"]
    assert (row.method, row.confidence, bool(row.is_attributed)) == ("other_openalex_author", 0.0, False)
    assert json.loads(row.evidence) == {"matched_name": "Boxiao Liu", "name_match": 0.3, "openalex_author_id": "A9",
                                        "position": 1}
