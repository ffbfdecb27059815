"""The sources' rates hold across processes: two processes asking one host go no faster together than one may.

Each process is a real Python process with its own HttpClient, gated by `SharedLimits` on the
session's real Prefect server; the host is a local HTTP server on 127.0.0.1 that notes when each
request began and ended. A per-process pause alone is shown not to be enough.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import SharedLimitError
from flows.limits import HostRule, SharedLimits, limit_name

INTERVAL = 0.5  # seconds between two requests to the host, from all processes together
REQUESTS = 4  # per process
SERVE_SECONDS = 0.2  # each answer takes this long: two connections at once would overlap

ASKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import requests
    from connectors.http import HttpClient
    from connectors.landing import RawLanding
    from flows.limits import HostRule, SharedLimits

    url, home, shared = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "shared"
    host = url.split("/")[2]
    gate = SharedLimits([(host, HostRule(%(interval)s, one_connection=True))]) if shared else None
    if gate:
        gate.ensure()
    # Without the shared gate, each process keeps the pause on its own, as a lone process would.
    http = HttpClient(landing=RawLanding(home, "run"), session=requests.Session(), gate=gate,
                      min_interval={} if shared else {host: %(interval)s})
    print("ready", flush=True)
    sys.stdin.readline()  # both processes are up (Prefect imported, limits set) before either asks
    for i in range(%(requests)d):
        http.get(f"{url}?n={i}", source="arxiv")
""") % {"interval": INTERVAL, "requests": REQUESTS}


class _Host:
    """A local server that notes (start, end) of every request."""

    def __init__(self):
        self.seen: list[tuple[float, float]] = []
        lock = threading.Lock()
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                began = time.time()
                time.sleep(SERVE_SECONDS)
                body = json.dumps({"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with lock:
                    seen.append((began, time.time()))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/query"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _ask_from_two_processes(host: _Host, tmp_path, api_url: str, mode: str) -> list[tuple[float, float]]:
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_LOGGING_LEVEL": "WARNING"}
    procs = [subprocess.Popen([sys.executable, "-c", ASKER, host.url, str(tmp_path / f"raw{i}"), mode], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.communicate(timeout=60)[1][-2000:]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    assert len(host.seen) == 2 * REQUESTS
    return sorted(host.seen)


def test_two_processes_sharing_the_prefect_limits_keep_the_hosts_rate_and_one_connection(tmp_path, prefect_api_url):
    with _Host() as host:
        seen = _ask_from_two_processes(host, tmp_path, prefect_api_url, "shared")
    starts = [s for s, _ in seen]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= INTERVAL - 0.05, gaps  # never faster than the host allows, from both together
    assert all(end <= nxt for (_, end), nxt in zip(seen, starts[1:])), seen  # never two connections at once


def test_a_pause_kept_by_each_process_alone_lets_two_processes_go_too_fast(tmp_path, prefect_api_url):
    with _Host() as host:
        seen = _ask_from_two_processes(host, tmp_path, prefect_api_url, "alone")
    starts = [s for s, _ in seen]
    assert min(b - a for a, b in zip(starts, starts[1:])) < INTERVAL / 2  # what the shared limits prevent


def test_the_limits_are_set_on_the_server_from_the_settings(prefect_harness):
    from prefect.client.orchestration import get_client

    SharedLimits([("mirror.example:8080", HostRule(3.0, one_connection=True)), ("mirror.example:8080", HostRule(0.1)),
                  ("unpaced.example", HostRule(0.0))]).ensure()
    with get_client(sync_client=True) as client:
        rate = client.read_global_concurrency_limit_by_name(limit_name("rate", "mirror.example:8080"))
        one = client.read_global_concurrency_limit_by_name(limit_name("connection", "mirror.example:8080"))
        names = {limit.name for limit in client.read_global_concurrency_limits(limit=200)}
    # Two sources behind one host share the stricter rule: one request every 3 s, one connection.
    assert (rate.limit, round(rate.slot_decay_per_second, 4)) == (1, round(1 / 3, 4))
    assert (one.limit, one.slot_decay_per_second) == (1, 0.0)
    assert rate.name == "scholarflow-rate-mirror.example-8080"
    assert not any("unpaced" in n for n in names)  # nothing to share without a pause


def test_a_limit_gone_from_the_server_stops_the_request_in_one_line(prefect_harness):
    from prefect.client.orchestration import get_client

    gate = SharedLimits([("gone.example", HostRule(0.5))])
    gate.ensure()
    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name(limit_name("rate", "gone.example"))
    with pytest.raises(SharedLimitError, match="scholarflow-rate-gone.example") as info:
        with gate("gone.example"):
            pass
    assert "\n" not in str(info.value)


def test_a_live_backfill_takes_its_requests_through_the_shared_limits(tmp_path, monkeypatch, prefect_harness):
    from prefect.client.orchestration import get_client

    from flows.refresh import backfill_author
    from tests.fault_server import FaultServer

    with FaultServer() as server:
        for name, value in {**server.env, "OPENALEX_API_KEY": "test-key", "SCHOLARFLOW_HOME": str(tmp_path / "data"),
                            "SCHOLARFLOW_ARXIV_DELAY_SECONDS": "0.3", "SCHOLARFLOW_OPENALEX_DELAY_SECONDS": "0.05"}.items():
            monkeypatch.setenv(name, value)
        started = time.monotonic()
        summary = backfill_author("A5000000002")
        seconds = time.monotonic() - started
        host = server.base.removeprefix("http://")
    assert summary["status"] == "succeeded" and summary["requests_made"] == 6
    with get_client(sync_client=True) as client:
        rate = client.read_global_concurrency_limit_by_name(limit_name("rate", host))
        client.read_global_concurrency_limit_by_name(limit_name("connection", host))
    # Both sources answer from one host here: it gets the stricter rule, arXiv's 0.3 s and one connection.
    assert round(rate.slot_decay_per_second, 3) == round(1 / 0.3, 3)
    assert seconds >= 5 * 0.3
