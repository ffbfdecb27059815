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
from itertools import groupby

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
        shared = ids[(ids["scheme"] == scheme) & ids["value"].duplicated(keep=False)]
        for members in shared.groupby("value")["record_key"].agg(list):
            for other in members[1:]:
                if uf.union(members[0], other):
                    reason.setdefault(other, f"shared_{scheme}")
    # A preprint and its published version: equal title key, close years, a shared family name.
    recs = staged.records[staged.records["title_key"].notna()]
    recs = recs[recs["title_key"].duplicated(keep=False)]
    by_title: dict[str, list[dict]] = {}
    for row in recs[["record_key", "title_key", "is_preprint", "publication_year", "folded_authors"]].to_dict("records"):
        by_title.setdefault(row["title_key"], []).append(row)
    for rows in by_title.values():
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
    previous = known.groupby("cluster")["work_id"].min().to_dict()
    members = clusters.groupby("cluster")["record_key"].agg(list).to_dict()
    out = {}
    for cluster, group in ids.groupby("cluster", sort=False):
        out[cluster] = previous.get(cluster) or _canonical_id(group, members[cluster])
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
    references: pd.DataFrame  # work_id -> OpenAlex id of a work it cites
    record_map: pd.DataFrame  # record_key -> work_id, with the rule that linked it


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA


def _first(values):
    return next((v for v in values if _present(v)), None)


def _merge_group(work_id: str, group) -> dict:
    """Return one work row from its copies (ranked: published, OpenAlex, most authors first)."""
    g = list(group)
    best = g[0]
    # The first version's date: arXiv's `published` where a copy is on arXiv (OpenAlex often
    # has only the year, as YYYY-01-01), else the earliest date any copy reports.
    arxiv_dates = [r["published_on"] for r in g if r["source"] == "arxiv" and _present(r["published_on"])]
    dates = arxiv_dates or [r["published_on"] for r in g if _present(r["published_on"])]
    category = _first(r["category"] for r in g)
    code = _first(r["code_url"] for r in g)
    by_cites = sorted(g, key=lambda r: -r["cited_by_count"])
    longest = max(g, key=lambda r: r["_abstract_len"])
    dois = [r["doi"] for r in g if _present(r["doi"])]
    return {
        "work_id": work_id,
        "title": _first([best["title"]] + [r["title"] for r in g]),
        "title_key": _first([best["title_key"]] + [r["title_key"] for r in g]),
        "publication_year": _first([best["publication_year"]] + [r["publication_year"] for r in g]),
        "published_on": min(dates) if dates else None,
        "work_type": best["work_type"],
        "venue": _first([best["venue"]] + [r["venue"] for r in g]),
        "arxiv_id": min((r["arxiv_id"] for r in g if _present(r["arxiv_id"])), default=None),
        "doi": _first([d for d in dois if not d.startswith("10.48550/")] + dois),
        "category": category,
        "category_short": category.split(".", 1)[1] if category and "." in category else category,
        "abstract": longest["abstract"] if longest["_abstract_len"] else None,
        "has_code": code is not None,
        "code_url": code,
        "cited_by_count": int(by_cites[0]["cited_by_count"]),
        "fwci": _first(r["fwci"] for r in by_cites),
        "citation_normalized_percentile": _first(r["citation_normalized_percentile"] for r in by_cites),
        "primary_topic_id": _first(r["primary_topic_id"] for r in g),
        "author_count": int(max(r["author_count"] for r in g)),
        "record_count": len(g),
    }


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
    rows = [_merge_group(work_id, group) for work_id, group in groupby(
        recs.to_dict("records"), key=lambda r: r["work_id"])]
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
    references = (
        staged.references.merge(rm, on="record_key")[["work_id", "referenced_id"]]
        .drop_duplicates().sort_values(["work_id", "referenced_id"]).reset_index(drop=True)
    )
    return Merged(works, identifiers, locations, authorships, citations_by_year, references, record_map)
