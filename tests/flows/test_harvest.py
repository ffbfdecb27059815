"""The nightly's arXiv side: one OAI-PMH harvest of what changed, matched by name, instead of a name search per author.

The live path runs over HTTP on 127.0.0.1 (`FaultServer`) against the bundled sample's
recordings plus two harvest pages written here: a new preprint of Łucja Wróblewska (two of her
co-authors), a namesake's paper in another field, an unrelated one, and a deletion.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from core.settings import SAMPLE_DIR, Settings
from flows.refresh import backfill_authors, nightly_refresh
from tests.fault_server import FaultServer, content_digests
from warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")

OAI = "https://oaipmh.arxiv.org/oai"
NAME_SEARCH = "/arxiv/api/query"
HARVEST = "/oaipmh/oai"


def _record(arxiv_id: str, authors: str, categories: str, title: str, first: str) -> str:
    return f"""<record><header><identifier>oai:arXiv.org:{arxiv_id}</identifier><datestamp>2026-11-30</datestamp></header>
<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{arxiv_id}</id>
<version version="v1"><date>{first}</date><size>20kb</size></version>
<title>{title}</title><authors>{authors}</authors><categories>{categories}</categories>
<abstract>Written for this test: {title.lower()}.</abstract></arXivRaw></metadata></record>"""


def _page(records: str, token: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-01T03:00:00Z</responseDate>
<request verb="ListRecords">http://oaipmh.arxiv.org/oai</request>
<ListRecords>{records}<resumptionToken completeListSize="4" cursor="0">{token}</resumptionToken></ListRecords></OAI-PMH>""".encode()


