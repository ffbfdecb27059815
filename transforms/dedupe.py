"""Deduplicate and merge: one work per real paper across sources and versions.

Copies of a paper are linked, in this order, by a shared arXiv id (the DataCite DOI
10.48550/arXiv.* counts as one), a shared DOI or OpenAlex id, and finally, for a preprint and
its published version, an equal title key with years at most two apart and at least one
family name in common. Linked records form a cluster (union-find); each cluster becomes one
work that keeps every identifier and location. Its citation count is the largest of its
copies', never their sum: the copies are one paper cited under several records.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from transforms.staging import Staged

__all__ = ["cluster_records", "assign_work_ids", "merge_works", "Merged", "WORK_COLUMNS"]

LINK_SCHEMES = ("arxiv", "doi", "openalex")
TITLE_YEAR_TOLERANCE = 2
WORK_COLUMNS = [
    "work_id", "title", "title_key", "publication_year", "published_on", "work_type", "venue",
    "arxiv_id", "doi", "category", "category_short", "abstract", "has_code", "code_url",
    "cited_by_count", "fwci", "citation_normalized_percentile", "primary_topic_id",
    "author_count", "record_count",
]


class _UnionFind:
    def __init__(self, items):
        self.parent = {i: i for i in items}

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def cluster_records(staged: Staged) -> pd.DataFrame:
    """Return record_key -> cluster (a representative record_key) and the rule that linked it."""
    keys = list(staged.records["record_key"])
    uf = _UnionFind(keys)
    reason: dict[str, str] = {}
    ids = staged.identifiers[staged.identifiers["scheme"].isin(LINK_SCHEMES)]
    for scheme in LINK_SCHEMES:
        for _, group in ids[ids["scheme"] == scheme].groupby("value"):
            members = list(group["record_key"])
            for other in members[1:]:
                if uf.union(members[0], other):
                    reason.setdefault(other, f"shared_{scheme}")
    # A preprint and its published version: equal title key, close years, a shared family name.
    recs = staged.records[staged.records["title_key"].notna()]
    for _, group in recs.groupby("title_key"):
        if len(group) < 2:
            continue
        rows = group.to_dict("records")
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if a["is_preprint"] == b["is_preprint"]:
                    continue
                ya, yb = a["publication_year"], b["publication_year"]
                if pd.notna(ya) and pd.notna(yb) and abs(int(ya) - int(yb)) > TITLE_YEAR_TOLERANCE:
                    continue
                if not (a["folded_authors"] & b["folded_authors"]):
                    continue
                if uf.union(a["record_key"], b["record_key"]):
                    reason.setdefault(b["record_key"], "title_year_authors")
    return pd.DataFrame(
        {
            "record_key": keys,
            "cluster": [uf.find(k) for k in keys],
            "link_reason": [reason.get(k) for k in keys],
        }
    )


# Published kinds outrank the preprint, which outranks records that only describe a paper.
_SECONDARY_TYPES = frozenset({"paratext", "dataset", "other", "erratum", "retraction", "peer-review", "supplementary-materials"})


def _version_rank(records: pd.DataFrame) -> pd.Series:
    """Return 0 for a published version, 1 for a preprint, 2 for paratext/datasets/other."""
    secondary = records["work_type"].isin(_SECONDARY_TYPES)
    return records["is_preprint"].astype(int).where(~secondary, 2)


def _canonical_id(identifiers: pd.DataFrame, cluster_keys: list[str]) -> str:
    """Return 'arxiv:…', else the best-ranked copy's 'doi:…', else 'openalex:…' (identifiers come ranked)."""
    for scheme in ("arxiv", "doi", "openalex"):
        values = identifiers.loc[identifiers["scheme"] == scheme, "value"]
        if len(values):
            return f"{scheme}:{values.iloc[0]}"
    return "record:" + hashlib.sha1("|".join(sorted(cluster_keys)).encode()).hexdigest()[:16]


