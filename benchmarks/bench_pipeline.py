"""Benchmark: transform + load + scoring throughput on a synthetic author-sized batch. Prints figures.

    .venv/bin/python benchmarks/bench_pipeline.py [--works N]

N OpenAlex works and N arXiv entries (every other entry is a copy of an OpenAlex work, so
half of them must merge), one author, each OpenAlex work citing 20 of 4N cited works whose
texts are stored, a real DuckDB in a temporary folder. Scoring embeds every work and cited
text (TF-IDF + SVD), computes novelty per work and every author figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from core.settings import load_scoring_config
from flows.steps import store_and_derive
from transforms.assemble import AuthorInput, assemble
from transforms.scores import FORMULA_VERSION, ScoringInputs, score
from transforms.staging import stage_reference_texts
from warehouse import Warehouse

WORDS = ("vision transformer graph bandit protein lattice quark policy kernel sparse mixing token benchmark "
         "convex entropy galaxy neuron robot speech language").split()


def reference_texts(n: int):
    """4n cited works with short synthetic titles and abstracts drawn from a small vocabulary."""
    rows = [{"id": f"https://openalex.org/W{1_000_000 + j}", "title": " ".join(WORDS[(j * k) % len(WORDS)] for k in (1, 3, 7)),
             "abstract_inverted_index": {w: [p] for p, w in enumerate(WORDS[(j + k) % len(WORDS)] for k in range(8))}}
            for j in range(4 * n)]
    return stage_reference_texts([r["id"].rsplit("/", 1)[-1] for r in rows], rows, dt.date(2026, 11, 22))


def synthetic(n: int):
    works, entries = [], []
    for i in range(n):
        ax = f"2{i // 10000:03d}.{i % 10000:05d}"
        authors = [("Ada Bench", "A1"), (f"Co Author{i % 50}", f"A{100 + i % 50}"), (f"Other Person{i}", None)]
        works.append({
            "id": f"https://openalex.org/W{9_000_000 + i}", "title": f"Synthetic study number {i} of benchmarks",
            "publication_year": 2000 + i % 25, "publication_date": f"{2000 + i % 25}-01-01", "type": "article",
            "doi": f"https://doi.org/10.9999/bench.{i}", "cited_by_count": (i * 37) % 500,
            "primary_location": {"source": {"display_name": "Journal of Benchmarks"}},
            "locations": [{"landing_page_url": f"https://arxiv.org/abs/{ax}"}] if i % 2 == 0 else [],
            "authorships": [{"author": {"id": f"https://openalex.org/{a}" if a else None, "display_name": n}} for n, a in authors],
            "counts_by_year": [{"year": 2024, "cited_by_count": i % 40}, {"year": 2023, "cited_by_count": i % 30}],
            "abstract_inverted_index": {w: [k] for k, w in enumerate(f"we measure thing {i} again".split())},
            "referenced_works": [f"https://openalex.org/W{1_000_000 + (i * 7 + k * 13) % (4 * n)}" for k in range(20)],
        })
        entries.append({
            "arxiv_id": ax if i % 2 == 0 else f"3{i // 10000:03d}.{i % 10000:05d}", "title": f"Synthetic study number {i} of benchmarks",
            "summary": "An abstract of our own.", "published": f"{2000 + i % 25}-03-01T00:00:00Z",
            "authors": [{"name": "Ada Bench"}, {"name": f"Co Author{i % 50}"}], "categories": ["cs.CV"], "primary_category": "cs.CV",
        })
    return works, entries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--works", type=int, default=5000)
    args = parser.parse_args()
    works, entries = synthetic(args.works)
    author = AuthorInput("A1", "Ada Bench", openalex_works=works, arxiv_entries=entries)
    with tempfile.TemporaryDirectory() as tmp:
        with Warehouse(Path(tmp) / ".w.work.duckdb", Path(tmp) / "w.duckdb") as wh:
            t0 = time.perf_counter()
            batch = assemble([author])
            batch.reference_texts = reference_texts(args.works)
            t1 = time.perf_counter()
            now = dt.datetime.now(dt.timezone.utc)
            _, stats = store_and_derive(wh, batch, "bench-1", now)
            t2 = time.perf_counter()
            store_and_derive(wh, assemble([author]), "bench-2", now)
            t3 = time.perf_counter()
            config = load_scoring_config()
            version = wh.scoring_version_for(config, FORMULA_VERSION, dt.datetime.now(dt.timezone.utc))
            inputs = ScoringInputs(**wh.scoring_frames())
            t4 = time.perf_counter()
            scores = score(inputs, config, dt.date(2026, 11, 22), version["scoring_version"])
            t5 = time.perf_counter()
            wh.write_scores(scores.tables(), version)
            t6 = time.perf_counter()
            wh.publish()
            t7 = time.perf_counter()
            size_mb = (Path(tmp) / "w.duckdb").stat().st_size / 1e6
    records = 2 * args.works
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"records in:            {records}")
    print(f"works out:             {stats['works']} ({stats['merged_duplicates']} merged)")
    print(f"stage:                 {t1 - t0:.2f} s  ({records / (t1 - t0):,.0f} records/s)")
    print(f"first store + derive:  {t2 - t1:.2f} s  (records stored, works derived, attribution)")
    print(f"re-run (idempotent):   {t3 - t2:.2f} s  (stage + store + derive again)")
    print(f"scoring read:          {t4 - t3:.2f} s")
    by_method = scores.work_metrics["novelty_method"].value_counts().to_dict()
    print(f"scoring (pure):        {t5 - t4:.2f} s  ({len(scores.work_metrics)} works, {len(inputs.reference_texts)} cited texts; {by_method})")
    print(f"scoring write:         {t6 - t5:.2f} s")
    print(f"publish:               {t7 - t6:.2f} s  ({size_mb:.1f} MB file)")
    print(f"peak RSS:              {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