@pytest.fixture
def recordings(tmp_path):
    """The sample's recordings, with a two-page harvest in place of its empty one."""
    root = tmp_path / "recordings"
    shutil.copytree(SAMPLE_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    first = _page(_record("2611.01234", "Lucja Wroblewska, Anna Zielinska and Marek Nowak", "cs.LG",
                          "Exploration bonuses from learned world models", "Thu, 26 Nov 2026 10:00:00 GMT")
                  + _record("2611.05555", "Jane Doe", "math.AG", "Moduli of curves", "Fri, 27 Nov 2026 09:00:00 GMT"), "tok-2")
    last = _page(_record("2611.07777", "Boxiao Liu and Hanna Berg", "cond-mat.str-el", "Spin waves in a kagome magnet",
                         "Sat, 28 Nov 2026 08:00:00 GMT")
                 + '<record><header status="deleted"><identifier>oai:arXiv.org:2305.00001</identifier>'
                   '<datestamp>2026-11-29</datestamp></header></record>', "")
    (root / "arxiv" / "oai_p1.xml").write_bytes(first)
    (root / "arxiv" / "oai_p2.xml").write_bytes(last)
    index = [e for e in json.loads((root / "index.json").read_text()) if "oaipmh" not in e["url"]]
    index += [{"url": f"{OAI}?verb=ListRecords&metadataPrefix=arXivRaw", "file": "arxiv/oai_p1.xml", "status": 200},
              {"url": f"{OAI}?verb=ListRecords&resumptionToken=tok-2", "file": "arxiv/oai_p2.xml", "status": 200}]
    (root / "index.json").write_text(json.dumps(index))
    return root


def _live(monkeypatch, server: FaultServer, home) -> None:
    for name, value in {**server.env, "OPENALEX_API_KEY": "test-key", "SCHOLARFLOW_HOME": str(home),
                        "SCHOLARFLOW_ARXIV_DELAY_SECONDS": "0", "SCHOLARFLOW_OPENALEX_DELAY_SECONDS": "0",
                        "SCHOLARFLOW_BACKOFF_SECONDS": "0.05", "SCHOLARFLOW_MAX_ATTEMPTS": "2"}.items():
        monkeypatch.setenv(name, value)


def _track(*authors: str) -> None:
    settings = Settings()
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        for author in authors:
            wh.track(author, None, dt.datetime.now(dt.timezone.utc))


def _query(home, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_nightly_harvests_arxiv_once_for_the_searched_authors_and_searches_only_the_new_one(recordings, tmp_path, monkeypatch):
    home = tmp_path / "data"
    with FaultServer(recordings) as server:
        _live(monkeypatch, server, home)
        assert backfill_authors(["A5000000001", "A5000000002"])["status"] == "succeeded"
        _track("A5000000001", "A5000000002", "A5000000003")
        server.requests.clear()
        summary = nightly_refresh()
        asked = list(server.requests)
        server.requests.clear()
        again = nightly_refresh()
        asked_again = list(server.requests)
    assert summary["status"] == "succeeded", summary["errors"]
    # Two harvest pages serve the two searched authors; only the never-searched A5000000003 is searched by name.
    assert sum(r.startswith(HARVEST) for r in asked) == 2
    assert [r for r in asked if r.startswith(NAME_SEARCH)] == [r for r in asked if "Boxiao" in r and r.startswith(NAME_SEARCH)]
    assert sum(r.startswith(NAME_SEARCH) for r in asked) == 1
    # Matched: the kagome paper for Boxiao Liu, the preprint for her; the next night also for the physicist, now covered.
    assert _query(home, "SELECT pages, records, deleted, matched FROM arxiv_harvests ORDER BY finished_at") == [
        (2, 3, 1, 2), (2, 3, 1, 3)]
    # Her new preprint (two shared co-authors, cs.LG) is on her page; the namesake's kagome paper is on no page.
    on_page = _query(home, "SELECT author_id FROM profile_works WHERE work_id = 'arxiv:2611.01234'")
    assert on_page == [("A5000000002",)]
    assert _query(home, "SELECT count(*) FROM profile_works WHERE work_id = 'arxiv:2611.07777'") == [(0,)]
    assert _query(home, "SELECT count(*) FROM author_works WHERE work_id = 'arxiv:2611.07777' AND NOT is_attributed")[0][0] >= 1
    assert _query(home, "SELECT count(*) FROM works WHERE work_id = 'arxiv:2611.05555'") == [(0,)]  # nobody's name
    # After the second night every author is covered by the harvest (the physicist by a name search first).
    assert _query(home, "SELECT author_id, via FROM arxiv_coverage ORDER BY 1") == [
        ("A5000000001", "harvest"), ("A5000000002", "harvest"), ("A5000000003", "harvest")]
    # The next night harvests again (its from is today) and changes nothing; now nobody is searched by name.
    assert again["status"] == "succeeded" and (again["works_new"], again["works_changed"]) == (0, 0)
    assert sum(r.startswith(NAME_SEARCH) for r in asked_again) == 0 and sum(r.startswith(HARVEST) for r in asked_again) == 2
    assert summary["arxiv_requests"] == 3 and again["arxiv_requests"] == 2


def test_a_failed_harvest_costs_the_night_its_arxiv_news_and_the_next_night_asks_for_the_same_days(recordings, tmp_path, monkeypatch):
    home = tmp_path / "data"
    with FaultServer(recordings) as server:
        _live(monkeypatch, server, home)
        assert backfill_authors(["A5000000002"])["status"] == "succeeded"
        covered = _query(home, "SELECT covered_until, via FROM arxiv_coverage")
        _track("A5000000002")
        before = content_digests(home / "warehouse.duckdb")
        # (A 503 would do, but here every source shares one host, and a host whose retries were spent is skipped.)
        server.inject(HARVEST, kind="body", body=b'''<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
          <error code="badArgument">Illegal date/time for "from"</error></OAI-PMH>''')
        failed = nightly_refresh()
        after_failure = content_digests(home / "warehouse.duckdb")
        healed = nightly_refresh()
    assert failed["status"] == "partial"
    assert [e["kind"] for e in failed["errors"]] == ["arxiv_harvest"] and "badArgument" in failed["errors"][0]["error"]
    assert _query(home, "SELECT count(*) FROM arxiv_harvests")[0][0] == 1  # the healed night's only
    # Nothing new came, nothing was lost (the tracked list reaches the published file with the nightly).
    assert {k: v for k, v in after_failure.items() if k != "tracked_authors"} == {k: v for k, v in before.items() if k != "tracked_authors"}
    assert covered == [(dt.datetime.now(dt.timezone.utc).date(), "name_search")]
    assert healed["status"] == "succeeded"
    assert _query(home, "SELECT author_id FROM profile_works WHERE work_id = 'arxiv:2611.01234'") == [("A5000000002",)]
