import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from connectors.files import read_saved
from core.errors import WarehouseError
from core.settings import SAMPLE_DIR
from flows.steps import store_and_derive
from transforms.assemble import AuthorInput, assemble
from warehouse import Warehouse, open_published
from warehouse.store import TABLE_KEYS

DAY = dt.date(2026, 11, 22)


NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.timezone.utc)


def _sample_batch(bump_citations: int = 0):
    def j(name):
        return read_saved(SAMPLE_DIR / "openalex" / name)

    works = j("works_A5000000001_p1.json").openalex_works + j("works_A5000000001_p2.json").openalex_works
    for w in works:
        w["cited_by_count"] += bump_citations
    entries = read_saved(SAMPLE_DIR / "arxiv" / "au_Boxiao_Liu.xml").arxiv_entries
    author = j("author_A5000000001.json").openalex_authors[0]
    return assemble([AuthorInput("A5000000001", "Boxiao Liu", record=author, openalex_works=works, arxiv_entries=entries)])


def _load(wh, batch=None, fail_after=None, run_id="run-1"):
    return store_and_derive(wh, batch or _sample_batch(), run_id, NOW, fail_after=fail_after)[0]


def _snapshot(con):
    out = {}
    for table, keys in TABLE_KEYS.items():
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in ("last_run_id", "last_seen_at")]
        out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(keys)}").df()
    return out


def _same(a, b):
    assert a.keys() == b.keys()
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t], obj=t)


@pytest.fixture
def wh(tmp_path):
    with Warehouse(tmp_path / ".w.work.duckdb", tmp_path / "w.duckdb") as w:
        yield w


def test_loading_twice_changes_nothing(wh):
    first = _load(wh)
    before = _snapshot(wh.con)
    second = _load(wh, run_id="run-2")
    assert first.works_new > 0 and (second.works_new, second.works_changed) == (0, 0)
    _same(before, _snapshot(wh.con))
    dupes = wh.con.execute("SELECT count(*) - count(DISTINCT work_id) FROM works").fetchone()[0]
    assert dupes == 0


def test_a_crash_mid_load_leaves_the_previous_state_whole_and_a_rerun_completes(wh):
    _load(wh)
    before = _snapshot(wh.con)
    openalex_works = "SELECT DISTINCT work_id FROM record_works WHERE record_key LIKE 'openalex:%'"
    works = len(wh.con.execute(openalex_works).fetchall())  # the works whose citations a bump changes
    with pytest.raises(RuntimeError, match="injected"):
        _load(wh, _sample_batch(bump_citations=1000), fail_after="authorships")  # a changed night that dies part-way
    _same(before, _snapshot(wh.con))
    with pytest.raises(RuntimeError, match="injected"):
        _load(wh, _sample_batch(bump_citations=1000), fail_after="author_works")  # or after attribution
    _same(before, _snapshot(wh.con))
    result = _load(wh, _sample_batch(bump_citations=1000))
    assert result.works_changed == works
    assert wh.con.execute(f"SELECT min(cited_by_count) FROM works WHERE work_id IN ({openalex_works})").fetchone()[0] >= 1000


def test_schema_has_keys_not_null_and_comments(wh):
    missing = wh.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE comment IS NULL OR comment = '' "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert missing == []
    pks = {r[0] for r in wh.con.execute("SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    assert set(TABLE_KEYS) | {"runs", "raw_responses", "tracked_authors"} <= pks


def test_published_copy_is_read_only_and_a_held_reader_survives_a_publish(wh, tmp_path):
    _load(wh)
    wh.publish()
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(tmp_path / 'w.duckdb')!r}, read_only=True)
            print(con.execute("SELECT count(*) FROM works").fetchone()[0], flush=True)
            sys.stdin.readline()   # hold the connection while the pipeline publishes
            print(con.execute("SELECT count(*) FROM works").fetchone()[0], flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    before = int(reader.stdout.readline())
    wh.con.execute("DELETE FROM works WHERE work_id = (SELECT min(work_id) FROM works)")
    wh.publish()  # not blocked by the reader
    out, _ = reader.communicate("go\n", timeout=60)
    assert int(out.strip()) == before  # the old snapshot, whole
    con = open_published(tmp_path / "w.duckdb")
    assert con.execute("SELECT count(*) FROM works").fetchone()[0] == before - 1  # a new reader sees the new one
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM works")
    con.close()


def test_in_one_process_a_new_connection_sees_the_new_snapshot_only_once_the_old_ones_are_closed(wh, tmp_path):
    """What the README says of readers in one process: DuckDB hands a new connection to a path that the
    process already has open the database it opened then (its instance cache), so that connection sees the
    old snapshot; once every connection to the path is closed, a new one opens the newest file."""
    _load(wh)
    wh.publish()
    path = str(tmp_path / "w.duckdb")
    held = duckdb.connect(path, read_only=True)
    before = held.execute("SELECT count(*) FROM works").fetchone()[0]
    wh.con.execute("DELETE FROM works WHERE work_id = (SELECT min(work_id) FROM works)")
    wh.publish()
    second = duckdb.connect(path, read_only=True)
    assert second.execute("SELECT count(*) FROM works").fetchone()[0] == before  # still the old one
    second.close()
    held.close()
    fresh = duckdb.connect(path, read_only=True)
    assert fresh.execute("SELECT count(*) FROM works").fetchone()[0] == before - 1
    fresh.close()


def _older_duckdb() -> Path:
    """A throwaway venv (kept inside .venv) with the DuckDB of a year ago and the registry's DuckDB CLI."""
    venv = Path(sys.prefix) / "compat-duckdb"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "duckdb").exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "duckdb==1.4.4", "duckdb-cli==1.5.6"],
                       check=True, timeout=900, capture_output=True)
    return venv


