import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.openalex import WORK_FIELDS, OpenAlexConnector, orcid_key, openalex_author_key, parse_list_page
from core.errors import AuthorNotFoundError, UserError
from tests.conftest import realdata

WORKS = "https://api.openalex.org/works"


def _work(wid, n_authors=2, truncated=False):
    return {"id": f"https://openalex.org/{wid}", "is_authors_truncated": truncated,
            "authorships": [{"author": {"id": f"https://openalex.org/A{i}"}} for i in range(n_authors)]}


@responses.activate
def test_cursor_paging_select_and_truncated_authorships_refetched(http):
    page1 = {"meta": {"count": 3, "next_cursor": "abc"}, "results": [_work("W1"), _work("W2", 100, True)]}
    page2 = {"meta": {"count": 3, "next_cursor": "def"}, "results": [_work("W3")]}
    last = {"meta": {"count": 3, "next_cursor": None}, "results": []}
    for body in (page1, page2, last):
        responses.get(WORKS, json=body)
    responses.get(f"{WORKS}/W2", json=_work("W2", 130))
    connector = OpenAlexConnector(http, api_key="KEY", email="ops@example.org")
    works, announced = connector.list_author_works("A5023888391")
    assert announced == 3
    assert [w["id"][-2:] for w in works] == ["W1", "W2", "W3"]
    assert len(works[1]["authorships"]) == 130
    calls = [urlsplit(c.request.url) for c in responses.calls]
    q0 = parse_qs(calls[0].query)
    assert q0["filter"] == ["author.id:A5023888391"] and q0["cursor"] == ["*"] and q0["per_page"] == ["100"]
    assert set(q0["select"][0].split(",")) == set(WORK_FIELDS)
    assert calls[1].path == "/works/W2"  # refetched as soon as page 1 showed it truncated
    assert parse_qs(calls[2].query)["cursor"] == ["abc"]
    assert responses.calls[0].request.headers["From"] == "ops@example.org"
    assert all("KEY" not in r["url"] for r in http.landing.index_rows())


def _by(wid, *authors, truncated=False):
    return {"id": f"https://openalex.org/{wid}", "is_authors_truncated": truncated,
            "authorships": [{"author": {"id": f"https://openalex.org/{a}"}} for a in authors]}


@responses.activate
def test_several_authors_works_are_listed_in_one_paging_and_each_goes_to_every_author_it_names(http):
    page1 = {"meta": {"count": 4, "next_cursor": "c2"},
             "results": [_by("W1", "A5000000011", "A5000000009"), _by("W2", "A5000000011", "A5000000022"), _by("W3", "A5000000007", truncated=True)]}
    page2 = {"meta": {"count": 4, "next_cursor": None}, "results": [_by("W4", "A5000000008")]}
    for body in (page1, page2):
        responses.get(WORKS, json=body)
    responses.get(f"{WORKS}/W3", json=_by("W3", "A5000000007", "A5000000022"))  # A5000000022 is past the 100 authorships a list gives
    listing = OpenAlexConnector(http).list_works_of_authors(["A5000000011", "A5000000022", "A5000000033"])
    assert {a: [w["id"][-2:] for w in ws] for a, ws in listing.works.items()} == {
        "A5000000011": ["W1", "W2"], "A5000000022": ["W2", "W3"], "A5000000033": []}
    assert (listing.listed, listing.announced, listing.calls) == (4, 4, 2)
    assert listing.unplaced == ["https://openalex.org/W4"]  # names none of the three: nobody's
    first = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert first["filter"] == ["author.id:A5000000011|A5000000022|A5000000033"] and first["per_page"] == ["100"] and first["cursor"] == ["*"]
    with pytest.raises(ValueError, match="1 to 100 authors"):
        OpenAlexConnector(http).list_works_of_authors([f"A{i}" for i in range(101)])


@responses.activate
def test_merged_author_id_redirect_is_followed(http):
    responses.get("https://api.openalex.org/authors/A5092938886", status=301,
                  headers={"Location": "https://api.openalex.org/authors/A5317838346"})
    responses.get("https://api.openalex.org/authors/A5317838346", json={"id": "https://openalex.org/A5317838346"})
    assert OpenAlexConnector(http).get_author("A5092938886")["id"].endswith("A5317838346")


@responses.activate
def test_unknown_author_is_a_clear_error(http):
    responses.get("https://api.openalex.org/authors/A999999", status=404, json={"error": "not found"})
    with pytest.raises(AuthorNotFoundError, match="A999999"):
        OpenAlexConnector(http).get_author("A999999")


@responses.activate
def test_orcid_lookup_url(http):
    responses.get("https://api.openalex.org/authors/https%3A%2F%2Forcid.org%2F0000-0002-1825-0097",
                  json={"id": "https://openalex.org/A1"})
    assert OpenAlexConnector(http).get_author("https://orcid.org/0000-0002-1825-0097")["id"].endswith("A1")


