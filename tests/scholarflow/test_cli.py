"""The command line: one clear line and a non-zero exit for every bad input, nothing written."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import SAMPLE_DIR

SCHOLARFLOW = str(Path(sys.executable).with_name("scholarflow"))


def run(monkeypatch, capsys, *args):
    """Run the real console command in a subprocess: real exit code, real stderr."""
    env = {k: v for k, v in os.environ.items() if k != "OPENALEX_API_KEY"}
    env["PREFECT_LOGGING_LEVEL"] = "WARNING"
    proc = subprocess.run([SCHOLARFLOW, *args], capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(autouse=True)
def _one_prefect_server(prefect_api_url, monkeypatch):
    """Commands report to the session's Prefect server (a real one, as a deployment's runs do) instead of each
    starting a temporary one, which takes ~10 s a command; the tests of the temporary server itself unset it."""
    monkeypatch.setenv("PREFECT_API_URL", prefect_api_url)


@pytest.fixture(scope="module")
def _backfilled(tmp_path_factory, prefect_api_url):
    """One offline backfill of A5000000002 (its whole home), made once for the module."""
    home = tmp_path_factory.mktemp("backfilled") / "data"
    env = {k: v for k, v in os.environ.items() if k != "OPENALEX_API_KEY"}
    env.update(SCHOLARFLOW_HOME=str(home), PREFECT_API_URL=prefect_api_url, PREFECT_LOGGING_LEVEL="WARNING")
    proc = subprocess.run([SCHOLARFLOW, "backfill", "A5000000002", "--offline-sample"], capture_output=True, text=True,
                          env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return home


@pytest.fixture
def published(_backfilled, tmp_path):
    """This test's own copy of the backfilled home; returns its published warehouse."""
    shutil.copytree(_backfilled, tmp_path / "data")
    return tmp_path / "data" / "warehouse.duckdb"