def test_the_published_copy_opens_in_the_duckdb_cli_and_last_years_clients(wh, tmp_path):
    _load(wh)
    wh.publish()
    works = wh.con.execute("SELECT count(*) FROM works").fetchone()[0]
    venv = _older_duckdb()
    published = str(tmp_path / "w.duckdb")
    cli = subprocess.run([str(venv / "bin" / "duckdb"), "-readonly", "-csv", published, "-c",
                          "SELECT version(), count(*) FROM works"], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    version, count = cli.stdout.strip().splitlines()[-1].split(",")
    assert version.startswith("v1.5") and int(count) == works
    old = subprocess.run([str(venv / "bin" / "python"), "-c", textwrap.dedent(f"""
        import duckdb
        con = duckdb.connect({published!r}, read_only=True)
        print(duckdb.__version__, con.execute("SELECT count(*) FROM works").fetchone()[0],
              con.execute("SELECT count(*) FROM profile_card").fetchone()[0],
              con.execute("SELECT comment IS NOT NULL FROM duckdb_tables() WHERE table_name = 'works'").fetchone()[0])
    """)], capture_output=True, text=True, timeout=120)
    assert old.returncode == 0, old.stderr
    assert old.stdout.split() == ["1.4.4", str(works), str(wh.con.execute("SELECT count(*) FROM profile_card").fetchone()[0]),
                                  "True"]
    # The copy has every table, view, key and comment of the working database.
    con = open_published(tmp_path / "w.duckdb")
    catalog = "SELECT (SELECT count(*) FROM duckdb_tables() WHERE NOT temporary), " \
              "(SELECT count(*) FROM duckdb_views() WHERE NOT internal AND NOT temporary), " \
              "(SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY')"
    assert con.execute(catalog).fetchone() == wh.con.execute(catalog).fetchone()
    con.close()
    assert not list(tmp_path.glob("*.tmp*")) and not list(tmp_path.glob("*.wal"))


def test_second_writer_gets_a_clear_error(tmp_path):
    path = tmp_path / ".w.work.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(path)!r}); print('ok', flush=True); sys.stdin.readline()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    try:
        with pytest.raises(WarehouseError, match="another scholarflow process"):
            Warehouse(path, tmp_path / "w.duckdb")
    finally:
        holder.communicate("\n", timeout=30)


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WarehouseError):
        Warehouse(blocker / "w.work.duckdb", blocker / "w.duckdb")