def assign_work_ids(staged: Staged, clusters: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Return record_key -> work_id, reusing the warehouse's work id where an identifier is known.

    `existing` has columns scheme, value, work_id (the warehouse's work_identifiers). A new
    cluster gets a readable id from its best identifier: 'arxiv:…', then 'doi:…', then 'openalex:…'.
    """
    rank = staged.records[["record_key"]].assign(_rank=_version_rank(staged.records))
    ids = (
        staged.identifiers.merge(clusters[["record_key", "cluster"]], on="record_key")
        .merge(rank, on="record_key")
        .sort_values(["_rank", "value"], kind="stable")
    )
    known = ids.merge(existing[["scheme", "value", "work_id"]], on=["scheme", "value"], how="inner")
    out = {}
    for cluster, group in ids.groupby("cluster"):
        previous = sorted(known.loc[known["cluster"] == cluster, "work_id"].unique())
        members = list(clusters.loc[clusters["cluster"] == cluster, "record_key"])
        out[cluster] = previous[0] if previous else _canonical_id(group, members)
    mapping = clusters[["record_key", "cluster", "link_reason"]].copy()
    mapping["work_id"] = mapping["cluster"].map(out)
    missing = mapping["work_id"].isna()
    mapping.loc[missing, "work_id"] = [
        "record:" + hashlib.sha1(k.encode()).hexdigest()[:16] for k in mapping.loc[missing, "record_key"]
    ]
    return mapping


@dataclass
class Merged:
    """One work per paper, with its identifiers, locations, authorships and citations per year."""

    works: pd.DataFrame
    identifiers: pd.DataFrame
    locations: pd.DataFrame
    authorships: pd.DataFrame
    citations_by_year: pd.DataFrame
    record_map: pd.DataFrame  # record_key -> work_id, with the rule that linked it


def _first(series: pd.Series):
    s = series.dropna()
    return s.iloc[0] if len(s) else None


def merge_works(staged: Staged, record_map: pd.DataFrame) -> Merged:
    """Return the merged works of a staged batch, given each record's work_id."""
    recs = staged.records.merge(record_map[["record_key", "work_id"]], on="record_key")
    # Bibliographic fields come from the published version when there is one, else the preprint;
    # OpenAlex before arXiv (it has ids), more authors before fewer.
    recs = recs.assign(
        _rank_pub=_version_rank(recs),
        _rank_src=(recs["source"] != "openalex").astype(int),
        _abstract_len=recs["abstract"].fillna("").str.len(),
    ).sort_values(["work_id", "_rank_pub", "_rank_src", "author_count", "record_key"],
                  ascending=[True, True, True, False, True])
    rows = []
    for work_id, g in recs.groupby("work_id", sort=True):
        best = g.iloc[0]
        by_abstract = g.sort_values("_abstract_len", ascending=False)
        arxiv_rows = g[g["category"].notna()]
        category = arxiv_rows.iloc[0]["category"] if len(arxiv_rows) else None
        # The first version's date: arXiv's `published` where a copy is on arXiv (OpenAlex often
        # has only the year, as YYYY-01-01), else the earliest date any copy reports.
        arxiv_dates = g.loc[g["source"] == "arxiv", "published_on"].dropna()
        dates = arxiv_dates if len(arxiv_dates) else g["published_on"].dropna()
        code = _first(g["code_url"])
        rows.append(
            {
                "work_id": work_id,
                "title": best["title"] if best["title"] else _first(g["title"]),
                "title_key": best["title_key"] if best["title_key"] else _first(g["title_key"]),
                "publication_year": best["publication_year"] if pd.notna(best["publication_year"]) else _first(g["publication_year"]),
                "published_on": dates.min() if len(dates) else None,
                "work_type": best["work_type"],
                "venue": best["venue"] if best["venue"] else _first(g["venue"]),
                "arxiv_id": _first(g["arxiv_id"].sort_values()),
                "doi": _first(g.loc[~g["doi"].fillna("").str.startswith("10.48550/"), "doi"]) or _first(g["doi"]),
                "category": category,
                "category_short": category.split(".", 1)[1] if category and "." in category else category,
                "abstract": by_abstract.iloc[0]["abstract"] if by_abstract.iloc[0]["_abstract_len"] else None,
                "has_code": code is not None,
                "code_url": code,
                "cited_by_count": int(g["cited_by_count"].max()),
                "fwci": _first(g.sort_values("cited_by_count", ascending=False)["fwci"]),
                "citation_normalized_percentile": _first(
                    g.sort_values("cited_by_count", ascending=False)["citation_normalized_percentile"]
                ),
                "primary_topic_id": _first(g["primary_topic_id"]),
                "author_count": int(g["author_count"].max()),
                "record_count": len(g),
            }
        )
    works = pd.DataFrame(rows, columns=WORK_COLUMNS)
    works["publication_year"] = works["publication_year"].astype("Int64")

    rm = record_map[["record_key", "work_id"]]
    identifiers = (
        staged.identifiers.merge(rm, on="record_key")
        .sort_values(["scheme", "value", "work_id"])
        .drop_duplicates(["scheme", "value"])[["work_id", "scheme", "value"]]
        .reset_index(drop=True)
    )
    locations = (
        staged.locations.merge(rm, on="record_key")
        .assign(record_id=lambda d: d["record_key"])
        .drop_duplicates(["work_id", "record_id", "url"])
        [["work_id", "record_id", "source", "url", "venue", "version", "is_published"]]
        .reset_index(drop=True)
    )
    # Authorships from one copy: the representative (OpenAlex first: it carries author ids).
    representative = recs.sort_values(["work_id", "_rank_src", "author_count"], ascending=[True, True, False])
    rep_keys = representative.drop_duplicates("work_id")[["work_id", "record_key"]]
    authorships = (
        staged.authorships.merge(rep_keys, on="record_key")
        [["work_id", "position", "raw_author_name", "author_name", "openalex_author_id", "orcid", "institution_ids", "record_key"]]
        .sort_values(["work_id", "position"])
        .reset_index(drop=True)
    )
    counts = staged.counts.merge(rm, on="record_key")
    citations_by_year = (
        counts.groupby(["work_id", "year"], as_index=False)["cited_by_count"].max()
        .sort_values(["work_id", "year"]).reset_index(drop=True)
    )
    return Merged(works, identifiers, locations, authorships, citations_by_year, record_map)
