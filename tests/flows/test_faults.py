"""The fault-injection suite: the live path (real HTTP on 127.0.0.1) against every fault the sources are known for.

Each case backfills one sample author through `FaultServer` with one fault injected. Either the
run recovers, and the warehouse equals the fault-free run's (table digests), or it fails with one
line and leaves the published data as it was. The requests made are counted every time: no retry
storm, Retry-After honoured, nothing retried that retrying can't mend. `make test-faults` runs it.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from core.errors import RateLimitedError, ScholarflowError, SuspectAnswerError, SourceRejectedError, TransientFetchError
from flows.refresh import backfill_author
from tests.conftest import realdata
from tests.fault_server import FaultServer, content_digests, run_records

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.faults]

AUTHOR = "A5000000002"
KEY = "sk-SECRET-123456"
WORKS = "/openalex/works?filter=author.id:"
AUTHOR_RECORD = "/openalex/authors/"
ARXIV = "/arxiv/api/query"
TIMEOUT = 1.5
ATTEMPTS = 3

ARXIV_ERROR_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title>
  <entry><id>https://arxiv.org/api/errors#incorrect_id_format</id><title>Error</title>
  <summary>incorrect id format</summary></entry></feed>"""
ARXIV_EMPTY_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>0</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex></feed>"""
HTML = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>"


@pytest.fixture(scope="module")
def server():
    with FaultServer() as srv:
        yield srv


def _live_env(monkeypatch, server: FaultServer, home: Path) -> None:
    for name, value in {**server.env, "OPENALEX_API_KEY": KEY, "SCHOLARFLOW_HOME": str(home),
                        "SCHOLARFLOW_ARXIV_DELAY_SECONDS": "0", "SCHOLARFLOW_OPENALEX_DELAY_SECONDS": "0",
                        "SCHOLARFLOW_BACKOFF_SECONDS": "0.05", "SCHOLARFLOW_TIMEOUT_SECONDS": str(TIMEOUT),
                        "SCHOLARFLOW_MAX_ATTEMPTS": str(ATTEMPTS)}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def clean(server, tmp_path_factory, prefect_harness):
    """The fault-free run: its home (copied by the failing cases), digests and requests."""
    home = tmp_path_factory.mktemp("fault-free") / "data"
    with pytest.MonkeyPatch.context() as mp:
        _live_env(mp, server, home)
        before = len(server.requests)
        summary = backfill_author(AUTHOR)
    assert summary["status"] == "succeeded", summary
    return {"home": home, "digests": content_digests(home / "warehouse.duckdb"),
            "requests": len(server.requests) - before, "works": summary["works_new"]}


@pytest.fixture
def live(server, clean, tmp_path, monkeypatch):
    """A fresh home pointed at the server, with no faults queued and the request log cleared."""
    server.faults.clear()
    server.requests.clear()
    home = tmp_path / "data"
    _live_env(monkeypatch, server, home)
    return home


def _run(author: str = AUTHOR) -> tuple[dict | None, BaseException | None, float]:
    started = time.monotonic()
    try:
        return backfill_author(author), None, time.monotonic() - started
    except ScholarflowError as exc:
        return None, exc, time.monotonic() - started


def test_the_fault_free_run_over_http_equals_itself_run_again(clean, live, server):
    summary, error, _ = _run()
    assert error is None and summary["status"] == "succeeded"
    assert len(server.requests) == clean["requests"] == summary["requests_made"] == 6
    assert content_digests(live / "warehouse.duckdb") == clean["digests"]


RECOVERED = {
    "429 with Retry-After and an HTML body": (WORKS, dict(kind="status", status=429, body=HTML,
                                                          headers={"Retry-After": "1", "Content-Type": "text/html"}), 1),
    "500 then 503": (AUTHOR_RECORD, dict(kind="status", status=500, body=b"oops"), 2),
    "503 twice": (WORKS, dict(kind="status", status=503, body=b"busy", times=2), 2),
    "a hang past the timeout": (AUTHOR_RECORD, dict(kind="hang", seconds=10), 1),
    "a connection reset": (WORKS, dict(kind="reset"), 1),
    "a body shorter than its Content-Length": (WORKS, dict(kind="truncate"), 1),
    "a truncated JSON body with status 200": (WORKS, dict(kind="body", body=b'{"meta": {"count": 4}, "results": [{"id": "W1", "ti'), 1),
    "an HTML page with status 200": (AUTHOR_RECORD, dict(kind="body", body=HTML, headers={"Content-Type": "text/html"}), 1),
    "a slow drip (one byte every 0.5 s)": (WORKS, dict(kind="drip", seconds=0.5), 1),
    "an arXiv HTTP-200 error feed": (ARXIV, dict(kind="body", body=ARXIV_ERROR_FEED), 1),
    "arXiv's 'Rate exceeded.'": (ARXIV, dict(kind="body", body=b"Rate exceeded."), 1),
    "an empty arXiv first page": (ARXIV, dict(kind="body", body=ARXIV_EMPTY_FEED), 1),
}


@pytest.mark.parametrize("case", list(RECOVERED))
def test_a_transient_fault_is_survived_and_the_warehouse_equals_the_fault_free_runs(case, clean, live, server, monkeypatch):
    monkeypatch.setattr("connectors.arxiv.RATE_EXCEEDED_WAIT", 0.2)
    match, fault, extra = RECOVERED[case]
    server.inject(match, **fault)
    if case == "500 then 503":
        server.inject(match, kind="status", status=503, body=b"busy")  # queued behind the 500
    summary, error, seconds = _run()
    assert error is None, error
    assert summary["status"] == "succeeded", summary["errors"]
    assert len(server.requests) == clean["requests"] + extra  # each fault cost its retries, no more
    assert summary["requests_made"] == len(server.requests)
    assert content_digests(live / "warehouse.duckdb") == clean["digests"]
    if "Retry-After" in case:
        assert seconds >= 1.0  # the asked wait was kept
    if "hang" in case or "drip" in case:
        assert seconds < 20  # the total deadline ended the request, not the server


FAILED = {
    # OpenAlex's spent daily budget: hours to wait, over the cap, so fail now without asking again.
    "a budget 429 (retryAfter in JSON, hours)": (AUTHOR_RECORD, dict(kind="status", status=429, headers={"Content-Type": "application/json"},
                                                 body=b'{"error": "Rate limit exceeded", "retryAfter": 36000}'),
                                                 RateLimitedError, "asks to wait 36000 s", 1),
    "503 on every attempt": (WORKS, dict(kind="status", status=503, body=b"busy", times=99), TransientFetchError,
                             "source busy or failing (HTTP 503, attempt 3)", 1 + ATTEMPTS),
    "a 401 for a bad key": (AUTHOR_RECORD, dict(kind="status", status=401, body=b'{"error": "invalid api key"}'),
                            SourceRejectedError, "HTTP 401", 1),
    "a 403 whose body echoes the key": (AUTHOR_RECORD, dict(kind="echo_key", status=403), SourceRejectedError,
                                        "forbidden; key=***; see docs", 1),
}


@pytest.mark.parametrize("case", list(FAILED))
def test_a_lasting_fault_fails_in_one_line_and_keeps_the_published_data(case, clean, live, server):
    shutil.copytree(clean["home"], live)  # yesterday's warehouse
    match, fault, error_type, said, requests = FAILED[case]
    server.inject(match, **fault)
    summary, error, _ = _run()
    assert isinstance(error, error_type) and said in str(error), error
    assert "\n" not in str(error) and KEY not in str(error)
    assert len(server.requests) == requests
    assert content_digests(live / "warehouse.duckdb") == clean["digests"]
    con = duckdb.connect(str(live / "warehouse.duckdb"), read_only=True)
    status, errors = con.execute("SELECT status, errors FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    con.close()
    assert status == "failed" and said in errors


def test_a_merged_author_id_is_followed_through_the_301(clean, live, server):
    first = f"/openalex/authors/{AUTHOR}?select="
    server.inject("/openalex/authors/A5999000002", kind="redirect",
                  location=first + "id,display_name,display_name_alternatives,orcid,ids,works_count,cited_by_count,"
                                   "summary_stats,last_known_institutions,affiliations,topics")
    summary, error, _ = _run("A5999000002")
    assert error is None and summary["status"] == "succeeded"
    assert len(server.requests) == clean["requests"] + 1  # the 301, then the same requests
    digests = content_digests(live / "warehouse.duckdb")
    for table in ("works", "work_identifiers", "author_works", "work_metrics", "source_records"):
        assert digests[table] == clean["digests"][table], table


def _grep(root: Path, needle: bytes) -> list[str]:
    """Files under root whose bytes (gunzipped where gzip) contain needle."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if needle in data:
            found.append(str(path))
    return found


