"""An offline transport: answers requests from recorded responses instead of the network.

Mounted on the `requests.Session` that `HttpClient` uses, so an offline run goes through the
very same fetch → land → parse path as a live one. The bundled sample (and any folder laid
out the same way) has an `index.json` mapping request URLs to body files. A DOI lookup
(`/works?filter=doi:a|b|…`) and a listing of several authors (`author.id:A1|A2|…`), whose URLs
depend on which ids a run asks for, are answered from the works those recordings hold, as
OpenAlex answers them; an OAI-PMH `ListRecords` is answered whatever its `from` and `until`.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

__all__ = ["canonical_url", "ReplayAdapter", "replay_session"]

_DROP_PARAMS = {"api_key", "mailto"}


def canonical_url(url: str) -> str:
    """Return the URL with sorted query parameters and no credentials, for matching."""
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _DROP_PARAMS)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, urlencode(query), ""))


class ReplayAdapter(BaseAdapter):
    """Serves recorded bodies by URL; an unrecorded URL gets a 404 saying so."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = Path(root)
        entries = json.loads((self.root / "index.json").read_text(encoding="utf-8"))
        self.entries = {canonical_url(e["url"]): e for e in entries}
        self._recorded: tuple[dict[str, dict], dict[str, list[dict]]] | None = None

    def _recorded_works(self) -> tuple[dict[str, dict], dict[str, list[dict]]]:
        """Every OpenAlex work the recordings hold, by lower-case DOI, and each author's recorded listing
        (`/works?filter=author.id:A…`, all its pages in order); read once, when first needed."""
        if self._recorded is None:
            by_doi, by_author = {}, {}
            for entry in self.entries.values():
                parts = urlsplit(entry["url"])
                if parts.netloc != "api.openalex.org" or not parts.path.startswith("/works"):
                    continue
                body = json.loads((self.root / entry["file"]).read_bytes())
                works = body.get("results", [body]) if isinstance(body, dict) else []
                for work in works:
                    doi = (work.get("doi") or "").lower().removeprefix("https://doi.org/")
                    if doi:
                        by_doi.setdefault(doi, work)
                listed = dict(parse_qsl(parts.query)).get("filter", "")
                if listed.startswith("author.id:") and "|" not in listed:
                    by_author.setdefault(listed.removeprefix("author.id:"), []).extend(works)
            self._recorded = by_doi, by_author
        return self._recorded

    def _or_filter(self, url: str) -> bytes | None:
        """Answer an unrecorded `/works?filter=doi:a|b|…` or `author.id:A1|A2|…` as OpenAlex would: the recorded
        works with those DOIs, or of those authors (each work once), cursor-paged by `per_page`."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        key, _, values = query.get("filter", "").partition(":")
        if parts.netloc != "api.openalex.org" or parts.path != "/works" or key not in ("doi", "author.id"):
            return None
        by_doi, by_author = self._recorded_works()
        if key == "doi":
            found = [by_doi[d] for d in (v.lower() for v in values.split("|")) if d in by_doi]
        else:
            found = list({w["id"]: w for a in values.split("|") for w in by_author.get(a.upper(), [])}.values())
        per_page = int(query.get("per_page", 25))
        cursor = query.get("cursor")
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        page = found[offset:offset + per_page]
        more = cursor is not None and offset + per_page < len(found)
        meta = {"count": len(found), "per_page": per_page, "page": None if cursor else 1,
                "next_cursor": str(offset + per_page) if more else None}
        return json.dumps({"meta": meta, "results": page}).encode()

    def _entry(self, url: str) -> dict | None:
        """The recording for a URL; an OAI-PMH ListRecords is matched without its dates (a harvest asks from its last day)."""
        entry = self.entries.get(canonical_url(url))
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("from", "until")]
        if entry is None and dict(query).get("verb") == "ListRecords":
            entry = self.entries.get(canonical_url(urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))))
        return entry

    def send(self, request, **kwargs):
        entry = self._entry(request.url)
        resp = requests.Response()
        resp.request = request
        resp.url = request.url
        if entry is None and (answer := self._or_filter(request.url)) is not None:
            resp.status_code = 200
            resp._content = answer
            resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
            return resp
        if entry is None:
            resp.status_code = 404
            resp._content = json.dumps({"error": "not recorded", "url": canonical_url(request.url)}).encode()
            resp.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
            return resp
        resp.status_code = entry.get("status", 200)
        resp._content = (self.root / entry["file"]).read_bytes()
        resp.headers = CaseInsensitiveDict(entry.get("headers") or {})
        return resp

    def close(self):
        pass


def replay_session(root: Path) -> requests.Session:
    """Return a session whose every http(s) request is answered from `root`."""
    session = requests.Session()
    adapter = ReplayAdapter(root)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