def test_id_recognition():
    assert openalex_author_key("https://openalex.org/a5023888391") == "A5023888391"
    assert openalex_author_key("Jason Priem") is None
    assert orcid_key("0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert orcid_key("0000-0002-1694-233x") == "0000-0002-1694-233X"
    assert orcid_key("Jason Priem") is None
    with pytest.raises(UserError, match="check digit"):
        orcid_key("0000-0002-1825-0098")
    with pytest.raises(UserError, match="malformed ORCID"):
        orcid_key("0000-0002-1825")


def _status(interaction):
    status = interaction["response"]["status"]
    return status["status_code"] if isinstance(status, dict) else int(status)


@pytest.mark.realdata
def test_final_cursor_page_is_empty_with_null_cursor():
    import yaml

    cassette = yaml.safe_load(realdata("openalex/openalexPro_vcr_2025_2026/pro_snowball.yml").read_text())
    bodies = [i["response"]["body"]["string"] for i in cassette["http_interactions"] if _status(i) == 200]
    finals = [parse_list_page(b.encode()) for b in bodies if '"next_cursor":null' in b.replace(" ", "")]
    assert any(results == [] and cursor is None for results, cursor, _ in finals)


@responses.activate
def test_cited_work_texts_come_100_ids_per_request_with_only_the_fields_novelty_needs(http):
    from connectors.openalex import REFERENCE_FIELDS

    ids = [f"W{i}" for i in range(1000, 1150)]

    def answer(request):
        asked = parse_qs(urlsplit(request.url).query)["filter"][0].removeprefix("openalex:").split("|")
        found = [{"id": f"https://openalex.org/{w}", "title": f"T {w}"} for w in asked if w != "W1001"]
        return 200, {}, json.dumps({"meta": {"count": len(found)}, "results": found})

    responses.add_callback(responses.GET, WORKS, callback=answer)
    texts = list(OpenAlexConnector(http).iter_work_texts(ids + ids[:5]))
    assert len(responses.calls) == 2
    sizes = [len(parse_qs(urlsplit(c.request.url).query)["filter"][0].split("|")) for c in responses.calls]
    assert sizes == [100, 50]
    q = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert q["select"] == [",".join(REFERENCE_FIELDS)] and q["per_page"] == ["100"]
    assert len(texts) == 149  # W1001 is gone from OpenAlex


@responses.activate
def test_arxiv_only_candidates_are_looked_up_100_dois_per_request_and_landed(http):
    from connectors.openalex import WORK_FIELDS

    dois = [f"10.48550/arXiv.2401.{i:05d}" for i in range(150)]

    def answer(request):
        asked = parse_qs(urlsplit(request.url).query)["filter"][0].removeprefix("doi:").split("|")
        found = [{"id": f"https://openalex.org/W9{d[-5:]}", "doi": f"https://doi.org/{d}"} for d in asked if d.endswith("7")]
        return 200, {}, json.dumps({"meta": {"count": len(found)}, "results": found})

    responses.add_callback(responses.GET, WORKS, callback=answer)
    works = list(OpenAlexConnector(http).iter_works_by_dois(dois + dois[:3]))
    sizes = [len(parse_qs(urlsplit(c.request.url).query)["filter"][0].split("|")) for c in responses.calls]
    assert sizes == [100, 50]  # 150 distinct DOIs, lower-cased, 100 OR-ed per list call
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["select"] == [",".join(WORK_FIELDS)]
    assert len(works) == 15 and all(w["_response_id"] for w in works)
    assert len(http.landing.landed) == 2  # every answer landed raw


@pytest.mark.realdata
def test_real_work_references_and_texts_stage_for_novelty():
    from transforms.staging import referenced_ids, stage_reference_texts

    work = json.loads(realdata("openalex/b-vitamins_openalex-python_2025/work_W2741809807_state_of_oa_single.json").read_text())
    refs = referenced_ids([work])
    assert len(refs) == 45 and all(r.startswith("W") for r in refs)
    # A real list page answers a batch: its works' abstracts come back from the inverted index.
    page = realdata("openalex/academic_explorer_2025/http_cache_with_url/works_filter_cites_W2741809807_page1_per50.json")
    body = json.loads(page.read_text())["data"]  # the cache wraps the API's answer in {"data": ...}
    results, _, _ = parse_list_page(json.dumps(body).encode())
    asked = [r["id"].rsplit("/", 1)[-1] for r in results] + ["W0"]
    staged = stage_reference_texts(asked, results, "2026-11-22").set_index("openalex_id")
    assert not staged.loc["W0", "found"] and staged["found"].sum() == len(results)
    with_abstract = staged["abstract"].notna().sum()
    assert with_abstract >= len(results) // 2
    assert staged["title"].notna().sum() == len(results)