@pytest.mark.parametrize("args, message", [
    (["backfill", "0000-0002-1825-0098"], "malformed ORCID"),
    (["backfill", "A5000000002"], "OPENALEX_API_KEY is not set"),
    (["nightly"], "OPENALEX_API_KEY is not set"),
    (["ingest", "missing.json"], "missing.json: can't read it"),
    (["ingest", "notes.txt"], "notes.txt: not a recognised OpenAlex or arXiv response"),
    (["ingest", "--author", "Jason", "notes.txt"], "not an OpenAlex author id"),
    (["authors", "add", "Jason Priem"], "neither an OpenAlex author id nor an ORCID"),
    (["profile", "A5000000001"], "no warehouse at"),
    (["sql", "SELECT 1"], "no warehouse at"),
    (["sql", "SELECT 1", "--format", "xml"], "'xml' is not one of 'table', 'csv', 'json', 'parquet'"),
    (["backfill", "--no-such-option", "A5000000001"], "No such option: --no-such-option"),
    (["authors", "list"], "no warehouse at"),
    (["authors", "remove", "A5000000001"], "no warehouse at"),
    (["curate", "list"], "no warehouse at"),
    (["sql", "SELECT 1", "--out", "x.csv"], "--out needs --format"),
    (["site", "--out", "pages"], "no warehouse at"),
    (["export", "out"], "no warehouse at"),
    (["rescore"], "no warehouse at"),
    (["curate", "claim", "A5000000001", "--by", "me", "--why", "mine"], "no warehouse at"),
])
def test_user_errors_are_one_line_and_non_zero(tmp_path, monkeypatch, capsys, args, message):
    (tmp_path / "notes.txt").write_text("just some notes")
    code, _, err = run(monkeypatch, capsys, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_unwritable_warehouse_path(tmp_path, monkeypatch, capsys):
    (tmp_path / "blocker").write_text("a file, not a folder")
    code, _, err = run(monkeypatch, capsys, "authors", "add", "A5000000001", "--warehouse", str(tmp_path / "blocker" / "w.duckdb"))
    assert code == 2 and "warehouse" in err and "Traceback" not in err


def test_bad_ingest_after_good_data_leaves_the_warehouse_unchanged(published, tmp_path, monkeypatch, capsys):
    before = _digest(published)
    good = SAMPLE_DIR / "openalex" / "works_A5000000001_p1.json"
    (tmp_path / "broken.json").write_text('{"meta": {}, "results": [{"id": "https://openalex.org/W1"}')
    code, _, err = run(monkeypatch, capsys, "ingest", str(good), str(tmp_path / "broken.json"))
    assert code == 2 and "broken.json" in err
    assert _digest(published) == before


def test_ingest_profile_sql_and_authors(published, tmp_path, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "ingest", "--author", "A5000000001",
                         str(SAMPLE_DIR / "openalex" / "works_A5000000001_p1.json"),
                         str(SAMPLE_DIR / "openalex" / "works_A5000000001_p2.json"),
                         str(SAMPLE_DIR / "arxiv" / "au_Boxiao_Liu.xml"))
    assert code == 0, err
    assert "ingested 3 file(s)" in out
    code, out, _ = run(monkeypatch, capsys, "profile", "A5000000001")
    assert code == 0 and "Boxiao Liu" in out and "TokenMix" in out and "Code" in out
    code, out, _ = run(monkeypatch, capsys, "sql", "SELECT count(*) AS n FROM profile_works WHERE author_id = 'A5000000001'")
    assert code == 0 and "1 row(s)" in out
    code, _, err = run(monkeypatch, capsys, "sql", "DELETE FROM works")
    assert code == 2 and "query failed" in err and "read-only" in err
    for args in (["authors", "add", "A5000000001"], ["authors", "add", "https://orcid.org/0000-0002-1825-0097"]):
        assert run(monkeypatch, capsys, *args)[0] == 0
    code, out, _ = run(monkeypatch, capsys, "authors", "list")
    assert "A5000000001" in out and "0000-0002-1825-0097" in out
    assert run(monkeypatch, capsys, "authors", "remove", "A5000000001")[0] == 0
    code, _, err = run(monkeypatch, capsys, "authors", "remove", "A5000000001")
    assert code == 2 and "not tracked" in err


def test_curation_explain_and_rescore(tmp_path, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "demo", "--warehouse", str(tmp_path / "data" / "warehouse.duckdb"))
    assert code == 0, err
    published = tmp_path / "data" / "warehouse.duckdb"

    code, out, _ = run(monkeypatch, capsys, "profile", "A5000000001", "--explain")
    assert code == 0
    for text in ("scoring version 1", "h^2 <= citations (25 <= 107) holds", "source_disagrees_h_index", "32",
                 "Profile score", "impact", "Novelty", "nearest_earlier", "2020–2024",
                 "Trust 95.0 (Verified)", "orcid_consistent"):
        assert text in out, text

    # Bad curation input: one line, exit 2, nothing written.
    before = _digest(published)
    for args, message in [
        (["curate", "exclude", "A5000000001", "arxiv:2207.08409", "--by", "Ada"], "Missing option '--why'"),
        (["curate", "exclude", "A5000000001", "2999.99999", "--by", "Ada", "--why", "not his"], "no work '2999.99999'"),
        (["curate", "claim", "A5999999999", "--by", "Ada", "--why", "x"], "no author 'A5999999999'"),
        (["curate", "claim", "A5000000001", "--by", " ", "--why", "x"], "say who decides this"),
        (["curate", "merge", "A5000000001", "A5000000001", "--by", "Ada", "--why", "x"], "another author id"),
    ]:
        code, _, err = run(monkeypatch, capsys, *args)
        assert code == 2 and message in err and "Traceback" not in err, err
    assert _digest(published) == before

    # TokenMix off Boxiao Liu's page (by its arXiv id, with the version), and a claim.
    code, out, err = run(monkeypatch, capsys, "curate", "exclude", "A5000000001", "2207.08409v2", "--by", "Boxiao Liu",
                         "--why", "wrong person in a test")
    assert code == 0 and "recorded: exclude A5000000001 arxiv:2207.08409" in out, err
    code, out, err = run(monkeypatch, capsys, "curate", "claim", "0000-0002-1825-0097", "--by", "Boxiao Liu", "--why", "it is me")
    assert code == 0, err
    code, out, _ = run(monkeypatch, capsys, "sql", "SELECT works_count, verification_level, is_claimed FROM profile_card "
                       "WHERE author_id = 'A5000000001'")
    assert "│ 5           │ L3                 │ True" in out
    code, out, _ = run(monkeypatch, capsys, "curate", "list")
    assert "exclude" in out and "wrong person in a test" in out and "claim" in out

    # A backfill re-attributes automatically; the curation still wins.
    assert run(monkeypatch, capsys, "backfill", "A5000000001", "--offline-sample")[0] == 0
    code, out, _ = run(monkeypatch, capsys, "sql", "SELECT count(*) AS n FROM profile_works WHERE work_id = 'arxiv:2207.08409' "
                       "AND author_id = 'A5000000001'")
    assert "│ 0 │" in out

    (tmp_path / "bad.toml").write_text("[profile]\nimpact = 1\n")
    code, _, err = run(monkeypatch, capsys, "rescore", "--config", str(tmp_path / "bad.toml"))
    assert code == 2 and "section [novelty] is missing" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(monkeypatch, capsys, "rescore")
    assert code == 0 and "scoring version 1 (unchanged)" in out, err


def test_site_export_and_query_files(published, tmp_path, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "site", "--out", str(tmp_path / "site"))
    assert code == 0 and "wrote 6 pages (1 authors, 4 works listed)" in out, err
    assert "Łucja Wróblewska" in (tmp_path / "site" / "authors" / "A5000000002.html").read_text(encoding="utf-8")
    assert len(list((tmp_path / "site" / "works").glob("*.html"))) == 4
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "draft.txt").write_text("keep")
    code, _, err = run(monkeypatch, capsys, "site", "--out", str(tmp_path / "mine"))
    assert code == 2 and "was not written by `scholarflow site`" in err and (tmp_path / "mine" / "draft.txt").exists()
    code, out, err = run(monkeypatch, capsys, "export", str(tmp_path / "export"))
    assert code == 0 and "with schema.json and schema.md" in out, err
    assert (tmp_path / "export" / "profile_card.parquet").exists()
    code, _, err = run(monkeypatch, capsys, "sql", "SELECT author_id, h_index FROM profile_card", "--format", "csv",
                       "--out", str(tmp_path / "cards.csv"))
    assert code == 0 and (tmp_path / "cards.csv").read_text().splitlines() == ["author_id,h_index", "A5000000002,3"]
    code, out, _ = run(monkeypatch, capsys, "sql", "SELECT h_index FROM profile_card", "--format", "json")
    assert code == 0 and '"h_index":3' in out.replace(" ", "")
    code, _, err = run(monkeypatch, capsys, "sql", f"COPY works TO '{tmp_path}/leak.csv'")
    assert code == 2 and "file system operations are disabled" in err and not (tmp_path / "leak.csv").exists()


