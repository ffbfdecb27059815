"""Compare the embedding candidates for novelty on real OpenAlex works; print the figures.

Quality: real works from ../shared/realdata (read in place, never copied) that carry a title,
an abstract and a primary topic. For every pair of works, the cosine similarity should be
higher when the two share an OpenAlex subfield than when they don't; the figure is the AUC of
that separation (0.5 = chance, 1.0 = perfect), over titles + abstracts, and over titles alone
(what a cited work without an abstract offers).
Speed: texts per second on 2,000 texts, the model load included for MiniLM.

    python benchmarks/bench_embeddings.py            # tfidf-svd, and minilm if installed
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.embed import EMBEDDERS  # noqa: E402
from transforms.normalize import abstract_from_inverted_index  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata" / "openalex"


def _works_in(node):
    if isinstance(node, dict):
        if str(node.get("id", "")).startswith("https://openalex.org/W"):
            yield node
        for value in node.values():
            yield from _works_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _works_in(value)


def load_corpus() -> list[tuple[str, str, str]]:
    """Return (title, abstract, subfield) of distinct real works with all three."""
    seen, out = set(), []
    for path in sorted(REALDATA.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        for w in _works_in(data):
            topic = w.get("primary_topic") or {}
            sub = (topic.get("subfield") or {}).get("display_name")
            abstract = abstract_from_inverted_index(w.get("abstract_inverted_index"))
            if w["id"] in seen or not (w.get("title") and abstract and sub):
                continue
            seen.add(w["id"])
            out.append((w["title"], abstract, sub))
    return out


def pair_auc(vectors: np.ndarray, labels: list[str]) -> float:
    """AUC of cosine similarity separating same-label pairs from different-label pairs."""
    sims = vectors @ vectors.T
    iu = np.triu_indices(len(labels), k=1)
    lab = np.asarray(labels)
    same = lab[iu[0]] == lab[iu[1]]
    s = sims[iu]
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    n_pos, n_neg = same.sum(), (~same).sum()
    return float((ranks[same].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def main() -> None:
    if not REALDATA.exists():
        sys.exit(f"no real data at {REALDATA}: this benchmark reads ../shared/realdata")
    corpus = load_corpus()
    labels = [c[2] for c in corpus]
    full = [f"{t}. {a}" for t, a, _ in corpus]
    titles = [t for t, _, _ in corpus]
    print(f"corpus: {len(corpus)} real works, {len(set(labels))} subfields")
    speed_texts = (full * (2000 // len(full) + 1))[:2000]
    for name, cls in EMBEDDERS.items():
        embedder = cls()
        try:
            started = time.perf_counter()
            auc_full = pair_auc(embedder.embed(full), labels)
            first = time.perf_counter() - started
        except RuntimeError as exc:
            print(f"{name:10s} skipped: {exc}")
            continue
        auc_titles = pair_auc(embedder.embed(titles), labels)
        started = time.perf_counter()
        embedder.embed(speed_texts)
        rate = len(speed_texts) / (time.perf_counter() - started)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name:10s} AUC title+abstract {auc_full:.3f}  AUC title only {auc_titles:.3f}  "
              f"{rate:,.0f} texts/s (2,000 texts)  first call {first:.1f} s  peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
