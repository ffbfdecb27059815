from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.openalex import WORK_FIELDS, OpenAlexConnector, orcid_key, openalex_author_key, parse_list_page
from scholarflow.errors import AuthorNotFoundError, UserError
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
    works = list(connector.iter_author_works("A5023888391"))
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
