"""Novelty per work, and its percentile among comparable texts. Pure: frames and vectors in, frames out.

Novelty (method `nearest_earlier_works`) is the distance of a paper's text (title and abstract)
from the earlier literature: 1 - the mean cosine similarity of its text to its `nearest_earlier`
most similar texts published before it, among every text the warehouse keeps — its works' own
and the cited works' (reference_texts). By date; a text known only by its year counts as
published on 1 January. The paper's own references and other copies of it are left out, so a
paper whose reference list is known and one whose list is not (an arXiv-only preprint, a cited
work) are measured alike. A paper unlike anything before it scores high.

Because the measure needs nothing but a text and a date, the cited works get it too: a work is
ranked (mid-rank percentile) among the texts of its field, works and cited works together — those
of its publication year, else of the five years around it, else of any year: the first of these
cohorts that holds `min_cohort` texts (a warehouse that keeps its cited works' texts has hundreds
to thousands per field and year). A cited work's field is the field most of the works citing it
have. Where no cohort is large enough, no percentile is given ("not enough comparable works").

Beside it, `novelty_spread` is Shibayama, Yin & Matsumoto 2021 ("Measuring novelty in science
with word embedding", PLOS ONE 16(7): e0254034): a high percentile (default the 90th) of the
pairwise cosine distances between the texts of the works a paper cites; a paper drawing on
distant literatures has a wide spread. It needs the paper's own reference texts, which the
cited works in a cohort do not have, so it is shown, not ranked.

The nearest earlier texts are found by `transforms.nearest.earlier_top_k`: exactly up to 4,096
texts, through an HNSW index (faiss) above, where texts are added in date order and each day's
texts are searched before they are added, so only earlier texts can be found (n log n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.embed import Embedder
from transforms.nearest import earlier_top_k
from transforms.normalize import title_key

__all__ = ["work_texts", "work_novelty", "novelty_percentiles", "midrank_percentiles", "NOVELTY_COLUMNS",
           "NEIGHBOUR_COLUMNS", "Novelty"]

NOVELTY_COLUMNS = ["work_id", "novelty", "novelty_method", "novelty_basis", "novelty_spread", "novelty_spread_basis"]
NEIGHBOUR_COLUMNS = ["work_id", "rank", "neighbour_kind", "neighbour_id", "similarity"]
EXCLUDED_MAX = 64  # own references searched past at most (a longer list: the rest may still be found)


@dataclass
class Novelty:
    """What `work_novelty` returns."""

    works: pd.DataFrame        # NOVELTY_COLUMNS, one row per work
    neighbours: pd.DataFrame   # NEIGHBOUR_COLUMNS: the earlier texts each work's value rests on
    cited: pd.DataFrame        # openalex_id, field, publication_year, novelty: the cited works in cohorts
    vectors: np.ndarray        # the works' own text vectors, in `works` order


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


def novelty_percentiles(works: pd.DataFrame, cited: pd.DataFrame, min_cohort: int) -> pd.DataFrame:
    """Return each work's Novelty % (mid-rank percentile), the size of the cohort it was ranked in,
    and that cohort's name, in `works` order (`works` and `cited`: field, publication_year, novelty).

    The cohort is the narrowest of: the texts (works and cited works) of its field published the
    same year; within two years of it; in any year — the first that holds `min_cohort` texts.
    Where none does, the percentile is NA ("not enough comparable works") and the size is the
    widest cohort's.
    """
    pool = pd.concat([works[["field", "publication_year", "novelty"]], cited[["field", "publication_year", "novelty"]]],
                     ignore_index=True)
    pool["publication_year"], pool["novelty"] = _floats(pool["publication_year"]), _floats(pool["novelty"])
    pool = pool[pool["field"].notna() & pool["novelty"].notna()]
    by_field = {f: (g["publication_year"].to_numpy(dtype=float), g["novelty"].to_numpy(dtype=float))
                for f, g in pool.groupby("field")}
    cache: dict[tuple, np.ndarray] = {}

    def members(field, year, window) -> np.ndarray:
        key = (field, year, window)
        if key not in cache:
            years, values = by_field[field]
            keep = np.ones(len(values), bool) if window is None else np.abs(years - year) <= window
            cache[key] = np.sort(values[keep])
        return cache[key]

    rows = []
    for field, year, value in zip(works["field"], _floats(works["publication_year"]), _floats(works["novelty"])):
        if not isinstance(field, str) or field not in by_field or np.isnan(value):
            rows.append((None, None, None))
            continue
        windows = ((0, f"{field}, {int(year)}"), (2, f"{field}, {int(year) - 2}–{int(year) + 2}")) if not np.isnan(year) else ()
        for window, name in (*windows, (None, f"{field}, any year")):
            cohort = members(field, year, window)
            if len(cohort) >= min_cohort or window is None:
                break
        if len(cohort) < min_cohort:
            rows.append((None, len(cohort), name))
            continue
        below = np.searchsorted(cohort, value, "left")
        equal = np.searchsorted(cohort, value, "right") - below
        rows.append((round(100.0 * (below + equal / 2) / len(cohort), 1), len(cohort), name))
    out = pd.DataFrame(rows, columns=["novelty_pct", "novelty_cohort_size", "novelty_cohort"], index=works.index)
    out["novelty_pct"] = out["novelty_pct"].astype("Float64")
    out["novelty_cohort_size"] = out["novelty_cohort_size"].astype("Int64")
    return out


def _floats(values: pd.Series) -> pd.Series:
    """Any numeric column (Int64, Float64 with NA, object) as float64 with NaN where missing."""
    return pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce")


def _spread(vectors: np.ndarray, rows: list[int], percentile: float) -> float:
    """Shibayama et al.'s value: the `percentile` of the pairwise cosine distances between the rows."""
    sims = vectors[rows] @ vectors[rows].T
    return float(np.clip(np.percentile(1.0 - sims[np.triu_indices(len(rows), k=1)], percentile), 0, 2))


