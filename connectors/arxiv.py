"""arXiv: queries described with the `arxiv` package's Search, fetched through `HttpClient`.

The `arxiv` package's own client parses text and retries on its own; we need the raw bytes
landed first and one retry policy, so we use its Search (query, id list, sort order) and its
query URL, and parse the Atom bytes ourselves, by namespace, never by element order.
arXiv's quirks are errors to retry, not "no works": HTTP-200 error feeds, "Rate exceeded.",
and pages that come back empty for no reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlencode

import arxiv

from connectors.http import HttpClient
from connectors.landing import LandedResponse
from core.errors import TransientFetchError

__all__ = ["ArxivConnector", "Feed", "parse_feed", "author_query", "search_url"]

SOURCE = "arxiv"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_ERROR_ID = "/api/errors#"
_ID_IN_URL = re.compile(r"arxiv\.org/abs/(.+?)(v\d+)?$")
# An empty first page is retried this many times before we believe it.
EMPTY_FIRST_PAGE_RETRIES = 2
# Seconds to wait after arXiv's plain-text "Rate exceeded." (it sends no Retry-After).
RATE_EXCEEDED_WAIT = 10.0


@dataclass
class Feed:
    """One parsed Atom page: paging numbers, entries as plain dicts, and any API errors."""

    total_results: int | None
    start_index: int | None
    entries: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _text(el, path) -> str | None:
    found = el.find(path, NS)
    return found.text.strip() if found is not None and found.text else None


def _int(el, path) -> int | None:
    value = _text(el, path)
    return int(value) if value and value.isdigit() else None


def parse_feed(body: bytes) -> Feed:
    """Return the Feed in an arXiv API response body (bytes: the XML says UTF-8)."""
    root = ET.fromstring(body)
    if root.tag != f"{{{NS['atom']}}}feed":
        raise ValueError("not an Atom feed")
    feed = Feed(
        total_results=_int(root, "opensearch:totalResults"),
        start_index=_int(root, "opensearch:startIndex"),
    )
    for entry in root.findall("atom:entry", NS):
        entry_id = _text(entry, "atom:id") or ""
        if _ERROR_ID in entry_id:
            feed.errors.append(f"{entry_id.split('#', 1)[1]}: {_text(entry, 'atom:summary') or ''}")
            continue
        m = _ID_IN_URL.search(entry_id)
        if not m:
            continue
        primary = entry.find("arxiv:primary_category", NS)
        doi_link = next(
            (ln.get("href") for ln in entry.findall("atom:link", NS) if ln.get("title") == "doi"), None
        )
        feed.entries.append(
            {
                "source": SOURCE,
                "arxiv_id": m.group(1),
                "version": int(m.group(2)[1:]) if m.group(2) else None,
                "entry_id": entry_id,
                "title": _text(entry, "atom:title"),
                "summary": _text(entry, "atom:summary"),
                "published": _text(entry, "atom:published"),
                "updated": _text(entry, "atom:updated"),
                "authors": [
                    {
                        "name": (_text(a, "atom:name") or "").strip(),
                        "affiliations": [x.text.strip() for x in a.findall("arxiv:affiliation", NS) if x.text],
                    }
                    for a in entry.findall("atom:author", NS)
                ],
                "categories": [c.get("term") for c in entry.findall("atom:category", NS) if c.get("term")],
                "primary_category": primary.get("term") if primary is not None else None,
                "comment": _text(entry, "arxiv:comment"),
                "journal_ref": _text(entry, "arxiv:journal_ref"),
                "doi": _text(entry, "arxiv:doi") or doi_link,
            }
        )
    return feed


def author_query(name: str) -> str:
    """Return the arXiv search_query for an author's name as printed (exact phrase)."""
    cleaned = re.sub(r'["()]', " ", name)
    return f'au:"{" ".join(cleaned.split())}"'


def search_url(search: arxiv.Search, start: int, page_size: int, endpoint: str | None = None) -> str:
    """Return the API URL of one page of `search` (the arxiv package's arguments; its endpoint unless given)."""
    args = {
        "search_query": search.query,
        "id_list": ",".join(search.id_list),
        "sortBy": search.sort_by.value,
        "sortOrder": search.sort_order.value,
        "start": str(start),
        "max_results": str(page_size),
    }
    if endpoint:
        return f"{endpoint}?{urlencode(args)}"
    return arxiv.Client.query_url_format.format(urlencode(args))


def _checker(first_page: bool):
    """Return a check for HttpClient.get that turns arXiv's soft failures into retries."""

    def check(landed: LandedResponse, attempt: int) -> Feed:
        body = landed.body.strip()
        if body.startswith(b"Rate exceeded"):
            raise TransientFetchError(landed.url, attempt, landed.status, "arXiv says 'Rate exceeded.'",
                                     retry_after=RATE_EXCEEDED_WAIT)
        try:
            feed = parse_feed(body)
        except (ET.ParseError, ValueError):
            raise TransientFetchError(landed.url, attempt, landed.status, "unparseable arXiv answer") from None
        if feed.errors:
            raise TransientFetchError(landed.url, attempt, landed.status, f"arXiv error feed: {feed.errors[0]}")
        if not feed.entries:
            if not first_page or attempt <= EMPTY_FIRST_PAGE_RETRIES:
                raise TransientFetchError(landed.url, attempt, landed.status, "arXiv returned an empty page")
        return feed

    return check


class ArxivConnector:
    """arXiv entries as plain dicts, one request at a time, every body landed raw first."""

    def __init__(self, http: HttpClient, page_size: int = 200, max_results: int = 2000, endpoint: str | None = None):
        self.http = http
        self.endpoint = endpoint
        self.page_size = min(page_size, 2000)
        self.max_results = min(max_results, 30000)

    def _pages(self, search: arxiv.Search) -> Iterator[dict]:
        start, total = 0, None
        limit = search.max_results or self.max_results
        while start < limit and (total is None or start < total):
            size = min(self.page_size, limit - start)
            landed, feed = self.http.get_parsed(search_url(search, start, size, self.endpoint), source=SOURCE, check=_checker(start == 0))
            total = feed.total_results if feed.total_results is not None else 0
            for entry in feed.entries:
                yield {**entry, "_response_id": landed.response_id}
            if not feed.entries:
                break
            start += len(feed.entries)

    def search_author(self, name: str) -> Iterator[dict]:
        """Yield entries of an author-name query (homonyms included: arXiv has no author ids)."""
        search = arxiv.Search(
            query=author_query(name),
            max_results=self.max_results,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Ascending,
        )
        yield from self._pages(search)

    def get_by_ids(self, arxiv_ids: list[str]) -> list[dict]:
        """Return entries for the given ids (version-less ids give the latest version)."""
        out: list[dict] = []
        for i in range(0, len(arxiv_ids), self.page_size):
            chunk = arxiv_ids[i : i + self.page_size]
            out.extend(self._pages(arxiv.Search(id_list=chunk, max_results=len(chunk))))
        return out