def test_a_key_the_server_echoes_is_found_nowhere_the_run_writes(clean, live, server, _prefect_home):
    """The CLI's own output, the raw landing, every text column of both warehouses and Prefect's home."""
    server.inject(AUTHOR_RECORD, kind="echo_key", status=403)
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "INFO"}
    proc = subprocess.run([str(Path(sys.executable).with_name("scholarflow")), "-v", "backfill", AUTHOR],
                          capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert "forbidden; key=***; see docs" in proc.stderr
    assert KEY not in proc.stdout + proc.stderr
    assert server.count() == 1  # a 403 is not retried
    assert _grep(live, KEY.encode()) == []  # landing (gunzipped) and warehouse files
    for db in (live / "warehouse.duckdb", live / ".warehouse.work.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE data_type = 'VARCHAR' AND table_schema = 'main'").fetchall()
        for table, column in columns:
            hit = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" LIKE ?', [f"%{KEY}%"]).fetchone()[0]
            assert hit == 0, (db.name, table, column)
        con.close()
    assert _grep(Path(_prefect_home), KEY.encode()) == []


# -- answers that are whole but not believable --------------------------------------------------
EMPTY_LIST = json.dumps({"meta": {"count": 0, "next_cursor": None}, "results": []}).encode()


def _profile(home: Path) -> tuple[int, list[tuple]]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    works = con.execute("SELECT works_count FROM profile_card WHERE author_id = ?", [AUTHOR]).fetchone()[0]
    quality = con.execute("SELECT check_name, ours, reported FROM data_quality WHERE author_id = ? "
                          "AND check_name LIKE 'suspect%' ORDER BY 1", [AUTHOR]).fetchall()
    con.close()
    return works, quality


def _data(digests: dict) -> dict:
    return {t: d for t, d in digests.items() if t not in ("data_quality", "author_listings")}


def test_an_empty_works_list_twice_fails_the_author_and_keeps_every_stored_work(clean, live, server):
    shutil.copytree(clean["home"], live)
    server.inject(WORKS, kind="body", body=EMPTY_LIST, times=9)
    summary, error, _ = _run()
    assert isinstance(error, SuspectAnswerError) and "\n" not in str(error)
    con = duckdb.connect(str(live / "warehouse.duckdb"), read_only=True)
    status, errors = con.execute("SELECT status, errors FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    verdict = con.execute("SELECT verdict, listed, known FROM author_listings WHERE author_id = ? AND source = 'openalex'",
                          [AUTHOR]).fetchone()
    con.close()
    assert status == "failed" and "not believed twice (it is empty, but 3 are known)" in errors
    assert verdict == ("suspect", 0, 3)
    assert server.count(WORKS) == 2 and len(server.requests) == 3  # the author, then the list asked twice, no more
    assert _data(content_digests(live / "warehouse.duckdb")) == _data(clean["digests"])
    works, quality = _profile(live)
    assert works == 4 and quality == [("suspect_listing_openalex", "3", "0")]


def test_an_empty_works_list_once_is_asked_again_and_the_run_equals_the_fault_free_one(clean, live, server):
    server.inject(WORKS, kind="body", body=EMPTY_LIST)
    summary, error, _ = _run()
    assert error is None and summary["status"] == "succeeded"
    assert len(server.requests) == clean["requests"] + 1
    assert content_digests(live / "warehouse.duckdb") == clean["digests"]


def test_a_list_shorter_than_it_announces_is_asked_again(clean, live, server):
    page = json.loads(server.recorded(_works_target(server))[1])
    page["results"] = page["results"][:1]
    page["meta"]["next_cursor"] = None  # it says 3 and ends after 1
    server.requests.clear()
    server.inject(WORKS, kind="body", body=json.dumps(page).encode())
    summary, error, _ = _run()
    assert error is None and summary["status"] == "succeeded"
    assert len(server.requests) == clean["requests"] + 1
    assert content_digests(live / "warehouse.duckdb") == clean["digests"]


def test_a_believed_list_that_no_longer_has_a_work_takes_it_off_the_page(clean, live, server):
    shutil.copytree(clean["home"], live)
    page = json.loads(server.recorded(_works_target(server))[1])
    dropped = page["results"].pop()
    page["meta"]["count"] = len(page["results"])
    server.requests.clear()
    server.inject(WORKS, kind="body", body=json.dumps(page).encode())
    summary, error, _ = _run()
    assert error is None and summary["status"] == "succeeded"
    con = duckdb.connect(str(live / "warehouse.duckdb"), read_only=True)
    titles = {r[0] for r in con.execute("SELECT title FROM profile_works WHERE author_id = ?", [AUTHOR]).fetchall()}
    kept = con.execute("SELECT count(*) FROM source_records WHERE record_key = ?",
                       ["openalex:" + dropped["id"].rsplit("/", 1)[-1]]).fetchone()[0]
    con.close()
    assert _profile(live) == (3, [])
    assert dropped["title"] not in titles and kept == 1  # off the page; the record itself is kept


def test_empty_arxiv_pages_in_a_row_remove_nothing_and_say_so(clean, live, server):
    shutil.copytree(clean["home"], live)
    con = duckdb.connect(str(clean["home"] / "warehouse.duckdb"), read_only=True)
    arxiv_known = con.execute("SELECT count(*) FROM author_records WHERE author_id = ? AND via = 'arxiv_name_search'",
                              [AUTHOR]).fetchone()[0]
    con.close()
    assert arxiv_known > 0
    server.inject(ARXIV, kind="body", body=ARXIV_EMPTY_FEED, times=9)
    summary, error, _ = _run()
    assert error is None and summary["status"] == "partial"
    assert server.count(ARXIV) == 3  # the empty first page is asked again twice, then believed as an answer
    assert "arXiv's answer" in summary["errors"][0]["error"]
    assert _data(content_digests(live / "warehouse.duckdb")) == _data(clean["digests"])
    assert _profile(live) == (4, [("suspect_listing_arxiv", str(arxiv_known), "0")])


def _works_target(server: FaultServer) -> str:
    """The first page of the author's works list, as this server is asked for it."""
    return (f"/openalex/works?filter=author.id:{AUTHOR}&select=id,doi,title,display_name,publication_year,publication_date,"
            "ids,type,primary_location,locations,authorships,is_authors_truncated,cited_by_count,counts_by_year,fwci,"
            "citation_normalized_percentile,primary_topic,topics,referenced_works,abstract_inverted_index,updated_date,"
            "biblio&per_page=100&cursor=*")


# -- stopped by a signal, or killed --------------------------------------------------------------
SCHOLARFLOW = str(Path(sys.executable).with_name("scholarflow"))


def _ingest(saved: Path, home: Path, prefect_home: Path, stop_at: str | None = None,
            sig: int = signal.SIGTERM, group: bool = False, kill_at: str | None = None,
            server: str | None = None) -> tuple[int, str, float]:
    """Run `scholarflow -v ingest` of `saved` into `home` (see `_command`)."""
    return _command(["ingest", str(saved), "--author", "A5074832503"], home, prefect_home, stop_at, sig, group, kill_at,
                    server)


def _command(args: list[str], home: Path, prefect_home: Path, stop_at: str | None = None,
             sig: int = signal.SIGTERM, group: bool = False, kill_at: str | None = None,
             server: str | None = None) -> tuple[int, str, float]:
    """Run `scholarflow -v ARGS` into `home`; with `stop_at`, send `sig` when that log line appears; with `kill_at`,
    the command kills itself at that point (SCHOLARFLOW_KILL_AT); with `server`, it reports to that Prefect server
    instead of starting its own temporary one. Returns (exit code, stderr, seconds from the
    signal to the exit). stderr is read by a thread: a killed command's orphaned Prefect server holds the pipe open."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "INFO", "SCHOLARFLOW_HOME": str(home), "PREFECT_HOME": str(prefect_home),
           **({"SCHOLARFLOW_KILL_AT": kill_at} if kill_at else {})}
    env.pop("PREFECT_API_URL", None)  # its own temporary server, as an operator's command has
    if server:
        env["PREFECT_API_URL"] = server
    proc = subprocess.Popen([SCHOLARFLOW, "-v", *args], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            # a group of its own with Ctrl-C's default, as a terminal gives it
                            preexec_fn=(lambda: (signal.signal(signal.SIGINT, signal.SIG_DFL), os.setsid())) if group else None)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    stopped = None
    while proc.poll() is None:
        if stop_at and stopped is None and any(stop_at in t for t in list(lines)):
            os.killpg(proc.pid, sig) if group else proc.send_signal(sig)  # the group: its temporary server too
            stopped = time.monotonic()
        time.sleep(0.02)
    reader.join(timeout=10)
    return proc.returncode, "".join(lines), (time.monotonic() - stopped) if stopped else 0.0


def _servers(prefect_home: Path) -> list[int]:
    """Live temporary Prefect servers of this Prefect home."""
    from scholarflow.prefect_env import _environ

    return [int(p.name) for p in Path("/proc").glob("[0-9]*")
            if (env := _environ(p.name)) and env.get("PREFECT_HOME") == str(prefect_home)]


@pytest.fixture(scope="module")
def real_lists(tmp_path_factory):
    """Eight real idb_2026 works lists as one JSON Lines file (a load and a scoring pass of seconds), and
    the digests of an uninterrupted ingest of it."""
    folder = realdata("openalex/idb_2026")
    root = tmp_path_factory.mktemp("real-lists")
    saved = root / "idb.jsonl"
    with saved.open("w") as out:
        for listing in sorted(folder.glob("openalex_works_author_*.json"))[:8]:
            for work in json.loads(listing.read_bytes())["results"]:
                out.write(json.dumps(work) + "\n")
    code, err, _ = _ingest(saved, root / "data", root / "prefect")  # (its Prefect home, migrated once, serves every case)
    assert code == 0, err[-2000:]
    return saved, content_digests(root / "data" / "warehouse.duckdb"), root / "prefect"


# SIGTERM mid-load is the hard one (DuckDB reports it as an interrupted query); a SIGTERM mid-scoring takes the
# same path. SIGKILL at the load and at the scoring leave different debris (a half-landed file; a committed,
# unscored load).
# Ctrl-C goes to the whole process group, the temporary Prefect server with it: the command must not then
# spend minutes retrying a server that is gone.
# A kill at the scoring reports to the session's Prefect server: what a killed command's own server leaves is
# the load case's to show, and a temporary server costs ~15 s a command.
STOPS = [(signal.SIGTERM, "records stored", False), (signal.SIGINT, "records stored", True),
         (signal.SIGKILL, "records stored", False), (signal.SIGKILL, "scoring with scoring version", False)]


@pytest.mark.parametrize("sig, line, group", STOPS, ids=[
    f"{s.name}{'-to-the-group' if g else ''}-at-{'load' if 'stored' in l else 'score'}" for s, l, g in STOPS])
def test_a_stopped_or_killed_ingest_publishes_nothing_leaves_no_debris_and_the_next_run_converges(sig, line, group,
                                                                                                   real_lists, tmp_path,
                                                                                                   prefect_api_url):
    """SIGTERM: one line, exit 143 within seconds, the run cancelled. SIGKILL: the run left 'running', a
    temporary Prefect server and half-landed files left behind. Either way nothing is published, and the
    same ingest run again removes the debris, marks the dead run failed and equals an uninterrupted one."""
    saved, clean, prefect_home = real_lists
    home = tmp_path / "data"
    shared = prefect_api_url if "scoring" in line else None
    code, err, seconds = _ingest(saved, home, prefect_home, stop_at=line, sig=sig, group=group, server=shared)
    assert not (home / "warehouse.duckdb").exists()  # a first run stopped: nothing was ever published
    con = duckdb.connect(str(home / ".warehouse.work.duckdb"), read_only=True)
    status = con.execute("SELECT status FROM runs").fetchall()
    con.close()
    if sig != signal.SIGKILL:
        assert code == 128 + sig and seconds < 10, err[-2000:]
        said = [t for t in err.splitlines() if t.startswith("error:")]
        assert len(said) == 1 and f"stopped by {sig.name}" in said[0] and "nothing was published" in said[0]
        assert status == [("cancelled",)] and _servers(prefect_home) == []
    else:
        assert code == -signal.SIGKILL and status == [("running",)]
        assert shared or _servers(prefect_home)  # the killed command's temporary server outlived it
    assert _ingest(saved, home, prefect_home, server=shared)[0] == 0  # the next run finishes what the stopped one left
    assert _servers(prefect_home) == []
    assert list(home.rglob("*.tmp*")) == [] and list(home.glob(".*.tmp")) == []
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    statuses = sorted(r[0] for r in con.execute("SELECT status FROM runs").fetchall())
    con.close()
    assert statuses == sorted(["succeeded", "failed" if sig == signal.SIGKILL else "cancelled"])
    assert content_digests(home / "warehouse.duckdb") == clean
    if shared:
        return
    # Prefect's side ends too: the killed command's flow run was marked Crashed by the next run, a stopped
    # one's Cancelled (by itself, or by the next run when the signal took its server down too)
    assert _flow_run_states(prefect_home) <= {"COMPLETED", "CRASHED", "CANCELLED", "FAILED"}
    if sig == signal.SIGKILL:
        assert "CRASHED" in _flow_run_states(prefect_home)


def _flow_run_states(prefect_home: Path) -> set[str]:
    """The state types of every flow run in a Prefect home's database."""
    import sqlite3

    con = sqlite3.connect(prefect_home / "prefect.db")
    try:
        return {r[0] for r in con.execute("SELECT state_type FROM flow_run")}
    finally:
        con.close()


def test_a_backfill_killed_with_a_body_half_landed_leaves_debris_the_next_run_removes_and_converges(real_lists, tmp_path,
                                                                                                    prefect_api_url):
    """kill -9 at the fetch: a body written to its temporary file, not yet in its place. The next backfill
    removes the debris, marks the dead run failed (its flow run crashed) and equals a backfill never killed."""
    _, _, prefect_home = real_lists
    home, shared = tmp_path / "data", prefect_api_url
    code, err, _ = _command(["backfill", AUTHOR, "--offline-sample"], home, prefect_home, kill_at="land", server=shared)
    assert code == -signal.SIGKILL, err[-2000:]
    assert list((home / "raw").rglob("*.tmp[0-9]*"))  # the half-landed body
    assert not (home / "warehouse.duckdb").exists()
    assert _command(["backfill", AUTHOR, "--offline-sample"], home, prefect_home, server=shared)[0] == 0
    assert list(home.rglob("*.tmp*")) == []
    assert sorted(s for s, _ in run_records(home / "warehouse.duckdb")) == ["failed", "succeeded"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCHOLARFLOW_HOME", str(tmp_path / "never-killed"))
        assert backfill_author(AUTHOR, offline_sample=True)["status"] == "succeeded"
    assert content_digests(home / "warehouse.duckdb") == content_digests(tmp_path / "never-killed" / "warehouse.duckdb")


def test_a_publish_killed_half_way_leaves_the_published_file_whole_and_the_next_run_converges(real_lists, tmp_path,
                                                                                               prefect_api_url):
    """kill -9 at the publish: the new copy written beside the published file, not yet renamed over it. The
    published file is the previous one, byte for byte, and opens; the next run removes the half copy and
    ends where an uninterrupted ingest does."""
    saved, clean, prefect_home = real_lists
    home, shared = tmp_path / "data", prefect_api_url
    assert _ingest(saved, home, prefect_home, server=shared)[0] == 0
    before = (home / "warehouse.duckdb").read_bytes()
    code, err, _ = _ingest(saved, home, prefect_home, kill_at="publish", server=shared)
    assert code == -signal.SIGKILL, err[-2000:]
    assert list(home.glob(".warehouse.duckdb.*.tmp"))  # the half-published copy
    assert (home / "warehouse.duckdb").read_bytes() == before
    assert content_digests(home / "warehouse.duckdb") == clean  # whole: it opens and reads as before
    assert _ingest(saved, home, prefect_home, server=shared)[0] == 0
    assert list(home.rglob("*.tmp*")) == [] and list(home.glob(".*.tmp")) == []
    assert content_digests(home / "warehouse.duckdb") == clean
    assert [s for s, _ in run_records(home / "warehouse.duckdb")] == ["succeeded"] * 3  # it had recorded its end
