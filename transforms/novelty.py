"""Novelty per work, and percentiles against comparable works. Pure: frames and vectors in, frames out.

Method `cited_works` (Shibayama, Yin & Matsumoto 2021, "Measuring novelty in science with
word embedding", PLOS ONE 16(7): e0254034): embed the texts (title and abstract) of the works
a paper cites; the paper's novelty is a high percentile (default the 90th) of the pairwise
cosine distances between them. A paper that draws on distant literatures scores high.

Fallback `nearest_earlier_works`, where fewer than `min_cited_texts` cited works have text
(arXiv-only papers, empty reference lists): 1 - the mean cosine similarity of the paper's own
text to its `nearest_earlier` nearest works in the warehouse of the same field published
before it. A paper unlike anything before it in its field scores high.

The two methods are on different scales, so a work is only ever ranked against works of the
same field, year and method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.embed import Embedder

__all__ = ["work_texts", "work_novelty", "midrank_percentiles", "NOVELTY_COLUMNS"]

NOVELTY_COLUMNS = ["work_id", "novelty", "novelty_method", "novelty_basis"]


def work_texts(titles: pd.Series, abstracts: pd.Series) -> pd.Series:
    """Return 'title. abstract' per row ('' where neither is known)."""
    t = titles.fillna("").astype(str).str.strip()
    a = abstracts.fillna("").astype(str).str.strip()
    return (t + np.where((t != "") & (a != ""), ". ", "") + a).str.strip()


def midrank_percentiles(values: pd.Series, groups: pd.DataFrame | None = None) -> tuple[pd.Series, pd.Series]:
    """Return (percentile 0-100, cohort size) of each value within its group (mid-rank: ties share).

    percentile = 100 * (number below + half the number equal) / cohort size, so the middle of
    a cohort is 50 and a cohort of one is 50.
    """
    frame = pd.DataFrame({"v": values.astype(float)})
    keys = list(groups.columns) if groups is not None else []
    for col in keys:
        frame[col] = groups[col].astype(object).where(groups[col].notna(), "\x00none")
    if not keys:
        frame["_all"] = 1
        keys = ["_all"]
    grouped = frame.groupby(keys, dropna=False)["v"]
    below = grouped.rank(method="min") - 1
    equal = grouped.rank(method="max") - below
    size = grouped.transform("count")
    pct = 100.0 * (below + equal / 2) / size
    return pct.where(frame["v"].notna()), size.where(frame["v"].notna())


def work_novelty(works: pd.DataFrame, references: pd.DataFrame, reference_texts: pd.DataFrame,
                 embedder: Embedder, distance_percentile: float = 90, min_cited_texts: int = 2,
                 nearest_earlier: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Return (novelty per work, the works' own text vectors in `works` order).

    works: work_id, title, abstract, field, published_on, publication_year.
    references: work_id, referenced_id.  reference_texts: openalex_id, title, abstract.
    """
    own_text = work_texts(works["title"], works["abstract"]).tolist()
    ref = reference_texts.assign(text=work_texts(reference_texts["title"], reference_texts["abstract"]))
    ref = ref[ref["text"] != ""]
    ref_index = {rid: i for i, rid in enumerate(ref["openalex_id"])}
    vectors = embedder.embed(own_text + ref["text"].tolist()) if (own_text or len(ref)) else np.zeros((0, 1))
    own_vec, ref_vec = vectors[: len(own_text)], vectors[len(own_text):]

    cited = references.groupby("work_id")["referenced_id"].agg(list).to_dict() if len(references) else {}
    order = pd.to_datetime(works["published_on"], errors="coerce")
    year = works["publication_year"].astype("Float64")
    fields = works["field"].tolist()
    has_text = np.array([bool(t) for t in own_text])
    rows = []
    for i, wid in enumerate(works["work_id"]):
        idx = [ref_index[r] for r in cited.get(wid, []) if r in ref_index]
        if len(idx) >= min_cited_texts:
            sims = ref_vec[idx] @ ref_vec[idx].T
            dist = 1.0 - sims[np.triu_indices(len(idx), k=1)]
            rows.append((wid, float(np.clip(np.percentile(dist, distance_percentile), 0, 2)), "cited_works", len(idx)))
            continue
        if not has_text[i] or fields[i] is None or pd.isna(fields[i]):
            rows.append((wid, None, "insufficient_text" if not has_text[i] else "no_field", 0))
            continue
        earlier = _earlier(order, year, i)
        mask = earlier & has_text & np.array([f == fields[i] for f in fields])
        if not mask.any():
            rows.append((wid, None, "no_earlier_works", 0))
            continue
        sims = own_vec[mask] @ own_vec[i]
        top = np.sort(sims)[::-1][:nearest_earlier]
        rows.append((wid, float(np.clip(1.0 - top.mean(), 0, 2)), "nearest_earlier_works", len(top)))
    out = pd.DataFrame(rows, columns=NOVELTY_COLUMNS)
    out["novelty"] = out["novelty"].astype("Float64").round(4)
    return out, own_vec


def _earlier(order: pd.Series, year: pd.Series, i: int) -> np.ndarray:
    """Works published before work i: by date where both have one, else by year."""
    by_date = (order < order.iloc[i]).fillna(False).to_numpy(dtype=bool)
    dated = (order.notna() & pd.notna(order.iloc[i])).to_numpy(dtype=bool)
    by_year = (year < year.iloc[i]).fillna(False).to_numpy(dtype=bool)
    return np.where(dated, by_date, by_year)
