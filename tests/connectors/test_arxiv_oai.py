from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connectors.arxiv import parse_feed
from connectors.arxiv_oai import ArxivHarvester, parse_oai_page, split_authors
from core.errors import SourceRejectedError
from tests.conftest import realdata

OAI = "https://oaipmh.arxiv.org/oai"
PAIRS = realdata("arxiv/tamnd_arxiv-cli_2026")


def _page(records: str, token: str | None = None, size: int | None = None) -> bytes:
    resumption = "" if token is None else f'<resumptionToken completeListSize="{size}" cursor="0">{token}</resumptionToken>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-01T03:00:00Z</responseDate>
<request verb="ListRecords">http://oaipmh.arxiv.org/oai</request><ListRecords>{records}{resumption}</ListRecords></OAI-PMH>""".encode()


def _record(arxiv_id: str, authors: str, versions: list[str], stamp: str = "2026-11-30") -> str:
    listed = "".join(f'<version version="v{i + 1}"><date>{d}</date><size>10kb</size></version>' for i, d in enumerate(versions))
    return f"""<record><header><identifier>oai:arXiv.org:{arxiv_id}</identifier><datestamp>{stamp}</datestamp></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{arxiv_id}</id>{listed}<title>A title
  on two lines</title><authors>{authors}</authors><categories>cs.CV cs.LG</categories><abstract>  Our own
  abstract.</abstract></arXivRaw></metadata></record>"""


DELETED = '<record><header status="deleted"><identifier>oai:arXiv.org:2401.00002</identifier><datestamp>2026-11-30</datestamp></header></record>'


@pytest.mark.skipif(not PAIRS.exists(), reason="../shared/realdata is absent")
@pytest.mark.parametrize("paper", ["1706.03762", "1207.7214", "hep-th_9711200"])
def test_an_arxivraw_record_parses_to_the_entry_the_query_api_gives_for_the_same_paper(paper):
    harvested = parse_oai_page((PAIRS / f"oai_raw_{paper}.xml").read_bytes()).entries[0]
    queried = parse_feed((PAIRS / f"api_{paper}.xml").read_bytes()).entries[0]
    for field, value in queried.items():
        if field in ("title", "summary", "comment", "journal_ref") and value:
            value = " ".join(value.split())  # the API keeps the line breaks of the source text
        assert harvested[field] == value, field
    assert harvested["datestamp"]


def test_author_strings_are_split_into_names():
    assert split_authors("Ashish Vaswani, Noam Shazeer and Illia Polosukhin") == ["Ashish Vaswani", "Noam Shazeer", "Illia Polosukhin"]
    assert split_authors(" The ATLAS Collaboration") == ["The ATLAS Collaboration"]
    assert split_authors("A. Smith (1), B. Jones (1 and 2) ((1) MIT, (2) CERN)") == ["A. Smith", "B. Jones"]
    assert split_authors("Alexander Andrews and Ferdinand Sand") == ["Alexander Andrews", "Ferdinand Sand"]
    assert split_authors(None) == []


@responses.activate
def test_a_harvest_follows_resumption_tokens_honours_503_retry_after_and_lands_every_page(http, sleeps):
    first = _page(_record("2401.00001", "Boxiao Liu and Ann Other", ["Mon, 01 Jan 2024 10:00:00 GMT", "Tue, 26 Nov 2026 09:00:00 GMT"])
                  + DELETED, token="tok|1001", size=3)
    last = _page(_record("2411.00003", "Ann Other", ["Fri, 29 Nov 2026 12:00:00 GMT"]), token="", size=3)
    responses.get(OAI, body=first)
    responses.get(OAI, status=503, headers={"Retry-After": "7"}, body=b"")
    responses.get(OAI, body=last)
    pages = list(ArxivHarvester(http).pages(date(2026, 11, 29)))
    entries = [e for p in pages for e in p.entries]
    assert [e["arxiv_id"] for e in entries] == ["2401.00001", "2411.00003"]
    assert pages[0].deleted == ["2401.00002"] and pages[0].complete_size == 3
    one = entries[0]
    assert (one["version"], one["published"], one["updated"]) == (2, "2024-01-01T10:00:00Z", "2026-11-26T09:00:00Z")
    assert [a["name"] for a in one["authors"]] == ["Boxiao Liu", "Ann Other"]
    assert (one["title"], one["summary"], one["primary_category"]) == ("A title on two lines", "Our own abstract.", "cs.CV")
    queries = [parse_qs(urlsplit(c.request.url).query) for c in responses.calls]
    assert queries[0] == {"verb": ["ListRecords"], "metadataPrefix": ["arXivRaw"], "from": ["2026-11-29"]}
    assert queries[1] == queries[2] == {"verb": ["ListRecords"], "resumptionToken": ["tok|1001"]}
    assert sleeps == [7.0]  # the 503's Retry-After, kept
    assert len(http.landing.index_rows()) == 3 and all(e["_response_id"] for e in entries)


@responses.activate
def test_no_records_since_the_date_is_an_empty_harvest_and_a_bad_token_is_refused(http):
    responses.get(OAI, body=b"""<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
      <error code="noRecordsMatch">The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.</error></OAI-PMH>""")
    pages = list(ArxivHarvester(http).pages(None))
    assert len(pages) == 1 and pages[0].entries == [] and pages[0].token is None
    responses.replace(responses.GET, OAI, body=b"""<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
      <error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error></OAI-PMH>""")
    with pytest.raises(SourceRejectedError, match="badResumptionToken"):
        list(ArxivHarvester(http).pages(None))
