"""Benchmark: transform + load throughput on a synthetic author-sized batch. Prints figures.

    .venv/bin/python benchmarks/bench_pipeline.py [--works N]

N OpenAlex works and N arXiv entries (every other entry is a copy of an OpenAlex work, so
half of them must merge), one author, a real DuckDB in a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from transforms.assemble import AuthorInput, assemble
from warehouse import Warehouse


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
            frames = assemble([author], wh.work_identifiers())
            t1 = time.perf_counter()
            wh.load(frames.tables(), dt.date(2026, 11, 22))
            t2 = time.perf_counter()
            wh.load(assemble([author], wh.work_identifiers()).tables(), dt.date(2026, 11, 22))
            t3 = time.perf_counter()
            wh.publish()
            t4 = time.perf_counter()
            size_mb = (Path(tmp) / "w.duckdb").stat().st_size / 1e6
    records = 2 * args.works
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"records in:            {records}")
    print(f"works out:             {len(frames.works)} ({frames.stats['merged_duplicates']} merged)")
    print(f"transform:             {t1 - t0:.2f} s  ({records / (t1 - t0):,.0f} records/s)")
    print(f"first load:            {t2 - t1:.2f} s")
    print(f"re-load (idempotent):  {t3 - t2:.2f} s (transform + load)")
    print(f"publish:               {t4 - t3:.2f} s  ({size_mb:.1f} MB file)")
    print(f"peak RSS:              {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