def test_explain_work_and_work_curation(published, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "explain", "work", "2310.04321")
    assert code == 0, err
    assert "arxiv:2310.04321" in out and "why they are one work" in out and "shared_doi" in out
    records = [r for r in ("arxiv:2310.04321", "openalex:W5000000021") if r in out]
    assert len(records) == 2, out

    before = _digest(published)
    for args, message in [
        (["explain", "work", "2999.99999"], "no work '2999.99999'"),
        (["curate", "split-work", "2310.04321", "W5999999999", "--by", "Ada", "--why", "x"], "is not a record of arxiv:2310.04321"),
        (["curate", "split-work", "2310.04321", *records, "--by", "Ada", "--why", "x"], "at least one record to leave"),
        (["curate", "merge-works", "2310.04321", "arxiv:2310.04321", "--by", "Ada", "--why", "x"], "already one work"),
        (["curate", "merge-works", "2310.04321", "10.9999/none", "--by", "Ada", "--why", "x"], "no work '10.9999/none'"),
    ]:
        code, _, err = run(monkeypatch, capsys, *args)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (args, err)
    assert _digest(published) == before

    code, out, err = run(monkeypatch, capsys, "curate", "split-work", "2310.04321", "W5000000021", "--by", "Ada",
                         "--why", "two papers after all")
    assert code == 0 and "recorded: split-work arxiv:2310.04321 (openalex:W5000000021)" in out, err
    code, out, _ = run(monkeypatch, capsys, "sql", "SELECT record_count FROM works WHERE work_id = 'arxiv:2310.04321'")
    assert "│ 1            │" in out
    code, out, _ = run(monkeypatch, capsys, "curate", "list")
    assert "split-work" in out and "two papers after all" in out
    code, out, err = run(monkeypatch, capsys, "curate", "merge-works", "2310.04321", "W5000000021", "--by", "Ada",
                         "--why", "one paper again")
    assert code == 0, err
    code, out, _ = run(monkeypatch, capsys, "explain", "work", "W5000000021")
    assert "arxiv:2310.04321" in out and "curated_merge" in out


