import json

import pytest
import responses

from connectors.arxiv import ArxivConnector, parse_feed, author_query
from connectors.files import read_saved
from core.errors import SourceRejectedError, TransientFetchError
from tests.conftest import realdata

ERROR_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry><id>https://arxiv.org/api/errors#start_must_be_an_integer</id><title>Error</title>
  <summary>start must be an integer</summary></entry>
</feed>"""
EMPTY_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>0</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>
</feed>"""
ONE_ENTRY = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>1</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>
  <entry><id>http://arxiv.org/abs/hep-th/9711200v3</id><title>The Large N Limit</title>
  <summary>An abstract.</summary><published>1997-11-27T20:52:25Z</published><updated>1998-01-22T00:00:00Z</updated>
  <author><name>Juan Martín Maldacena</name></author><arxiv:primary_category term="hep-th"/>
  <category term="hep-th"/><arxiv:doi>10.1023/A:1026654312961</arxiv:doi></entry>
</feed>""".encode("utf-8")
API = "https://export.arxiv.org/api/query"


@responses.activate
def test_http_200_error_feed_is_retried_not_taken_as_no_works(http, sleeps):
    responses.get(API, body=ERROR_FEED)
    responses.get(API, body=ONE_ENTRY)
    entries = list(ArxivConnector(http).search_author("Juan Maldacena"))
    assert [e["arxiv_id"] for e in entries] == ["hep-th/9711200"] and len(sleeps) == 1


@responses.activate
def test_rate_exceeded_is_retried(http, sleeps):
    responses.get(API, body=b"Rate exceeded.")
    responses.get(API, body=ONE_ENTRY)
    assert len(ArxivConnector(http).get_by_ids(["hep-th/9711200"])) == 1
    assert sleeps and sleeps[0] >= 10


@responses.activate
def test_empty_first_page_is_retried_before_it_is_believed(http, sleeps):
    for _ in range(3):
        responses.get(API, body=EMPTY_FEED)
    assert list(ArxivConnector(http).search_author("Nobody Atall")) == []
    assert http.requests_made == 3  # two retries, then a consistent empty answer is believed


@responses.activate
def test_persistent_error_feed_fails_with_url_and_attempt(http):
    for _ in range(4):
        responses.get(API, body=ERROR_FEED)
    with pytest.raises(TransientFetchError) as info:
        list(ArxivConnector(http).search_author("X Y"))
    assert info.value.attempt == 4 and "export.arxiv.org" in info.value.url


@responses.activate
def test_http_400_error_feed_is_not_retried(http):
    responses.get(API, status=400, body=ERROR_FEED)
    with pytest.raises(SourceRejectedError):
        ArxivConnector(http).get_by_ids(["abc"])


def test_parse_entry_fields_by_namespace():
    e = parse_feed(ONE_ENTRY).entries[0]
    assert e["arxiv_id"] == "hep-th/9711200" and e["version"] == 3
    assert e["published"].startswith("1997-11-27") and e["primary_category"] == "hep-th"
    assert e["authors"][0]["name"] == "Juan Martín Maldacena"
    assert e["doi"] == "10.1023/A:1026654312961"


def test_author_query_is_an_exact_phrase():
    assert author_query('Boxiao  "Liu"') == 'au:"Boxiao Liu"'


@pytest.mark.realdata
def test_recorded_2026_bodies_keep_vania():
    hits = []
    for path in sorted(realdata("arxiv/arxivpy_2026_recorded").glob("q_testing_*.json")):
        payload = read_saved(path)
        hits += [a["name"] for e in payload.arxiv_entries for a in e["authors"] if "nia" in a["name"]]
    assert any("Vânia" in n for n in hits)
    assert not any("VÃ¢nia" in n for n in hits)


@pytest.mark.realdata
def test_recorded_api_bodies_parse_in_both_layouts():
    new = parse_feed(realdata("arxiv/tamnd_arxiv-cli_2026/api_1706.03762.xml").read_bytes())
    assert new.entries[0]["arxiv_id"] == "1706.03762" and new.entries[0]["version"] == 7
    assert "Lukasz Kaiser" in [a["name"] for a in new.entries[0]["authors"]]
    old = parse_feed(realdata("arxiv/arxivpy_2016_legacy/search_query_au_del_maestro.xml").read_bytes())
    assert len(old.entries) == 10 and old.total_results == 31
    collab = parse_feed(realdata("arxiv/tamnd_arxiv-cli_2026/api_1207.7214.xml").read_bytes()).entries[0]
    assert collab["authors"][0]["name"] == "The ATLAS Collaboration"  # leading space stripped
    err = parse_feed(realdata("arxiv/tamnd_arxiv-cli_2026/api_error_start.xml").read_bytes())
    assert err.errors and not err.entries
    recorded = json.loads(realdata("arxiv/arxivpy_2026_recorded/id_abc_s0_m100_b79c8dcf6bc3.json").read_text())
    assert parse_feed(recorded["body"].encode("latin-1")).errors[0].startswith("incorrect_id_format_for_abc")
