"""Benchmark: `scholarflow ingest` of N real-shaped OpenAlex works against DuckDB's bare read_json. Prints figures.

    .venv/bin/python benchmarks/bench_ingest.py [--works 5000,10000]

The works are the real 2026 author lists of ../shared/realdata/openalex/idb_2026 (881 records,
~15 KB each), cloned with fresh W ids, DOIs and a number in the title (so no two clones are one
paper), every one of them by one benchmark author, written as one OpenAlex JSON Lines file. For
each N it measures, each in a process of its own (wall time and that process's peak RSS):

- the ceiling: DuckDB reading the file into a table (`read_json`, newline-delimited);
- `scholarflow ingest --author A5999000001 FILE` into a fresh warehouse (a real Prefect flow run,
  on a temporary Prefect server);
- the same ingest again (nothing changed), and the warehouse file's size after each.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "openalex" / "idb_2026"
AUTHOR = "A5999000001"
BIN = Path(sys.executable).parent


def real_works() -> list[dict]:
    works = []
    for path in sorted(REALDATA.glob("openalex_works_author_*.json")):
        works.extend(json.loads(path.read_text(encoding="utf-8"))["results"])
    return works


def clone(work: dict, i: int) -> dict:
    """A copy of a real work that is a paper of its own: new ids, DOI and title number; by the benchmark author."""
    w = copy.deepcopy(work)
    wid, doi = f"https://openalex.org/W9{i:09d}", f"https://doi.org/10.99999/bench.{i}"
    w.update(id=wid, doi=doi, title=f"{work.get('title') or 'Untitled'} {i}", display_name=None,
             ids={"openalex": wid, "doi": doi}, best_oa_location=None)
    primary = w.get("primary_location") or {}
    primary.update(landing_page_url=doi, pdf_url=None, id=f"doi:{doi[16:]}")
    w["primary_location"], w["locations"] = primary, [primary]
    authorships = w.get("authorships") or [{"author": {}}]
    authorships[0]["author"] = {"id": f"https://openalex.org/{AUTHOR}", "display_name": "Bench Author"}
    w["authorships"] = authorships
    return w


def write_input(n: int, out: Path) -> int:
    works = real_works()
    with out.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(clone(works[i % len(works)], i)) + "\n")
    return out.stat().st_size


def measure(args: list[str], env: dict) -> tuple[float, float]:
    """Run a command; return (wall seconds, its peak RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:3])}… failed: {err.strip().splitlines()[-1:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--works", default="5000,10000", help="comma-separated sizes")
    sizes = [int(s) for s in parser.parse_args().works.split(",")]
    if not REALDATA.exists():
        raise SystemExit(f"needs {REALDATA} (../shared/realdata)")
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            size = write_input(n, tmp / "works.jsonl")
            env = {**os.environ, "SCHOLARFLOW_HOME": str(tmp / "data"), "PREFECT_LOGGING_LEVEL": "WARNING"}
            env.pop("OPENALEX_API_KEY", None)
            ceiling = measure([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "con.execute(\"CREATE TABLE w AS SELECT * FROM read_json(?, format='newline_delimited', "
                               "maximum_object_size=100000000)\", [sys.argv[2]])", str(tmp / "ceiling.duckdb"),
                               str(tmp / "works.jsonl")], env)
            ingest = [str(BIN / "scholarflow"), "ingest", "--author", AUTHOR, str(tmp / "works.jsonl")]
            first = measure(ingest, env)
            first_mb = (tmp / "data" / ".warehouse.work.duckdb").stat().st_size / 1e6
            again = measure(ingest, env)
            again_mb = (tmp / "data" / ".warehouse.work.duckdb").stat().st_size / 1e6
            rows.append((n, size / 1e6, ceiling, first, again, first_mb, again_mb))
    print(f"{'works':>7} {'input MB':>9} {'read_json s':>12} {'ingest s':>9} {'ratio':>6} {'peak MB':>8} "
          f"{'again s':>8} {'peak MB':>8} {'file MB 1st/2nd':>16}")
    for n, mb, ceiling, first, again, f1, f2 in rows:
        print(f"{n:>7} {mb:>9.0f} {ceiling[0]:>12.1f} {first[0]:>9.1f} {first[0] / ceiling[0]:>6.1f} {first[1]:>8.0f} "
              f"{again[0]:>8.1f} {again[1]:>8.0f} {f1:>7.0f} / {f2:<7.0f}")


if __name__ == "__main__":
    main()