def _cited_fields(references: pd.DataFrame, works: pd.DataFrame) -> pd.Series:
    """Each cited work's field: the one most of its citing works have (ties: alphabetical first)."""
    j = references.merge(works[["work_id", "field"]].dropna(), on="work_id")
    if not len(j):
        return pd.Series(dtype=object)
    counts = j.groupby(["referenced_id", "field"]).size().rename("n").reset_index()
    counts = counts.sort_values(["referenced_id", "n", "field"], ascending=[True, False, True])
    return counts.drop_duplicates("referenced_id").set_index("referenced_id")["field"]


def work_novelty(works: pd.DataFrame, references: pd.DataFrame, reference_texts: pd.DataFrame,
                 embedder: Embedder, distance_percentile: float = 90, min_cited_texts: int = 2,
                 nearest_earlier: int = 3) -> Novelty:
    """Return every work's novelty, the texts behind it, the cited works' values, and the works' vectors.

    works: work_id, title, title_key, abstract, field, published_on, publication_year.
    references: work_id, referenced_id.  reference_texts: openalex_id, title, abstract,
    publication_year, work_id (the stored work this cited work is, if any).
    """
    n = len(works)
    own_text = work_texts(works["title"], works["abstract"]).tolist()
    refs = reference_texts.assign(text=work_texts(reference_texts["title"], reference_texts["abstract"]))
    refs = refs[refs["text"] != ""].reset_index(drop=True)
    texts = own_text + refs["text"].tolist()
    vectors = embedder.embed(texts) if texts else np.zeros((0, 1))
    own_vec = vectors[:n]

    # The pool: every text with a date. A cited work that is also a stored work (same OpenAlex
    # id, or the same title) is that work, not a second text.
    work_of = {} if "work_id" not in refs else {r: w for r, w in zip(refs["openalex_id"], refs["work_id"]) if isinstance(w, str)}
    row_of_work = {w: i for i, w in enumerate(works["work_id"])}
    titles = set(works["title_key"].dropna()) if "title_key" in works else set()
    ref_keys = refs["title"].map(title_key) if len(refs) else pd.Series(dtype=object)
    separate = ~refs["openalex_id"].isin(work_of) & ~ref_keys.isin(titles)
    ref_year = refs["publication_year"] if "publication_year" in refs else pd.Series(np.nan, index=refs.index)
    day = np.concatenate([_order_days(works["published_on"], works["publication_year"]),
                          np.where(separate, _order_days(pd.Series([None] * len(refs)), ref_year), np.nan)])
    has_text = np.array([bool(t) for t in texts], dtype=bool)
    pool = np.flatnonzero(has_text & ~np.isnan(day))
    row_of = {**{rid: n + i for i, rid in enumerate(refs["openalex_id"])},
              **{rid: row_of_work[w] for rid, w in work_of.items() if w in row_of_work}}

    cited = references.groupby("work_id")["referenced_id"].agg(list).to_dict() if len(references) else {}
    excluded = {i: {row_of[r] for r in cited.get(w, []) if r in row_of} for i, w in enumerate(works["work_id"])}
    extra = min(max((len(e) for e in excluded.values()), default=0), EXCLUDED_MAX)
    found, sims = earlier_top_k(vectors, day, pool, pool, nearest_earlier + extra) if len(pool) else (None, None)
    value = np.full(len(texts), np.nan)
    basis = np.zeros(len(texts), dtype=int)
    neighbours = []
    ids = works["work_id"].tolist()
    for r, i in enumerate(pool):
        skip = excluded.get(i, ())
        keep = [(j, s) for j, s in zip(found[r], sims[r]) if j >= 0 and j not in skip][:nearest_earlier]
        if keep:
            value[i] = np.clip(1.0 - np.mean([s for _, s in keep]), 0, 2)
            basis[i] = len(keep)
        if i < n:
            neighbours += [(ids[i], rank, "work" if j < n else "cited_work", ids[j] if j < n else refs["openalex_id"].iloc[j - n],
                            round(float(s), 4)) for rank, (j, s) in enumerate(keep, 1)]

    rows = []
    ref_row = {rid: i for i, rid in enumerate(refs["openalex_id"])}
    for i, wid in enumerate(ids):
        idx = [ref_row[r] for r in cited.get(wid, []) if r in ref_row]
        spread = _spread(vectors[n:], idx, distance_percentile) if len(idx) >= min_cited_texts else None
        method = ("insufficient_text" if not has_text[i] else "no_date" if np.isnan(day[i])
                  else "no_earlier_works" if np.isnan(value[i]) else "nearest_earlier_works")
        rows.append((wid, None if np.isnan(value[i]) else float(value[i]), method, int(basis[i]), spread,
                     len(idx) if spread is not None else 0))
    out = pd.DataFrame(rows, columns=NOVELTY_COLUMNS)
    for col in ("novelty", "novelty_spread"):
        out[col] = out[col].astype("Float64").round(4)
    fields = _cited_fields(references, works)
    cited_rows = pd.DataFrame({
        "openalex_id": refs["openalex_id"], "field": refs["openalex_id"].map(fields),
        "publication_year": ref_year, "novelty": pd.Series(value[n:]).round(4),
    })[separate.to_numpy()].reset_index(drop=True)
    return Novelty(out, pd.DataFrame(neighbours, columns=NEIGHBOUR_COLUMNS), cited_rows, own_vec)


def _order_days(published_on: pd.Series, year: pd.Series) -> np.ndarray:
    """Days since 1970 each work was published: its date, else 1 January of its year, else NaN."""
    dates = pd.to_datetime(published_on, errors="coerce")
    by_year = pd.to_datetime(year.astype("Float64").astype("Int64").astype(str).where(year.notna()) + "-01-01",
                             errors="coerce")
    return ((dates.fillna(by_year) - pd.Timestamp("1970-01-01")).dt.days).astype(float).to_numpy()
