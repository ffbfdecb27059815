"""arXiv's OAI-PMH interface: every new and changed record since a date, for all of arXiv, in pages of ~1,000.

A nightly asks once for what changed (`ListRecords`, `from=` the last harvest, resumption
tokens until the list ends) and matches its authors' names against the harvest locally; its
cost follows arXiv's new records, not the number of tracked authors. The `arXivRaw` format is
used: it carries every version with its date (the `arXiv` format's `created` is not the first
version's date). Records are parsed into the same plain dicts as the query API's entries
(`connectors/arxiv.py`), so the rest of the pipeline can't tell them apart. Every page is
landed raw first; a `503 Retry-After` (OAI-PMH flow control) is honoured by `HttpClient`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Iterator
from urllib.parse import urlencode

from connectors.http import HttpClient
from connectors.landing import LandedResponse
from core.errors import SourceRejectedError, TransientFetchError

__all__ = ["ArxivHarvester", "OaiPage", "parse_oai_page", "split_authors", "OAI_URL"]

SOURCE = "arxiv"
OAI_URL = "https://oaipmh.arxiv.org/oai"
FORMAT = "arXivRaw"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "raw": "http://arxiv.org/OAI/arXivRaw/"}
_PARENS = re.compile(r"\([^()]*\)")
_SEPARATORS = re.compile(r",|\band\b|&|;")


class OaiPage:
    """One parsed OAI-PMH page: its records (entries, or deletions), and where the list goes on."""

    def __init__(self, entries: list[dict], deleted: list[str], token: str | None, complete_size: int | None):
        self.entries, self.deleted, self.token, self.complete_size = entries, deleted, token, complete_size


def split_authors(text: str | None) -> list[str]:
    """Return the names in an arXivRaw author string ("A, B and C", affiliations in parentheses dropped)."""
    if not text:
        return []
    cleaned = " ".join(text.split())
    while _PARENS.search(cleaned):  # "(1) MIT", and nested "((1) MIT)"
        cleaned = _PARENS.sub(" ", cleaned)
    return [n for n in (" ".join(part.split()) for part in _SEPARATORS.split(cleaned)) if n]


def _text(el, path: str) -> str | None:
    found = el.find(path, NS)
    return " ".join(found.text.split()) if found is not None and found.text and found.text.strip() else None


def _iso(stamp: str | None) -> str | None:
    """'Mon, 12 Jun 2017 17:57:34 GMT' -> '2017-06-12T17:57:34Z' (the query API's form)."""
    if not stamp:
        return None
    try:
        return parsedate_to_datetime(stamp).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def _entry(raw) -> dict | None:
    arxiv_id = _text(raw, "raw:id")
    if not arxiv_id:
        return None
    versions = []
    for v in raw.findall("raw:version", NS):
        number = (v.get("version") or "").lstrip("v")
        versions.append((int(number) if number.isdigit() else 0, _iso(_text(v, "raw:date"))))
    versions.sort()
    categories = (_text(raw, "raw:categories") or "").split()
    return {
        "source": SOURCE,
        "arxiv_id": arxiv_id,
        "version": versions[-1][0] if versions else None,
        "entry_id": f"http://arxiv.org/abs/{arxiv_id}" + (f"v{versions[-1][0]}" if versions else ""),
        "title": _text(raw, "raw:title"),
        "summary": _text(raw, "raw:abstract"),
        "published": versions[0][1] if versions else None,
        "updated": versions[-1][1] if versions else None,
        "authors": [{"name": name, "affiliations": []} for name in split_authors(_text(raw, "raw:authors"))],
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        "comment": _text(raw, "raw:comments"),
        "journal_ref": _text(raw, "raw:journal-ref"),
        "doi": _text(raw, "raw:doi"),
    }


def parse_oai_page(body: bytes) -> OaiPage:
    """Return the records of a ListRecords (or GetRecord) answer in `arXivRaw`; raise ValueError on an OAI error
    (`noRecordsMatch` is no error: nothing changed)."""
    root = ET.fromstring(body)
    if root.tag != f"{{{NS['oai']}}}OAI-PMH":
        raise ValueError("not an OAI-PMH answer")
    error = root.find("oai:error", NS)
    if error is not None:
        if error.get("code") == "noRecordsMatch":
            return OaiPage([], [], None, 0)
        raise ValueError(f"OAI-PMH error {error.get('code')}: {' '.join((error.text or '').split())}")
    entries, deleted = [], []
    for record in root.iter(f"{{{NS['oai']}}}record"):
        header = record.find("oai:header", NS)
        if header is not None and header.get("status") == "deleted":
            deleted.append((_text(header, "oai:identifier") or "").removeprefix("oai:arXiv.org:"))
            continue
        raw = record.find("oai:metadata/raw:arXivRaw", NS)
        entry = _entry(raw) if raw is not None else None
        if entry is not None:
            entry["datestamp"] = _text(header, "oai:datestamp") if header is not None else None
            entries.append(entry)
    token_el = root.find("oai:ListRecords/oai:resumptionToken", NS)
    token = token_el.text.strip() if token_el is not None and token_el.text and token_el.text.strip() else None
    size = token_el.get("completeListSize") if token_el is not None else None
    return OaiPage(entries, deleted, token, int(size) if size and size.isdigit() else None)


def _check(landed: LandedResponse, attempt: int) -> OaiPage:
    """Check for HttpClient: a page that does not parse is retried (it may come whole next time); an OAI error
    other than "no records" is refused (a bad token or date won't mend by asking again)."""
    try:
        return parse_oai_page(landed.body)
    except ET.ParseError:
        raise TransientFetchError(landed.url, attempt, landed.status, "unparseable OAI-PMH answer") from None
    except ValueError as exc:
        raise SourceRejectedError(landed.url, attempt, landed.status, str(exc)) from None


class ArxivHarvester:
    """Every arXiv record created or changed since a day, page by page, each page landed raw first."""

    def __init__(self, http: HttpClient, base_url: str = OAI_URL):
        self.http = http
        self.base_url = base_url.rstrip("/")

    def pages(self, since: date | None, until: date | None = None) -> Iterator[OaiPage]:
        """Yield the pages of `ListRecords` from `since` (every record, when None) to `until`, following the tokens."""
        params = {"verb": "ListRecords", "metadataPrefix": FORMAT}
        if since:
            params["from"] = since.isoformat()
        if until:
            params["until"] = until.isoformat()
        while True:
            landed, page = self.http.get_parsed(f"{self.base_url}?{urlencode(params)}", source=SOURCE, check=_check)
            for entry in page.entries:
                entry["_response_id"] = landed.response_id
            yield page
            if not page.token:
                return
            params = {"verb": "ListRecords", "resumptionToken": page.token}
