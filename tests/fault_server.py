"""A local stand-in for OpenAlex and arXiv on 127.0.0.1: recorded answers, with faults injected on demand.

The live path (settings → HttpClient → connectors → landing) is pointed at it with
OPENALEX_BASE_URL and ARXIV_API_URL, so retries, timeouts and redaction are exercised over real
HTTP and real sockets, not through a replay adapter. It answers from the bundled sample's
recordings (via `ReplayAdapter`, the offline transport), translating its own addresses back to
the real services' ones; `inject` makes the next matching request(s) fail in a chosen way.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import duckdb
import requests

from connectors.replay import ReplayAdapter
from core.settings import SAMPLE_DIR

__all__ = ["FaultServer", "Fault", "content_digests"]

_REAL = {"/openalex": "https://api.openalex.org", "/arxiv": "https://export.arxiv.org", "/oaipmh": "https://oaipmh.arxiv.org"}


@dataclass
class Fault:
    """What the next `times` requests whose path and query contain `match` get instead of the recording."""

    match: str
    kind: str  # status | body | hang | reset | truncate | drip | redirect | echo_key
    times: int = 1
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0  # hang: how long; drip: seconds between bytes
    location: str = ""  # redirect: path (with query) on this server


class FaultServer:
    """Serve the recordings over HTTP on 127.0.0.1 and count every request; `inject` queues faults."""

    def __init__(self, recordings=SAMPLE_DIR):
        self.replay = ReplayAdapter(recordings)
        self.faults: list[Fault] = []
        self.requests: list[str] = []  # path and query of every request, in order (api_key removed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def env(self) -> dict[str, str]:
        """The settings that point a run at this server."""
        return {"OPENALEX_BASE_URL": f"{self.base}/openalex", "ARXIV_API_URL": f"{self.base}/arxiv/api/query",
                "ARXIV_OAI_URL": f"{self.base}/oaipmh/oai"}

    def inject(self, match: str, kind: str, **kw) -> Fault:
        fault = Fault(match, kind, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, match: str = "") -> int:
        """Requests made so far whose path and query contain `match`."""
        return sum(match in r for r in self.requests)

    def __enter__(self) -> "FaultServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _take(self, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.match in target:
                    fault.times -= 1
                    return fault
        return None

    def recorded(self, target: str) -> tuple[int, bytes, dict]:
        """Return (status, body, headers) the recordings hold for this server's path and query."""
        prefix = next((p for p in _REAL if target.startswith(p + "/")), None)
        if prefix is None:
            return 404, b'{"error": "unknown path"}', {"Content-Type": "application/json"}
        url = _REAL[prefix] + target[len(prefix):]
        resp = self.replay.send(requests.Request("GET", url).prepare())
        return resp.status_code, resp.content, dict(resp.headers)


def _without_key(target: str) -> str:
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "api_key"]
    return parts.path + ("?" + urlencode(query, safe=",:|*") if query else "")


def _handler(server: FaultServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: the test asserts on `server.requests`
            pass

        def do_GET(self):
            target = _without_key(self.path)
            server.requests.append(target)
            fault = server._take(target)
            if fault is None:
                return self._send(*server.recorded(target))
            getattr(self, f"_fault_{fault.kind}")(fault, target)

        def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                if k.lower() not in ("content-length", "transfer-encoding", "content-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _fault_status(self, fault: Fault, target: str) -> None:
            self._send(fault.status, fault.body, fault.headers)

        _fault_body = _fault_status

        def _fault_redirect(self, fault: Fault, target: str) -> None:
            self._send(301, b"", {"Location": server.base + fault.location})

        def _fault_echo_key(self, fault: Fault, target: str) -> None:
            key = dict(parse_qsl(urlsplit(self.path).query)).get("api_key", "")
            self._send(fault.status, f"forbidden; key={key}; see docs".encode(), {"Content-Type": "text/plain"})

        def _fault_hang(self, fault: Fault, target: str) -> None:
            server._stop.wait(fault.seconds)
            self.close_connection = True

        def _fault_reset(self, fault: Fault, target: str) -> None:
            # SO_LINGER 0: close() sends a RST, as a dropped connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _fault_truncate(self, fault: Fault, target: str) -> None:
            status, body, headers = server.recorded(target)
            self.send_response(status)
            self.send_header("Content-Type", headers.get("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True

        def _fault_drip(self, fault: Fault, target: str) -> None:
            status, body, headers = server.recorded(target)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    if server._stop.wait(fault.seconds):
                        break
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
            except OSError:  # the client gave up, as it should
                pass
            self.close_connection = True

    return Handler


# Columns that name the run or the moment, not the data: equal data from two runs differs only in these.
_VOLATILE = ("run_id", "response_id", "_at", "scoring_version", "scored_on", "path")
_BOOKKEEPING = {"runs", "raw_responses", "scoring_versions", "author_metrics_history", "arxiv_harvests"}


def content_digests(path) -> dict[str, str]:
    """Return {table: sha256 of its rows, run ids and timestamps left out} for a warehouse file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        out = {}
        for table in tables:
            if table in _BOOKKEEPING:
                continue
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall()]
            keep = [c for c in cols if not any(v in c for v in _VOLATILE)]
            listed = ", ".join(f'"{c}"' for c in keep)
            rows = con.execute(f'SELECT {listed} FROM "{table}" ORDER BY ALL').fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        return out
    finally:
        con.close()



def run_records(path) -> list[tuple]:
    """Return (status, errors) of every run in a warehouse file, oldest first."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT status, errors FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()
