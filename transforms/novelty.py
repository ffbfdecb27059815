"""Novelty per work, and percentiles against comparable works. Pure: frames and vectors in, frames out.

Method `cited_works` (Shibayama, Yin & Matsumoto 2021, "Measuring novelty in science with
word embedding", PLOS ONE 16(7): e0254034): embed the texts (title and abstract) of the works
a paper cites; the paper's novelty is a high percentile (default the 90th) of the pairwise
cosine distances between them. A paper that draws on distant literatures scores high.

Fallback `nearest_earlier_works`, where fewer than `min_cited_texts` cited works have text
(arXiv-only papers, empty reference lists): 1 - the mean cosine similarity of the paper's own
text to its `nearest_earlier` nearest works in the warehouse of the same field published
before it (by date; a work known only by its year counts as published on 1 January). A paper
unlike anything before it in its field scores high. The nearest earlier works are found
by `transforms.nearest.earlier_top_k`: exactly in a field of up to 4,096 works (a masked
matrix product), through an HNSW index (faiss) in a larger one, where works are added in date
order and each day's works are searched before they are added, so only earlier works can be
found and the cost grows as n log n, not n^2.

The two methods are on different scales, so a work is only ever ranked against works of the
same field, year and method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.embed import Embedder
from transforms.nearest import earlier_top_k

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
    fields = works["field"].astype(object).where(works["field"].notna(), None).tolist()
    has_text = np.array([bool(t) for t in own_text])
    rows, fallback = [], []
    for i, wid in enumerate(works["work_id"]):
        idx = [ref_index[r] for r in cited.get(wid, []) if r in ref_index]
        if len(idx) >= min_cited_texts:
            sims = ref_vec[idx] @ ref_vec[idx].T
            dist = 1.0 - sims[np.triu_indices(len(idx), k=1)]
            rows.append((wid, float(np.clip(np.percentile(dist, distance_percentile), 0, 2)), "cited_works", len(idx)))
        elif not has_text[i] or fields[i] is None:
            rows.append((wid, None, "insufficient_text" if not has_text[i] else "no_field", 0))
        else:
            fallback.append(i)
            rows.append(None)
    day = _order_days(works["published_on"], works["publication_year"])
    field_of = np.array(fields, dtype=object)
    by_field: dict[str, list[int]] = {}
    for i in fallback:
        by_field.setdefault(fields[i], []).append(i)
    for field, members in by_field.items():
        # Queries: the field's fallback works; candidates: every dated work of the field with text.
        pool = np.flatnonzero((field_of == field) & has_text & ~np.isnan(day))
        found, sims = earlier_top_k(own_vec, day, pool, np.array(members), nearest_earlier)
        for i, row, row_sims in zip(members, found, sims):
            wid, hits = works["work_id"].iloc[i], row_sims[row >= 0]
            rows[i] = ((wid, None, "no_earlier_works", 0) if not len(hits)
                       else (wid, float(np.clip(1.0 - hits.mean(), 0, 2)), "nearest_earlier_works", len(hits)))
    out = pd.DataFrame(rows, columns=NOVELTY_COLUMNS)
    out["novelty"] = out["novelty"].astype("Float64").round(4)
    return out, own_vec


def _order_days(published_on: pd.Series, year: pd.Series) -> np.ndarray:
    """Days since 1970 each work was published: its date, else 1 January of its year, else NaN."""
    dates = pd.to_datetime(published_on, errors="coerce")
    by_year = pd.to_datetime(year.astype("Float64").astype("Int64").astype(str).where(year.notna()) + "-01-01",
                             errors="coerce")
    return ((dates.fillna(by_year) - pd.Timestamp("1970-01-01")).dt.days).astype(float).to_numpy()
