"""Which records are one paper: each kind of copy seen in real lists merges, each trap stays apart."""

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import realdata
from transforms.dedupe import derive_works
from transforms.links import find_links
from transforms.staging import stage_records

NO_PRIOR = pd.DataFrame(columns=["record_key", "work_id"])
AUTHORS = ("Ann Lee", "Bo Chen", "Cid Park")


def work(wid, title, year=2022, wtype="article", doi=None, authors=AUTHORS, venue="Journal of Rocks", source_type="journal",
         locations=(), abstract=None, volume=None, pages=None, cited=1):
    loc = [{"landing_page_url": u, "source": {"display_name": v, "type": t}} for u, v, t in locations]
    return {"id": f"https://openalex.org/{wid}", "title": title, "publication_year": year, "type": wtype,
            "doi": f"https://doi.org/{doi}" if doi else None, "cited_by_count": cited,
            "primary_location": {"source": {"display_name": venue, "type": source_type} if venue else None},
            "locations": loc, "biblio": {"volume": volume, "first_page": pages[0] if pages else None,
                                         "last_page": pages[1] if pages else None},
            "authorships": [{"author": {"id": None, "display_name": a}} for a in authors],
            "abstract_inverted_index": {w: [i] for i, w in enumerate(abstract.split())} if abstract else None}


def rules(*works):
    """Return {frozenset of the two W ids: rule} of every link between the works."""
    links = find_links(stage_records(list(works), []))
    return {frozenset((a.split(":")[1], b.split(":")[1])): r for a, b, r in zip(links.record_a, links.record_b, links.rule)}


def together(*works) -> bool:
    return len(derive_works(stage_records(list(works), []), NO_PRIOR).merged.works) == 1


PAPER = "Diagenetic controls on the quality of shallow marine sandstones"


@pytest.mark.parametrize("name, a, b, rule", [
    ("arXiv on a Cornell export host",
     work("W1", PAPER, doi="10.1016/j.x.2024.1"),
     work("W2", PAPER, wtype="preprint", venue="arXiv", source_type="repository",
          locations=[("https://arxiv-export-lb.library.cornell.edu/abs/2401.01234v2", "arXiv", "repository")]),
     None),
    ("a 2026 W7 arXiv record without DOI and the DataCite DOI record",
     work("W7100000001", PAPER, doi="10.48550/arxiv.2601.09283", wtype="preprint"),
     work("W7100000002", PAPER, venue="ArXiv.org", locations=[("http://arxiv.org/abs/2601.09283", "ArXiv.org", "repository")]),
     "shared_arxiv"),
    ("Research Square v1 and v2", work("W1", PAPER, doi="10.21203/rs.3.rs-6244542/v1", wtype="preprint"),
     work("W2", "A different working title", doi="10.21203/rs.3.rs-6244542/v2", wtype="preprint"), "doi_family"),
    ("a Zenodo-like concept DOI and a version in figshare", work("W1", PAPER, doi="10.6084/m9.figshare.729080.v1"),
     work("W2", PAPER, doi="10.6084/m9.figshare.729080", wtype="dataset"), "doi_family"),
    ("SSRN copy three years before the journal paper", work("W1", PAPER, year=2019, doi="10.2139/ssrn.4197997",
                                                             venue="SSRN Electronic Journal"),
     work("W2", PAPER.title(), year=2022, doi="10.3389/feart.2022.1105547"), "title_authors"),
    ("EarthArXiv preprint of the paper", work("W1", PAPER, wtype="preprint", doi="10.31223/x5abc1", year=2021),
     work("W2", PAPER, doi="10.1016/j.sedgeo.2023.106342", year=2023), "title_authors"),
    ("SPE meeting paper and its journal version, retitled", work("W1", "A new chemical EOR for sandstone reservoirs",
                                                                 doi="10.2118/172183-ms", year=2014),
     work("W2", "Chelating-agent enhanced oil recovery for sandstone", doi="10.2118/172183-pa", year=2015), "doi_family"),
    ("one article under two DOI prefixes", work("W1", PAPER, doi="10.61551/gsjfr.53.4.305"),
     work("W2", PAPER, doi="10.2113/gsjfr.53.4.305"), "doi_family"),
    ("a DOI written only in a location's landing URL", work("W1", PAPER, doi="10.1016/j.marpetgeo.2021.105058"),
     work("W2", "Role of clay: accepted manuscript", venue="Durham Research Online", source_type="repository",
          locations=[("https://www.sciencedirect.com/science/article/pii/x?via=doi:10.1016/j.marpetgeo.2021.105058",
                      "Durham Research Online", "repository")]), "shared_doi"),
    ("markup, spelling and plural", work("W1", "Optimised CO<sub>2</sub> injections in <i>carbonate</i> reservoirs"),
     work("W2", "Optimized CO2 injection in carbonate reservoirs", doi="10.1/b"), "title_authors"),
    ("an abbreviation spelled out", work("W1", "Intelligent approach for GOSP oil recovery enhancement", doi="10.2118/206045-ms"),
     work("W2", "Intelligent Approach for Gas-Oil Separation Plant Oil Recovery Enhancement", doi="10.2118/210565-pa",
          authors=AUTHORS + ("Dee Fox",)), "title_authors"),
    ("a repository copy of the same kind, without DOI", work("W1", "Depth distribution of modern larger benthic foraminifera",
                                                             doi="10.47894/mpal.64.4.04", year=2018),
     work("W2", "Depth distribution and substrate selection of modern larger benthic foraminifera", venue=None,
          source_type=None, year=2018), "repository_copy"),
    ("a Copernicus discussion paper and its final paper, version number revised",
     work("W1", "FLORIS v1.0: a wake model", doi="10.5194/gmd-2019-123", year=2019, wtype="preprint"),
     work("W2", "FLORIS v1.1: a wake model", doi="10.5194/gmd-13-1234-2020", year=2020), "copernicus_discussion"),
])
def test_copies_of_one_paper_are_linked(name, a, b, rule):
    found = rules(a, b)
    assert found, name
    if rule:
        assert set(found.values()) >= {rule} or rule in found.values(), (name, found)
    assert together(a, b), name


