import json

import pandas as pd

from transforms.assemble import AuthorInput, assemble

NO_EXISTING = pd.DataFrame(columns=["scheme", "value", "work_id"])


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
    frames = assemble([AuthorInput("A1", "Boxiao Liu", openalex_works=oa, arxiv_entries=entries)], NO_EXISTING)
    aw = frames.author_works.set_index("work_id")
    assert aw.loc["arxiv:2201.00001", "method"] == "openalex_authorship" and aw.loc["arxiv:2201.00001", "confidence"] == 1.0
    assert aw.loc["arxiv:2301.00003", "is_attributed"] and aw.loc["arxiv:2301.00003", "confidence"] == 1.0
    assert sorted(json.loads(aw.loc["arxiv:2301.00003", "evidence"])["shared_coauthors"]) == ["h zhou", "y liu"]
    for homonym in ("arxiv:2301.00004", "arxiv:2301.00005", "arxiv:2301.00006"):
        assert not aw.loc[homonym, "is_attributed"]  # stays reviewable, off the page
    assert aw.loc["arxiv:2301.00004", "confidence"] == 0.3
    assert aw.loc["arxiv:2301.00005", "confidence"] == 0.5
    assert aw.loc["arxiv:2301.00006", "method"] == "no_name_match"
    assert int(frames.author_works["is_attributed"].sum()) == 3
    assert frames.stats["arxiv_attributed"] == 1 and frames.stats["arxiv_rejected"] == 3
    resolved = frames.authorships[frames.authorships.work_id == "arxiv:2301.00003"]
    assert resolved.loc[resolved.position == 1, "resolved_author_id"].item() == "A1"
