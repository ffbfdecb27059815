"""A run lists its authors' OpenAlex works together (`author.id:A1|…|A100`), and gets what author-by-author listing gets.

The calls of a nightly then follow its works (100 a page), not its authors. Each case compares
the warehouse with the one listing author by author gives (table digests), and counts the calls.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from flows.refresh import backfill_authors, nightly_refresh
from core.settings import Settings
from tests.conftest import SAMPLE_AUTHORS
from tests.fault_server import FaultServer, content_digests
from warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")

JOINT = "/openalex/works?filter=author.id:" + "|".join(SAMPLE_AUTHORS)


def _nightly(home, monkeypatch, per_call: int) -> dict:
    monkeypatch.setenv("SCHOLARFLOW_HOME", str(home))
    monkeypatch.setenv("SCHOLARFLOW_OPENALEX_AUTHORS_PER_CALL", str(per_call))
    settings = Settings()
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        for author in SAMPLE_AUTHORS:
            wh.track(author, None, dt.datetime.now(dt.timezone.utc))
    return nightly_refresh(offline_sample=True)


def _listing_pages(home) -> list[str]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT url FROM raw_responses WHERE url LIKE '%filter=author.id:%' ORDER BY url").fetchall()]
    finally:
        con.close()


def test_a_nightly_lists_its_authors_together_and_equals_listing_them_one_by_one(tmp_path, monkeypatch):
    alone = _nightly(tmp_path / "alone", monkeypatch, per_call=1)
    together = _nightly(tmp_path / "together", monkeypatch, per_call=100)
    assert alone["status"] == together["status"] == "succeeded"
    assert content_digests(tmp_path / "alone" / "warehouse.duckdb") == content_digests(tmp_path / "together" / "warehouse.duckdb")
    # One by one: 3 + 2 + 2 cursor pages; together: the 12 works of all three on one page.
    assert len(_listing_pages(tmp_path / "alone")) == 7
    pages = _listing_pages(tmp_path / "together")
    assert len(pages) == 1 and "author.id:A5000000001|A5000000002|A5000000003" in pages[0]
    assert alone["openalex_requests"] - together["openalex_requests"] == 6
    assert alone["arxiv_requests"] == together["arxiv_requests"] == 3
    # Every author's listing is checked and believed, as it is alone.
    con = duckdb.connect(str(tmp_path / "together" / "warehouse.duckdb"), read_only=True)
    try:
        listed = con.execute("SELECT author_id, listed, verdict FROM author_listings WHERE source = 'openalex' ORDER BY 1").fetchall()
    finally:
        con.close()
    assert listed == [("A5000000001", 7, "complete"), ("A5000000002", 3, "complete"), ("A5000000003", 2, "complete")]


@pytest.fixture
def server():
    with FaultServer() as srv:
        yield srv


def _live(monkeypatch, server: FaultServer, home) -> None:
    for name, value in {**server.env, "OPENALEX_API_KEY": "test-key", "SCHOLARFLOW_HOME": str(home),
                        "SCHOLARFLOW_ARXIV_DELAY_SECONDS": "0", "SCHOLARFLOW_OPENALEX_DELAY_SECONDS": "0",
                        "SCHOLARFLOW_BACKOFF_SECONDS": "0.05"}.items():
        monkeypatch.setenv(name, value)


def _joint_answer(server: FaultServer, drop: str, count: int | None = None) -> bytes:
    """The recorded joint listing without the works naming `drop`, announcing `count` works (default: what it lists)."""
    target = next(r for r in server.requests if r.startswith(JOINT))
    _, body, _ = server.recorded(target)
    page = json.loads(body)
    page["results"] = [w for w in page["results"]
                       if not any(drop in ((a.get("author") or {}).get("id") or "") for a in w["authorships"])]
    page["meta"]["count"] = len(page["results"]) if count is None else count
    return json.dumps(page).encode()


@pytest.mark.parametrize("case", ["an author missing from the joint listing", "a joint listing shorter than it announced"])
def test_a_joint_listing_not_believed_is_asked_again_author_by_author(case, tmp_path, monkeypatch, server):
    _live(monkeypatch, server, tmp_path / "clean")
    clean = backfill_authors(SAMPLE_AUTHORS)
    assert clean["status"] == "succeeded" and server.count(JOINT) == 1
    full = json.loads(server.recorded(next(r for r in server.requests if r.startswith(JOINT)))[1])["meta"]["count"]
    # A5000000003 (2 works by its own record) comes back with none; or the listing announces all it should have.
    announced = None if case.startswith("an author") else full
    server.inject(JOINT, kind="body", body=_joint_answer(server, "A5000000003", announced))

    server.requests.clear()
    _live(monkeypatch, server, tmp_path / "faulty")
    summary = backfill_authors(SAMPLE_AUTHORS)
    assert summary["status"] == "succeeded", summary["errors"]
    assert content_digests(tmp_path / "faulty" / "warehouse.duckdb") == content_digests(tmp_path / "clean" / "warehouse.duckdb")
    alone = [r for r in server.requests if r.startswith("/openalex/works?filter=author.id:") and "|" not in r.split("&")[0]]
    asked = {r.split("&")[0].rsplit(":", 1)[1] for r in alone}
    # Missing from the listing: that author alone (2 pages); short of its count: every author alone (7 pages).
    assert asked == ({"A5000000003"} if announced is None else set(SAMPLE_AUTHORS))
    assert len(alone) == (2 if announced is None else 7)
    # Asked alone, A5000000001's list has the big-team work again, whose truncated authorships are refetched.
    refetched = 0 if announced is None else 1
    assert summary["openalex_requests"] == clean["openalex_requests"] + len(alone) + refetched