@pytest.mark.parametrize("name, a, b", [
    ("Author Correction", work("W1", PAPER, doi="10.1/a"), work("W2", f"Author Correction: {PAPER}", doi="10.1/b")),
    ("Correction to", work("W1", PAPER, doi="10.1/a"), work("W2", f"Correction to: {PAPER}", doi="10.1/b")),
    ("Erratum typed erratum, identical title", work("W1", PAPER, doi="10.1/a"), work("W2", PAPER, doi="10.1/b", wtype="erratum")),
    ("erratum in a later volume under the identical title",
     work("W1", PAPER, doi="10.1007/s00254-005-0027-x", volume="48", pages=("889", "900")),
     work("W2", PAPER, doi="10.1007/s00254-005-0132-x", volume="49", pages=("634", "635"))),
    ("Reply to", work("W1", PAPER, doi="10.1/a"), work("W2", f"Reply to comment on '{PAPER}'", doi="10.1/b")),
    ("Comment on", work("W1", PAPER, doi="10.1/a"), work("W2", f"Comment on {PAPER}", doi="10.1/b")),
    ("Supplementary material to", work("W1", PAPER, doi="10.1/a"), work("W2", f"Supplementary material to {PAPER}", doi="10.1/b")),
    ("its dataset", work("W1", PAPER, doi="10.1/a"), work("W2", f"Data for: {PAPER}", doi="10.17632/x.1", wtype="dataset")),
    ("a conference abstract with the same title by other people",
     work("W1", PAPER, doi="10.1/a"), work("W2", PAPER, doi="10.5194/egusphere-egu22-9536", wtype="preprint",
                                           authors=("Zed Quinn", "Yo Ito"))),
    ("a conference abstract with the same title by the same people",
     work("W1", PAPER, doi="10.1/a"), work("W2", PAPER, doi="10.5194/egusphere-egu22-9536", wtype="preprint")),
    ("a software release and the paper about it",
     work("W1", "RockFlow: a solver for porous media", doi="10.1/a"),
     work("W2", "RockFlow: a solver for porous media v2.1.0", doi="10.5281/zenodo.123", wtype="other")),
    ("datasets whose titles differ by a number", work("W1", "Crystal structure of compound 12", doi="10.5517/ccdc.1", wtype="dataset"),
     work("W2", "Crystal structure of compound 13", doi="10.5517/ccdc.2", wtype="dataset")),
    ("Part 1 and Part 2", work("W1", f"{PAPER}: Part 1", doi="10.1/a"), work("W2", f"{PAPER}: Part 2", doi="10.1/b")),
    ("one group's two papers, one word apart",
     work("W1", "The impact of CO2 saturated brine salinity on wormhole generation and rock properties", doi="10.1/a"),
     work("W2", "The impact of CO2 saturated brine temperature on wormhole generation and rock properties", doi="10.1/b")),
    ("same title, other people", work("W1", PAPER, doi="10.1/a"), work("W2", PAPER, doi="10.1/b", authors=("Zed Quinn", "Yo Ito"))),
    ("a report on a panel whose title holds the panel's",
     work("W1", "Shaking it up: embracing new methods for publishing", doi="10.1002/meet.2011.1"),
     work("W2", "Shaken and stirred: attendee reactions to shaking it up: embracing new methods for publishing",
          doi="10.1002/meet.2011.2")),
    ("the same title ten years apart", work("W1", PAPER, doi="10.1/a", year=2010), work("W2", PAPER, doi="10.1/b", year=2020)),
])
def test_traps_stay_apart(name, a, b):
    assert rules(a, b) == {}, name
    assert not together(a, b), name


