import json

import pytest

from flows.refresh import backfill_authors
from flows.rescore import rescore
from core.settings import DEFAULT_SCORING
from tests.conftest import SAMPLE_AUTHORS
from warehouse import open_published

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_weight_change_rescores_offline_under_a_new_version_and_keeps_history(tmp_path):
    backfill_authors(SAMPLE_AUTHORS, offline_sample=True)
    published = tmp_path / "data" / "warehouse.duckdb"
    con = open_published(published)
    before = dict(con.execute("SELECT author_id, profile_score FROM author_metrics").fetchall())
    con.close()
    raw_before = len(list((tmp_path / "data" / "raw").rglob("*.gz")))

    config = tmp_path / "no-novelty.toml"
    config.write_text(DEFAULT_SCORING.read_text().replace("novelty = 0.25", "novelty = 0.0", 1))
    summary = rescore(config_path=str(config), note="novelty weight off while cohorts are tiny")
    assert (summary["scoring_version"], summary["new_version"], summary["authors_scored"]) == (2, True, 3)
    assert len(list((tmp_path / "data" / "raw").rglob("*.gz"))) == raw_before  # nothing fetched

    con = open_published(published)
    assert con.execute("SELECT scoring_version, note FROM scoring_versions ORDER BY 1").fetchall() == [
        (1, None), (2, "novelty weight off while cohorts are tiny")]
    history = con.execute("SELECT author_id, scoring_version, profile_score FROM author_metrics_history ORDER BY 1, 2").fetchall()
    assert [(a, v) for a, v, _ in history] == [(a, v) for a in SAMPLE_AUTHORS for v in (1, 2)]
    assert {a: s for a, v, s in history if v == 1} == before  # version 1's rows are kept as they were
    for author_id, score, components in con.execute("SELECT author_id, profile_score, profile_components FROM author_metrics").fetchall():
        c = json.loads(components)
        assert c["novelty"]["used_weight"] == 0.0
        known = {k: v for k, v in c.items() if v["percentile"] is not None and v["weight"] > 0}
        expected = sum(v["weight"] * v["percentile"] for v in known.values()) / sum(v["weight"] for v in known.values())
        assert score == pytest.approx(expected, abs=0.06)
    assert con.execute("SELECT flow_name, status, scoring_version FROM runs ORDER BY started_at DESC LIMIT 1").fetchone() == (
        "rescore", "succeeded", 2)
    con.close()

    # The active configuration is now version 2: the next run and a plain rescore keep it.
    again = rescore()
    assert (again["scoring_version"], again["new_version"]) == (2, False)
    assert backfill_authors(SAMPLE_AUTHORS, offline_sample=True)["scoring_version"] == 2


def test_a_rescore_reuses_every_kept_vector_and_gives_the_same_scores(tmp_path, monkeypatch):
    import transforms.embed as embed

    backfill_authors(SAMPLE_AUTHORS, offline_sample=True)
    published = tmp_path / "data" / "warehouse.duckdb"
    con = open_published(published)
    kept = con.execute("SELECT count(*), count(DISTINCT embedder) FROM text_vectors").fetchone()
    before = con.execute("SELECT work_id, novelty, novelty_method FROM work_metrics ORDER BY 1").fetchall()
    con.close()
    assert kept[0] > 0 and kept[1] == 1
    embedded = []
    real = embed.HashingEmbedder.embed
    monkeypatch.setattr(embed.HashingEmbedder, "embed", lambda self, texts: embedded.append(len(texts)) or real(self, texts))
    rescore()
    assert embedded == []  # every text's vector came from text_vectors
    con = open_published(published)
    assert con.execute("SELECT work_id, novelty, novelty_method FROM work_metrics ORDER BY 1").fetchall() == before
    con.close()
