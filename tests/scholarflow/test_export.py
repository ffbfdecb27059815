"""The analyst's way in: generated schema docs, the questions page, Parquet export, query output formats."""

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.refresh import backfill_authors
from core.errors import UserError
from scholarflow.export import export_warehouse, schema_markdown, write_result
from tests.conftest import SAMPLE_AUTHORS
from warehouse.reads import export_parquet, query
from warehouse.store import schema_catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness):
    path = tmp_path_factory.mktemp("analyst") / "data" / "warehouse.duckdb"
    backfill_authors(SAMPLE_AUTHORS, warehouse=str(path), offline_sample=True)
    return path


def test_docs_schema_md_is_what_the_code_generates():
    committed = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == schema_markdown(schema_catalog()), "docs/schema.md is stale: run `scholarflow docs`"
    catalog = schema_catalog()
    assert all(obj["comment"] for obj in catalog.values())  # every table and view says what it is
    assert catalog["works"]["primary_key"] == ["work_id"]
    assert {"profile_card", "profile_works", "profile_graph"} <= {n for n, o in catalog.items() if o["kind"] == "view"}


def test_every_question_on_the_analyst_page_runs(published):
    page = (ROOT / "docs" / "analyst-questions.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", page, re.S)
    assert len(blocks) >= 6
    results = [query(published, sql) for sql in blocks]
    assert all(len(r) > 0 for r in results), [b[:60] for b, r in zip(blocks, results) if not len(r)]
    disagreements = results[[i for i, b in enumerate(blocks) if "data_quality" in b][0]]
    assert ("source_disagrees_h_index", "5", "32") in set(zip(disagreements.check_name, disagreements.ours, disagreements.reported))


def test_export_writes_every_table_and_view_with_the_schema(published, tmp_path):
    out = tmp_path / "export"
    schema = export_warehouse(published, out)
    con = duckdb.connect(str(published), read_only=True)
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() UNION ALL "
                                       "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert set(schema) == names and len(names) >= 30
    for name in ("profile_card", "works", "author_metrics_history"):
        back = pd.read_parquet(out / f"{name}.parquet")
        assert len(back) == con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == schema[name]["rows"]
    card = pd.read_parquet(out / "profile_card.parquet").set_index("author_id")
    assert card.loc["A5000000001", "h_index"] == 5
    con.close()
    on_disk = json.loads((out / "schema.json").read_text())
    assert on_disk["works"]["primary_key"] == ["work_id"] and on_disk["works"]["comment"]
    assert (out / "schema.md").read_text() == schema_markdown(schema_catalog())
    export_warehouse(published, out)  # a second export replaces the first whole
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="was not written by `scholarflow export`"):
        export_warehouse(published, mine)
    assert (mine / "keep.txt").read_text() == "mine"


def test_large_tables_are_partitioned_by_year(published, tmp_path):
    written = export_parquet(published, tmp_path, partition_rows=5)
    works = written["works"]
    assert works["partitioned_by"] == "publication_year"
    assert any("publication_year=2022" in f for f in works["files"])
    back = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{tmp_path}/works/*/*.parquet')").fetchone()[0]
    assert back == works["rows"]
    assert written["runs"]["files"] == ["runs.parquet"]  # no year column: one file whatever its size


def test_query_results_as_files_and_the_sandbox(published, tmp_path):
    df = query(published, "SELECT author_id, display_name, profile_score, computed_on FROM profile_card ORDER BY author_id")
    assert write_result(df, "csv", None).splitlines()[0] == "author_id,display_name,profile_score,computed_on"
    rows = json.loads(write_result(df, "json", None))
    assert rows[1]["display_name"] == "Łucja Wróblewska" and rows[0]["computed_on"].startswith("20")
    write_result(df, "parquet", tmp_path / "cards.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cards.parquet")[["author_id"]], df[["author_id"]])
    with pytest.raises(UserError, match="needs --out"):
        write_result(df, "parquet", None)
    for sql in (f"COPY works TO '{tmp_path}/leak.csv'", "SELECT * FROM read_csv('/etc/hostname')",
                "DELETE FROM works", f"ATTACH '{tmp_path}/other.duckdb'"):
        with pytest.raises(UserError, match="query failed"):
            query(published, sql)
    assert not (tmp_path / "leak.csv").exists()
