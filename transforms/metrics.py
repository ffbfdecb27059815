"""Plain citation metrics over an author's attributed, distinct works; and checks against the source.

Every figure here is computed from the works we attribute, so it satisfies h <= works,
h^2 <= citations and i10 <= works by construction. What a source reports (OpenAlex
`summary_stats`) is compared, never shown as ours: a disagreement becomes a data_quality row.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["h_index", "i10_index", "author_metrics", "author_citations_by_year", "quality_checks", "METRIC_COLUMNS"]

METRIC_COLUMNS = [
    "author_id", "works_count", "cited_by_count", "h_index", "i10_index", "first_year", "last_year",
    "preprint_count", "code_count",
]


def h_index(citations) -> int:
    """Return the largest h such that h works have at least h citations each."""
    ranked = sorted((int(c) for c in citations), reverse=True)
    return sum(1 for i, c in enumerate(ranked, 1) if c >= i)


def i10_index(citations) -> int:
    """Return the number of works with at least 10 citations."""
    return sum(1 for c in citations if int(c) >= 10)


def _attributed(author_works: pd.DataFrame, works: pd.DataFrame) -> pd.DataFrame:
    aw = author_works.loc[author_works["is_attributed"], ["author_id", "work_id"]].drop_duplicates()
    return aw.merge(works, on="work_id", how="inner")


def author_metrics(author_works: pd.DataFrame, works: pd.DataFrame, author_ids: list[str]) -> pd.DataFrame:
    """Return one metrics row per author (authors without attributed works get zeros)."""
    joined = _attributed(author_works, works)
    rows = []
    for aid in sorted(set(author_ids)):
        g = joined[joined["author_id"] == aid]
        cites = g["cited_by_count"].fillna(0).astype(int)
        years = g["publication_year"].dropna()
        rows.append(
            {
                "author_id": aid,
                "works_count": int(len(g)),
                "cited_by_count": int(cites.sum()),
                "h_index": h_index(cites),
                "i10_index": i10_index(cites),
                "first_year": int(years.min()) if len(years) else None,
                "last_year": int(years.max()) if len(years) else None,
                "preprint_count": int((g["work_type"] == "preprint").sum()),
                "code_count": int(g["has_code"].fillna(False).astype(bool).sum()),
            }
        )
    out = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    for col in ("first_year", "last_year"):
        out[col] = out[col].astype("Int64")
    return out


def author_citations_by_year(author_works: pd.DataFrame, citations_by_year: pd.DataFrame) -> pd.DataFrame:
    """Return author_id, year, cited_by_count: citations received each year by the attributed works.

    OpenAlex's counts_by_year covers the last 10 years only; older years are absent, not zero.
    """
    aw = author_works.loc[author_works["is_attributed"], ["author_id", "work_id"]].drop_duplicates()
    joined = aw.merge(citations_by_year, on="work_id")
    return (
        joined.groupby(["author_id", "year"], as_index=False)["cited_by_count"].sum()
        .sort_values(["author_id", "year"]).reset_index(drop=True)
    )


QUALITY_COLUMNS = ["author_id", "check_name", "severity", "ours", "reported", "detail"]


def listing_quality(listings: pd.DataFrame | None) -> pd.DataFrame:
    """Return a data_quality row for each author whose latest listing of a source was not believed."""
    if listings is None or not len(listings):
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    suspect = listings[listings["verdict"] == "suspect"]
    return pd.DataFrame([{
        "author_id": r["author_id"], "check_name": f"suspect_listing_{r['source']}", "severity": "warning",
        "ours": None if pd.isna(r["known"]) else str(int(r["known"])), "reported": str(int(r["listed"])),
        "detail": f"{r['source']} listing of run {r['run_id']} not believed ({r['detail']}); the stored works are kept "
                  "and it is asked again next run",
    } for r in suspect.to_dict("records")], columns=QUALITY_COLUMNS)


def quality_checks(metrics: pd.DataFrame, authors: pd.DataFrame, listings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return data_quality rows: broken invariants, source-reported figures that disagree with ours,
    and listings not believed."""
    rows = listing_quality(listings).to_dict("records")
    for m in metrics.to_dict("records"):
        aid = m["author_id"]
        if m["h_index"] > m["works_count"] or m["h_index"] ** 2 > m["cited_by_count"] or m["i10_index"] > m["works_count"]:
            rows.append({"author_id": aid, "check_name": "metric_invariant", "severity": "error",
                         "ours": f"h={m['h_index']} works={m['works_count']} citations={m['cited_by_count']}",
                         "reported": None, "detail": "h <= works, h^2 <= citations, i10 <= works must hold"})
    reported = authors.set_index("author_id")
    pairs = [("h_index", "h_index_reported"), ("i10_index", "i10_index_reported"),
             ("works_count", "works_count_reported"), ("cited_by_count", "cited_by_count_reported")]
    for m in metrics.to_dict("records"):
        aid = m["author_id"]
        if aid not in reported.index:
            continue
        src = reported.loc[aid]
        for ours_col, rep_col in pairs:
            rep = src.get(rep_col)
            if rep is None or pd.isna(rep) or int(rep) == int(m[ours_col]):
                continue
            impossible = ours_col == "h_index" and (int(rep) > int(src.get("works_count_reported") or 0) or int(rep) ** 2 > int(src.get("cited_by_count_reported") or 0))
            rows.append({
                "author_id": aid, "check_name": f"source_disagrees_{ours_col}",
                "severity": "warning", "ours": str(int(m[ours_col])), "reported": str(int(rep)),
                "detail": "OpenAlex summary_stats" + (" (impossible: breaks h <= works or h^2 <= citations)" if impossible else ""),
            })
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)