def test_every_link_says_why():
    links = find_links(stage_records([work("W1", PAPER, doi="10.2139/ssrn.1", venue="SSRN"),
                                      work("W2", PAPER.upper(), doi="10.1016/j.x.1")], []))
    ev = json.loads(links.iloc[0]["evidence"])
    assert links.iloc[0]["rule"] == "title_authors"
    assert ev["title_ratio"] == 100.0 and ev["shared_family_names"] == ["chen", "lee", "park"] and ev["years"] == [2022, 2022]


@pytest.mark.realdata
def test_labelled_real_author_lists_merge_as_a_person_decided():
    realdata("openalex/idb_2026")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_quality import LABELS, score_list

    rows = [score_list(f) for f in sorted(LABELS.glob("*.toml"))]
    assert len(rows) >= 16
    tp, found, truth = (sum(r[k] for r in rows) for k in ("tp", "found_pairs", "true_pairs"))
    assert tp / found >= 0.99 and tp / truth >= 0.95
    assert [t for r in rows for t in r["traps"]] == []  # no trap merged


def test_a_persons_split_and_merge_win_over_the_rules_latest_first():
    import datetime as dt

    from transforms.curation import work_constraints

    t0 = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    a, b = work("W1", PAPER, doi="10.1/a"), work("W2", PAPER, doi="10.1/b")
    c = work("W3", "Another paper entirely", doi="10.1/c")
    staged = stage_records([a, b, c], [])
    split = {"action": "split_work", "record_keys": ["openalex:W2"], "other_record_keys": ["openalex:W1"],
             "curated_at": t0, "curation_id": "1"}
    merge = {"action": "merge_works", "record_keys": ["openalex:W1", "openalex:W3"], "other_record_keys": None,
             "curated_at": t0 + dt.timedelta(hours=1), "curation_id": "2"}
    together, apart = work_constraints(pd.DataFrame([split, merge]))
    works = derive_works(staged, NO_PRIOR, together=together, apart=apart).record_works.set_index("record_key")["work_id"]
    assert works["openalex:W1"] == works["openalex:W3"] != works["openalex:W2"]
    unsplit = {**split, "action": "merge_works", "record_keys": ["openalex:W1", "openalex:W2"],
               "curated_at": t0 + dt.timedelta(hours=2), "curation_id": "3"}
    together, apart = work_constraints(pd.DataFrame([split, merge, unsplit]))
    assert apart == set() and len(set(derive_works(staged, NO_PRIOR, together=together, apart=apart)
                                       .record_works["work_id"])) == 1