NOISE = ("Traceback", "nanobind", "Warning", "WARNING", "ERROR", "| INFO")
NO_PREFECT = "import sys; sys.modules['prefect'] = None; from scholarflow.cli import main; sys.argv[0] = 'scholarflow'; main()"


def quiet(err: str) -> bool:
    """No Python warning, Prefect log line, binding leak report or traceback in a command's output."""
    return not any(n in err for n in NOISE)


def run_without_prefect(*args):
    """Run a command in a Python where importing Prefect fails: it must not need it."""
    proc = subprocess.run([sys.executable, "-c", NO_PREFECT, *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def test_version_help_completion_and_choices(monkeypatch, capsys):
    from scholarflow import __version__

    code, out, _ = run_without_prefect("--version")
    assert code == 0 and out.strip() == f"scholarflow {__version__}"
    code, out, _ = run_without_prefect("-h")
    assert code == 0 and "--install-completion" in out and "--verbose" in out and "backfill" in out
    code, out, _ = run_without_prefect("nightly", "-h")
    assert code == 0 and "--json" in out and "--offline-sample" in out
    code, out, _ = run_without_prefect("sql", "--help")
    assert code == 0 and "table|csv|json|parquet" in out


@pytest.mark.parametrize("args, message", [
    (["backfill", "0000-0002-1825-0098"], "malformed ORCID"),
    (["backfill", "A5000000002"], "OPENALEX_API_KEY is not set"),
    (["ingest", "--author", "Jason", "notes.txt"], "not an OpenAlex author id"),
    (["ingest", "notes.txt"], "notes.txt: not a recognised OpenAlex or arXiv response"),
    (["rescore"], "no warehouse at"),
])
def test_bad_input_is_refused_before_prefect_is_imported(tmp_path, args, message):
    (tmp_path / "notes.txt").write_text("just some notes")
    code, _, err = run_without_prefect(*args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_read_only_commands_never_lock_create_or_start_prefect(published, tmp_path, monkeypatch, capsys):
    from core.settings import Settings
    from warehouse import Warehouse

    settings = Settings()
    # A run is writing (this test holds the working warehouse, as a backfill would).
    with Warehouse(settings.working_warehouse, settings.warehouse):
        for args in (["authors", "list"], ["curate", "list"], ["profile", "A5000000002"], ["sql", "SELECT 1"],
                     ["site", "--out", str(tmp_path / "site")], ["export", str(tmp_path / "export")],
                     ["explain", "work", "2310.04321"]):
            code, _, err = run_without_prefect(*args)
            assert code == 0, (args, err)
        # A second writer is refused in one line, before Prefect starts.
        for args in (["authors", "add", "A5000000001"], ["backfill", "A5000000002", "--offline-sample"],
                     ["rescore"], ["nightly", "--offline-sample"]):
            code, _, err = run_without_prefect(*args)
            assert code == 2 and "another scholarflow process is writing" in err and len(err.strip().splitlines()) == 1, (args, err)
    # On a folder with no warehouse, nothing is created.
    elsewhere = tmp_path / "empty" / "warehouse.duckdb"
    for args in (["authors", "list"], ["curate", "list"], ["profile", "A5000000002"]):
        code, _, err = run_without_prefect(*args, "--warehouse", str(elsewhere))
        assert code == 2 and "no warehouse at" in err
    assert not elsewhere.parent.exists()


def test_json_output_and_a_name_two_authors_share(tmp_path, monkeypatch, capsys):
    import json

    code, _, err = run(monkeypatch, capsys, "demo", "--warehouse", str(tmp_path / "data" / "warehouse.duckdb"))
    assert code == 0 and quiet(err), err
    code, _, err = run_without_prefect("profile", "Boxiao Liu")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "matches 2 authors" in err and "A5000000001 Boxiao Liu" in err and "A5000000003 Boxiao Liu" in err
    code, out, _ = run_without_prefect("profile", "A5000000001", "--json")
    page = json.loads(out)
    assert (page["card"]["works_count"], page["card"]["h_index"], len(page["works"])) == (6, 5, 6)
    assert run(monkeypatch, capsys, "authors", "add", "A5000000002")[0] == 0
    assert [a["author_key"] for a in json.loads(run_without_prefect("authors", "list", "--json")[1])] == ["A5000000002"]
    assert json.loads(run_without_prefect("curate", "list", "--json")[1]) == []
    code, out, err = run(monkeypatch, capsys, "nightly", "--offline-sample", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["status"] == "succeeded" and summary["authors_requested"] == 1, err
    # Without a terminal, progress is a plain line per author on stderr.
    assert "nightly: author 1/1 A5000000002:" in err and quiet(err)


def test_exit_codes_follow_the_run_and_a_down_source_fails_once(tmp_path, monkeypatch, capsys):
    import json
    import socket

    for key in ("A5000000002", "A5999999999"):
        assert run(monkeypatch, capsys, "authors", "add", key)[0] == 0
    # One tracked author is unknown to the source: a partial run, exit 1.
    code, out, err = run(monkeypatch, capsys, "nightly", "--offline-sample", "--json")
    summary = json.loads(out)
    assert code == 1 and summary["status"] == "partial" and quiet(err), err
    assert [e["author"] for e in summary["errors"]] == ["A5999999999"]

    # The source is down (every request goes to a closed port on 127.0.0.1): a failed run, exit 1,
    # and the second author is skipped, not retried again.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("OPENALEX_API_KEY", "a-dummy-key")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("SCHOLARFLOW_BACKOFF_SECONDS", "0")
    monkeypatch.setenv("SCHOLARFLOW_MAX_ATTEMPTS", "2")
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    proc = subprocess.run([SCHOLARFLOW, "nightly", "--json"], capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)
    summary = json.loads(proc.stdout)
    assert proc.returncode == 1 and summary["status"] == "failed" and summary["requests_made"] == 2, proc.stderr
    first, second = summary["errors"]
    assert "attempt 2" in first["error"] and second["error"].startswith("skipped: api.openalex.org is down in this run")
    assert quiet(proc.stderr), proc.stderr
    proc = subprocess.run([SCHOLARFLOW, "backfill", "A5000000002"], capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1].startswith("error: ") and quiet(proc.stderr), proc.stderr


def test_a_prefect_server_too_slow_to_start_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    code, _, err = run(monkeypatch, capsys, "backfill", "A5000000002", "--offline-sample")
    assert code == 1 and len(err.strip().splitlines()) == 1 and quiet(err), err
    assert "did not start within 1 s" in err and "PREFECT_API_URL" in err


def test_two_commands_at_once_on_a_new_prefect_home(tmp_path, monkeypatch, capsys):
    """Two temporary Prefect servers starting together on a fresh home (both migrating) used to collide."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("OPENALEX_API_KEY", None)
    env.pop("PREFECT_API_URL")
    commands = [[SCHOLARFLOW, "demo", "--warehouse", str(tmp_path / "a" / "warehouse.duckdb")],
                [SCHOLARFLOW, "backfill", "A5000000002", "--offline-sample", "--warehouse", str(tmp_path / "b" / "warehouse.duckdb")],
                [SCHOLARFLOW, "backfill", "A5000000003", "--offline-sample", "--warehouse", str(tmp_path / "b" / "warehouse.duckdb")]]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                              stdin=subprocess.DEVNULL) for c in commands]
    results = [(p.returncode, *p.communicate(timeout=600)) for p in procs]
    results = [(p.returncode, out, err) for p, (_, out, err) in zip(procs, results)]
    assert results[0][0] == 0 and quiet(results[0][2]), results[0][2]
    # The two backfills of one warehouse: each succeeds, or (if it came second while the other
    # wrote) is refused in one line; at least one succeeds.
    codes = [r[0] for r in results[1:]]
    assert 0 in codes, results
    for code, _, err in results[1:]:
        assert code == 0 or (code == 2 and "another scholarflow process is writing" in err
                             and len(err.strip().splitlines()) == 1), err


def test_a_terminal_gets_progress_bars_of_authors_and_pages(tmp_path):
    """On a TTY (a pseudo-terminal here) a backfill draws rich bars: the authors, and the current author's pages."""
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "OPENALEX_API_KEY"}
    env.update(TERM="xterm-256color", COLUMNS="120", PREFECT_LOGGING_LEVEL="WARNING")
    proc = subprocess.Popen([SCHOLARFLOW, "backfill", "A5000000002", "--offline-sample"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the command closed its end
            break
        if not chunk:
            break
        seen += chunk
    out = proc.communicate(timeout=300)[0]
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "backfill: authors" in text and "A5000000002: pages" in text and "━" in text
    assert quiet(text) and b"succeeded" in out


BRACKETS = "[18F]FDG [red]uptake[/red] in [/x] mice [link=https://evil.example]here[/link] :smile:"


def test_text_from_data_is_never_read_as_markup(published, tmp_path, monkeypatch, capsys):
    """Brackets are real in titles ("[18F]FDG …", "[Re] …"): sql, profile, explain and explain work print them as they are."""
    import json

    work = {"id": "https://openalex.org/W5000000777", "title": BRACKETS, "display_name": BRACKETS, "type": "article",
            "publication_year": 2024, "publication_date": "2024-02-01", "cited_by_count": 1, "referenced_works": [],
            "authorships": [{"author": {"id": "https://openalex.org/A5000000002", "display_name": "Łucja Wróblewska"},
                             "raw_author_name": "Łucja Wróblewska", "institutions": []}]}
    (tmp_path / "brackets.json").write_text(json.dumps(work))
    code, _, err = run(monkeypatch, capsys, "ingest", "brackets.json", "--author", "A5000000002")
    assert code == 0, err
    for args in (["sql", "SELECT '[/x]' AS v, '[red]r[/red]' AS \"[/oops]\", '[link=https://x]l' AS w"],
                 ["profile", "A5000000002"], ["profile", "A5000000002", "--explain"], ["explain", "work", "W5000000777"]):
        code, out, err = run(monkeypatch, capsys, *args)
        assert code == 0 and "Traceback" not in err and "MarkupError" not in err, (args, err)
        assert "\x1b[" not in out  # no colour from a value
        if args[0] == "sql":
            assert "[/x]" in out and "[red]r[/red]" in out and "[/oops]" in out and "[link=https://x]l" in out
        else:
            # (a table may fold the title over lines: each bracketed piece is there as sent)
            assert all(p in out for p in ("[18F]FDG", "[red]", "[/x]", "[link=")) and "😄" not in out, out


def test_sql_stops_a_runaway_query_and_shows_at_most_the_row_limit(published, monkeypatch, capsys):
    monkeypatch.setenv("SCHOLARFLOW_SQL_TIMEOUT_SECONDS", "1")
    code, out, err = run(monkeypatch, capsys, "sql", "SELECT count(*) FROM range(100000000000) a, range(10) b")
    assert code == 2 and err.strip() == ("error: query stopped after 1 s (SCHOLARFLOW_SQL_TIMEOUT_SECONDS); narrow it, "
                                         "or raise the limit")
    monkeypatch.setenv("SCHOLARFLOW_SQL_MAX_ROWS", "3")
    code, out, err = run(monkeypatch, capsys, "sql", "SELECT range AS n FROM range(1000000)")
    assert code == 0 and "│ 2 " in out and "│ 3 " not in out
    assert "the first 3 row(s); more are left out (SCHOLARFLOW_SQL_MAX_ROWS)" in out
    code, out, _ = run(monkeypatch, capsys, "sql", "SELECT range AS n FROM range(5)", "--format", "csv")
    assert code == 0 and out.split() == ["n", "0", "1", "2", "3", "4"]  # files and pipes get every row
