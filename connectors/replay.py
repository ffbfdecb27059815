"""An offline transport: answers requests from recorded responses instead of the network.

Mounted on the `requests.Session` that `HttpClient` uses, so an offline run goes through the
very same fetch → land → parse path as a live one. The bundled sample (and any folder laid
out the same way) has an `index.json` mapping request URLs to body files. A DOI lookup
(`/works?filter=doi:a|b|…`, whose URL depends on which ids a run asks for) is answered from
the works those recordings hold, as OpenAlex answers it.
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
        self._by_doi: dict[str, dict] | None = None

    def _works_by_doi(self) -> dict[str, dict]:
        """Every OpenAlex work the recordings hold, by lower-case DOI (read once, when first needed)."""
        if self._by_doi is None:
            self._by_doi = {}
            for entry in self.entries.values():
                if urlsplit(entry["url"]).netloc != "api.openalex.org" or not urlsplit(entry["url"]).path.startswith("/works"):
                    continue
                body = json.loads((self.root / entry["file"]).read_bytes())
                for work in body.get("results", [body]) if isinstance(body, dict) else []:
                    doi = (work.get("doi") or "").lower().removeprefix("https://doi.org/")
                    if doi:
                        self._by_doi.setdefault(doi, work)
        return self._by_doi

    def _doi_filter(self, url: str) -> bytes | None:
        """Answer an unrecorded `/works?filter=doi:a|b|…` as OpenAlex would: the recorded works with those DOIs."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        if parts.netloc != "api.openalex.org" or parts.path != "/works" or not query.get("filter", "").startswith("doi:"):
            return None
        wanted = [d.lower() for d in query["filter"][4:].split("|")]
        recorded = self._works_by_doi()
        found = [recorded[d] for d in wanted if d in recorded]
        meta = {"count": len(found), "per_page": int(query.get("per_page", 25)), "page": 1, "next_cursor": None}
        return json.dumps({"meta": meta, "results": found}).encode()

    def send(self, request, **kwargs):
        entry = self.entries.get(canonical_url(request.url))
        resp = requests.Response()
        resp.request = request
        resp.url = request.url
        if entry is None and (answer := self._doi_filter(request.url)) is not None:
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
