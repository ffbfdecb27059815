"""What Novelty % looks like on the bundled sample and on real author lists. Prints figures.

    .venv/bin/python benchmarks/bench_novelty.py [--keep DIR]

Builds two warehouses the way a user would, with the `scholarflow` command: the demo (the
offline sample: 3 authors, their works and the texts of the works they cite) and the 24 real
2026 author works lists of ../shared/realdata/openalex/idb_2026 (`scholarflow ingest FILES
--author A…` per author, read in place; an ingest fetches no cited-work texts, so its cohorts are
the works alone). For each it prints how many works got a Novelty % and in which kind of cohort,
the deciles and a 10-point histogram of the works' Novelty %, and the authors' Novelty %.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
LISTS = ROOT.parent / "shared" / "realdata" / "openalex" / "idb_2026"
CLI = [str(Path(sys.executable).with_name("scholarflow"))]


def _run(args: list[str]) -> None:
    done = subprocess.run(CLI + args, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"scholarflow {' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-400:]}")


def build_sample(folder: Path) -> Path:
    warehouse = folder / "sample" / "warehouse.duckdb"
    _run(["demo", "--warehouse", str(warehouse)])
    return warehouse


def build_real(folder: Path) -> Path:
    warehouse = folder / "real" / "warehouse.duckdb"
    for author_file in sorted(LISTS.glob("openalex_author_*.json")):
        author = author_file.stem.removeprefix("openalex_author_")
        _run(["ingest", str(author_file), str(LISTS / f"openalex_works_author_{author}.json"), "--author", author,
              "--warehouse", str(warehouse)])
    return warehouse


def report(name: str, warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        total, valued, ranked = con.execute(
            "SELECT count(*), count(novelty), count(novelty_pct) FROM work_metrics").fetchone()
        kinds = con.execute("""
            SELECT CASE WHEN novelty_cohort LIKE '%, any year' THEN 'any year'
                        WHEN novelty_cohort LIKE '%–%' THEN '5 years' ELSE 'same year' END AS kind,
                   count(*), median(novelty_cohort_size)
            FROM work_metrics WHERE novelty_pct IS NOT NULL GROUP BY kind ORDER BY kind""").fetchall()
        deciles = con.execute("SELECT quantile_cont(novelty_pct, [0.1, 0.25, 0.5, 0.75, 0.9]) FROM work_metrics").fetchone()[0]
        bins = dict(con.execute("SELECT least(floor(novelty_pct / 10), 9)::INT, count(*) FROM work_metrics "
                                "WHERE novelty_pct IS NOT NULL GROUP BY 1").fetchall())
        authors = con.execute("SELECT count(*), count(novelty_pct), min(novelty_pct), median(novelty_pct), max(novelty_pct) "
                              "FROM author_metrics WHERE merged_into IS NULL").fetchone()
        cited = con.execute("SELECT count(*) FROM reference_texts WHERE found").fetchone()[0]
    finally:
        con.close()
    print(f"\n{name}: {total} works, {cited} cited-work texts; {valued} with a novelty value, {ranked} ranked "
          f"({total - ranked} 'not enough comparable works' or no value)")
    for kind, n, size in kinds:
        print(f"  cohort {kind:<9} {n:>5} works, median cohort {size:.0f} texts")
    if deciles:
        print("  Novelty % deciles p10 / p25 / median / p75 / p90: " + " / ".join(f"{d:.1f}" for d in deciles))
    top = max(bins.values(), default=1)
    for b in range(10):
        n = bins.get(b, 0)
        print(f"  {b * 10:>3}-{b * 10 + 10:<3} {n:>5}  {'#' * round(40 * n / top)}")
    print(f"  authors: {authors[1]} of {authors[0]} with a Novelty %; min / median / max "
          + (" / ".join(f"{v:.1f}" for v in authors[2:]) if authors[1] else "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="build the warehouses here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-novelty-"))
    try:
        report("sample (make demo)", build_sample(folder))
        if LISTS.is_dir():
            report("real: the 24 idb_2026 author lists, ingested", build_real(folder))
        else:
            print(f"\nno {LISTS}: the real lists are skipped")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