def _score_once(wh, config, day=DAY):
    from transforms.scores import FORMULA_VERSION, ScoringInputs, score

    version = wh.scoring_version_for(config, FORMULA_VERSION, dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
    scores = score(ScoringInputs(**wh.scoring_frames()), config, day, version["scoring_version"])
    return scores, version


def test_scoring_replaces_derived_tables_keeps_history_and_rolls_back_whole(wh):
    from core.settings import load_scoring_config
    from warehouse.store import SCORED_TABLES

    config = load_scoring_config()
    _load(wh)
    scores, version = _score_once(wh, config)
    assert version["is_new"] and version["scoring_version"] == 1
    wh.write_scores(scores.tables(), version)
    assert wh.active_scoring() == (1, config)
    assert _score_once(wh, config)[1] == {"scoring_version": 1, "is_new": False}  # same config, same version
    before = {t: wh.con.execute(f"SELECT * FROM {t}").df() for t in SCORED_TABLES}

    changed = {**config, "profile": {**config["profile"], "novelty": 0.0}}
    scores2, version2 = _score_once(wh, changed, DAY + dt.timedelta(days=1))
    assert version2["scoring_version"] == 2
    with pytest.raises(RuntimeError, match="injected"):
        wh.write_scores(scores2.tables(), version2, fail_after="author_metrics")
    for t in SCORED_TABLES:  # a failed pass leaves the last one whole, and no version 2
        pd.testing.assert_frame_equal(before[t], wh.con.execute(f"SELECT * FROM {t}").df(), obj=t)
    assert wh.active_scoring()[0] == 1

    wh.write_scores(scores2.tables(), version2)
    history = wh.con.execute("SELECT scoring_version, count(*) FROM author_metrics_history GROUP BY 1 ORDER BY 1").fetchall()
    assert history == [(1, 1), (2, 1)]
    assert wh.con.execute("SELECT DISTINCT scoring_version FROM author_metrics").fetchall() == [(2,)]
    assert wh.active_scoring() == (2, changed)


def test_missing_references_are_those_never_fetched(wh):
    from transforms.staging import stage_reference_texts

    batch = _sample_batch()
    batch.reference_texts = stage_reference_texts(["W1", "W2"], [{"id": "https://openalex.org/W1", "title": "T"}], DAY)
    _load(wh, batch)
    assert wh.missing_references(["W1", "W2", "W3", "W3"]) == ["W3"]  # W2 was asked for and not found: not again


def test_a_warehouse_from_before_scoring_is_upgraded_without_losing_history(tmp_path):
    import subprocess as sp

    old_schema = sp.run(["git", "show", "302aa49:warehouse/schema.sql"], capture_output=True, text=True,
                        cwd=Path(__file__).resolve().parents[2])
    if old_schema.returncode:
        pytest.skip("the pre-scoring schema is not in this clone's history")
    path = tmp_path / ".w.work.duckdb"
    con = duckdb.connect(str(path))
    con.execute(old_schema.stdout)
    con.execute("INSERT INTO author_metrics_history VALUES ('A1', DATE '2026-11-01', 3, 40, 2, 1, 2020, 2024, 0, 1)")
    con.close()
    with Warehouse(path, tmp_path / "w.duckdb") as wh:
        assert wh.con.execute("SELECT author_id, h_index FROM author_metrics_history_v0").fetchall() == [("A1", 2)]
        cols = {r[0] for r in wh.con.execute("DESCRIBE author_metrics_history").fetchall()}
        assert {"scoring_version", "profile_score", "trust_score"} <= cols
        _load(wh)
        assert wh.con.execute("SELECT count(*) FROM works").fetchone()[0] > 0
    with Warehouse(path, tmp_path / "w.duckdb") as wh:  # and opening it again changes nothing
        assert wh.con.execute("SELECT count(*) FROM author_metrics_history_v0").fetchone()[0] == 1


def test_a_run_left_running_by_a_dead_process_is_marked_failed_by_the_next(tmp_path):
    now = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
    with Warehouse(tmp_path / "w.duckdb", tmp_path / "p.duckdb") as wh:
        assert wh.start_run("dead", "nightly-refresh", "schedule", now, 3, "flow-run-1") == {}  # then killed -9
    with Warehouse(tmp_path / "w.duckdb", tmp_path / "p.duckdb") as wh:
        # the dead run's Prefect flow run comes back, to be marked crashed there
        assert wh.start_run("next", "nightly-refresh", "schedule", now + dt.timedelta(days=1), 3, "flow-run-2") == {"flow-run-1": "crashed"}
        rows = dict(wh.con.execute("SELECT run_id, status FROM runs").fetchall())
        errors = wh.con.execute("SELECT errors FROM runs WHERE run_id = 'dead'").fetchone()[0]
    assert rows == {"dead": "failed", "next": "running"}
    assert "ended before the run finished" in errors
    with Warehouse(tmp_path / "w.duckdb", tmp_path / "p.duckdb") as wh:
        wh.finish_run("next", "cancelled", now + dt.timedelta(days=1, hours=1), {}, [])  # stopped; Prefect not told
        # the stopped run's flow run comes back once, to be cancelled there; checked by this run, not again
        assert wh.start_run("third", "nightly-refresh", "schedule", now + dt.timedelta(days=2), 3, "flow-run-3") == {"flow-run-2": "cancelled"}
        wh.finish_run("third", "succeeded", now + dt.timedelta(days=2, hours=1), {}, [])
        assert wh.start_run("fourth", "nightly-refresh", "schedule", now + dt.timedelta(days=3), 3, None) == {}


def test_a_writer_removes_the_half_published_copies_of_dead_processes_only(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "p.duckdb").write_bytes(b"published")
    debris = tmp_path / f".p.duckdb.{dead.pid}.tmp"
    debris.write_bytes(b"half a copy")  # a publish killed -9 half way
    alive = tmp_path / f".p.duckdb.{os.getppid()}.tmp"  # a live process's: not ours to judge
    alive.write_bytes(b"being written")
    with Warehouse(tmp_path / "w.duckdb", tmp_path / "p.duckdb"):
        pass
    assert not debris.exists() and alive.exists() and (tmp_path / "p.duckdb").read_bytes() == b"published"
