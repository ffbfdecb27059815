"""An offline transport: answers requests from recorded responses instead of the network.

Mounted on the `requests.Session` that `HttpClient` uses, so an offline run goes through the
very same fetch → land → parse path as a live one. The bundled sample (and any folder laid
out the same way) has an `index.json` mapping request URLs to body files.
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

    def send(self, request, **kwargs):
        entry = self.entries.get(canonical_url(request.url))
        resp = requests.Response()
        resp.request = request
        resp.url = request.url
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
