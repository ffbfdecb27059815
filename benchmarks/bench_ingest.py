"""Benchmark (`make bench`): ingest and rescoring at scale against DuckDB's bare read_json. Prints one table.

    .venv/bin/python benchmarks/bench_ingest.py [--works 5000,20000,100000]

The works are the real 2026 author lists of ../shared/realdata/openalex/idb_2026 (881 records,
~15 KB each), cloned with fresh W ids, DOIs and a number in the title (so no two clones are one
paper), every one of them by one benchmark author, written as one OpenAlex JSON Lines file. For
each N it measures, each in a process of its own (wall time and that process's peak RSS):

- the ceiling: DuckDB reading the file into a table (`read_json`, newline-delimited);
- `scholarflow ingest --author A5999000001 FILE` into a fresh warehouse (a real Prefect flow
  run, on a temporary Prefect server), with the share of its steps (load, score, publish; the
  rest is start-up: Python, Prefect and its temporary server);
- the same ingest again (nothing changed);
- an ingest of the file with 1 % of its works changed (citation counts), which stands for a
  nightly in which 1 % changed until the fake-server load benchmark measures the nightly itself;
- `scholarflow rescore` of the warehouse;

and the warehouse file's size after the first and the second ingest.
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


def changed(src: Path, out: Path, share: float = 0.01) -> int:
    """Write `src` with every 1/share-th work's citation count raised by one; return how many changed."""
    step, n = round(1 / share), 0
    with src.open(encoding="utf-8") as fin, out.open("w", encoding="utf-8") as fout:
        for i, line in enumerate(fin):
            if i % step == 0:
                w = json.loads(line)
                w["cited_by_count"] = (w.get("cited_by_count") or 0) + 1
                line, n = json.dumps(w) + "\n", n + 1
            fout.write(line)
    return n


def run(args: list[str], env: dict) -> tuple[float, float, dict]:
    """Run a command in a process of its own; return (wall seconds, its own peak RSS in MB, its --json summary)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text, problem = out.read(), err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:3])}… failed: {problem.strip().splitlines()[-1:]}")
    try:
        summary = json.loads(text)
    except ValueError:
        summary = {}
    return wall, usage.ru_maxrss / 1024, summary


def shares(wall: float, summary: dict) -> str:
    seconds = summary.get("seconds", {})
    parts = [f"{k} {100 * v / wall:.0f}%" for k, v in seconds.items()]
    return ", ".join(parts + [f"start-up+rest {100 * (wall - sum(seconds.values())) / wall:.0f}%"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--works", default="5000,20000,100000", help="comma-separated sizes")
    sizes = [int(s) for s in parser.parse_args().works.split(",")]
    if not REALDATA.exists():
        raise SystemExit(f"needs {REALDATA} (../shared/realdata)")
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            size = write_input(n, tmp / "works.jsonl")
            n_changed = changed(tmp / "works.jsonl", tmp / "changed.jsonl")
            env = {**os.environ, "SCHOLARFLOW_HOME": str(tmp / "data"), "PREFECT_LOGGING_LEVEL": "WARNING"}
            env.pop("OPENALEX_API_KEY", None)
            ceiling = run([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                           "con.execute(\"CREATE TABLE w AS SELECT * FROM read_json(?, format='newline_delimited', "
                           "maximum_object_size=100000000)\", [sys.argv[2]])", str(tmp / "ceiling.duckdb"),
                           str(tmp / "works.jsonl")], env)
            (tmp / "ceiling.duckdb").unlink()
            ingest = [str(BIN / "scholarflow"), "ingest", "--json", "--author", AUTHOR]
            db = tmp / "data" / ".warehouse.work.duckdb"
            first = run(ingest + [str(tmp / "works.jsonl")], env)
            first_mb = db.stat().st_size / 1e6
            again = run(ingest + [str(tmp / "works.jsonl")], env)
            again_mb = db.stat().st_size / 1e6
            one_pct = run(ingest + [str(tmp / "changed.jsonl")], env)
            rescore = run([str(BIN / "scholarflow"), "rescore", "--json"], env)
            rows.append((n, size / 1e6, ceiling, first, again, one_pct, rescore, first_mb, again_mb, n_changed))
            print(f"{n} works done", file=sys.stderr, flush=True)
    print(f"{'works':>7} {'input MB':>8} | {'read_json':>9} | {'ingest':>7} {'ratio':>5} {'peak MB':>7} | "
          f"{'again':>6} {'peak MB':>7} | {'1% chg':>6} | {'rescore':>7} {'peak MB':>7} | {'file MB 1st/2nd':>15}")
    for n, mb, ceiling, first, again, one_pct, rescore, f1, f2, _ in rows:
        print(f"{n:>7} {mb:>8.0f} | {ceiling[0]:>8.1f}s | {first[0]:>6.1f}s {first[0] / ceiling[0]:>4.1f}x {first[1]:>7.0f} | "
              f"{again[0]:>5.1f}s {again[1]:>7.0f} | {one_pct[0]:>5.1f}s | {rescore[0]:>6.1f}s {rescore[1]:>7.0f} | "
              f"{f1:>6.0f} / {f2:<6.0f}")
    print("\nstep shares of each run's wall time (from its --json summary):")
    for n, _, _, first, again, one_pct, rescore, *_ in rows:
        for label, r in (("ingest", first), ("again", again), ("1% changed", one_pct), ("rescore", rescore)):
            print(f"  {n:>7} {label:<11} {shares(r[0], r[2])}")


if __name__ == "__main__":
    main()
