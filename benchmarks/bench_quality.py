"""Merge quality on real author lists, scored against labels a person decided. Prints figures.

    .venv/bin/python benchmarks/bench_quality.py [--show-errors]

Each `benchmarks/labels/*.toml` names a recorded author works list under ../shared/realdata
and says which of its records are one paper (see benchmarks/labels/README.md). Every list is
merged by the pipeline's own code (stage -> derive_works, as a run over that list alone) and
compared pair by pair: precision = share of the record pairs we put together that are one
paper; recall = share of the labelled pairs we put together. Works and citations are the
totals a page would show (one paper's copies counted once, with the largest count) against
the totals of the labelled works. A trap is a labelled "apart" pair that we merged.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tomllib
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.files import read_saved  # noqa: E402
from transforms.dedupe import derive_works  # noqa: E402
from transforms.staging import stage_records  # noqa: E402

LABELS = ROOT / "benchmarks" / "labels"
REALDATA = ROOT.parent / "shared" / "realdata"
NO_PRIOR = pd.DataFrame(columns=["record_key", "work_id"])


def _pairs(groups) -> set[frozenset]:
    return {frozenset(p) for g in groups for p in itertools.combinations(sorted(g), 2)}


def score_list(label_file: Path) -> dict:
    """Return the figures of one labelled list: pairs found, missed and wrongly made, works, citations, traps."""
    labels = tomllib.loads(label_file.read_text(encoding="utf-8"))
    works = read_saved(REALDATA / labels["source"]).openalex_works
    if len(works) != labels["records"]:
        raise SystemExit(f"{label_file.name}: the list holds {len(works)} records, the labels say {labels['records']}")
    derived = derive_works(stage_records(works, []), NO_PRIOR)
    rw = derived.record_works.assign(record=lambda d: d["record_key"].str.removeprefix("openalex:"))
    predicted = [set(g) for g in rw.groupby("work_id")["record"].agg(list)]
    ids = set(rw["record"])
    same = [set(s["records"]) for s in labels.get("same", [])]
    unknown = set().union(*same, *(set(a["records"]) for a in labels.get("apart", []))) - ids
    if unknown:
        raise SystemExit(f"{label_file.name}: labels name records the list does not hold: {sorted(unknown)}")
    truth, found = _pairs(same), _pairs(predicted)
    cites = {w.get("id", "").rsplit("/", 1)[-1]: int(w.get("cited_by_count") or 0) for w in works}
    in_group = set().union(*same) if same else set()
    label_works = len(same) + len(ids - in_group)
    label_cites = sum(max(cites[r] for r in g) for g in same) + sum(cites[r] for r in ids - in_group)
    traps = [a["records"] for a in labels.get("apart", []) if frozenset(a["records"]) in found]
    return {
        "list": label_file.stem, "records": len(ids), "true_pairs": len(truth), "found_pairs": len(found),
        "tp": len(truth & found), "missed": sorted(tuple(sorted(p)) for p in truth - found),
        "wrong": sorted(tuple(sorted(p)) for p in found - truth), "works": len(predicted), "label_works": label_works,
        "citations": int(derived.merged.works["cited_by_count"].sum()), "label_citations": label_cites,
        "traps": traps, "apart": len(labels.get("apart", [])),
    }


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show-errors", action="store_true", help="list every missed and wrongly merged pair")
    args = parser.parse_args()
    if not REALDATA.exists():
        raise SystemExit(f"no {REALDATA}: the labelled lists live in ../shared/realdata")
    rows = [score_list(f) for f in sorted(LABELS.glob("*.toml"))]
    print(f"{'list':<20} {'records':>7} {'pairs':>5} {'P':>6} {'R':>6} {'works':>11} {'citations':>13} {'traps':>6}")
    for r in rows:
        print(f"{r['list']:<20} {r['records']:>7} {r['true_pairs']:>5} {_ratio(r['tp'], r['found_pairs']):>6.3f} "
              f"{_ratio(r['tp'], r['true_pairs']):>6.3f} {r['works']:>5}/{r['label_works']:<5} "
              f"{r['citations']:>6}/{r['label_citations']:<6} {len(r['traps'])}/{r['apart']}")
    tp, found, truth = (sum(r[k] for r in rows) for k in ("tp", "found_pairs", "true_pairs"))
    works, label_works = sum(r["works"] for r in rows), sum(r["label_works"] for r in rows)
    cites, label_cites = sum(r["citations"] for r in rows), sum(r["label_citations"] for r in rows)
    traps, apart = sum(len(r["traps"]) for r in rows), sum(r["apart"] for r in rows)
    print(f"{'overall':<20} {sum(r['records'] for r in rows):>7} {truth:>5} {_ratio(tp, found):>6.3f} {_ratio(tp, truth):>6.3f} "
          f"{works:>5}/{label_works:<5} {cites:>6}/{label_cites:<6} {traps}/{apart}")
    print(f"\npairwise precision {_ratio(tp, found):.3f}, recall {_ratio(tp, truth):.3f} over {len(rows)} lists; "
          f"works {works} vs {label_works} labelled ({(works - label_works) / label_works:+.1%}); "
          f"citations {cites} vs {label_cites} ({(cites - label_cites) / max(label_cites, 1):+.1%}); traps merged {traps} of {apart}")
    print("attribution: these lists are each one author's own OpenAlex list, so every record is theirs by id; "
          "attribution precision/recall needs labelled homonym lists (not in this set)")
    if args.show_errors:
        for r in rows:
            for kind in ("missed", "wrong"):
                for p in r[kind]:
                    print(f"{kind:>6} {r['list']}: {' + '.join(p)}")
            for t in r["traps"]:
                print(f"  trap {r['list']}: {' + '.join(t)}")


if __name__ == "__main__":
    main()
