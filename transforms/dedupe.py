"""Deduplicate and merge: one work per real paper across sources and versions.

Copies of a paper are linked by the rules of `transforms.links` (identifiers, DOI families,
title and authors, and the narrower repository and revised-preprint rules). Linked records form
a cluster (union-find); each cluster becomes one work that keeps every identifier and location. Its citation count is the largest of its
copies', never their sum: the copies are one paper cited under several records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import groupby

import pandas as pd

from transforms.links import LINK_COLUMNS, blocking_keys, find_links
from transforms.staging import Staged

__all__ = ["cluster_records", "assign_work_ids", "merge_works", "derive_works", "blocking_keys", "Merged", "Derived",
           "WORK_COLUMNS", "LINK_COLUMNS"]

WORK_COLUMNS = [
    "work_id", "title", "title_key", "publication_year", "published_on", "work_type", "venue",
    "arxiv_id", "doi", "category", "category_short", "abstract", "has_code", "code_url",
    "cited_by_count", "fwci", "citation_normalized_percentile", "primary_topic_id",
    "author_count", "record_count",
]


class _UnionFind:
    """Union-find that refuses a union putting two records a person keeps apart into one cluster."""

    def __init__(self, items, apart: set[frozenset] | frozenset = frozenset()):
        self.parent = {i: i for i in items}
        self.members = {i: {i} for i in items}
        self.forbidden: dict[str, set[str]] = {}
        for pair in apart:
            a, b = tuple(pair)
            self.forbidden.setdefault(a, set()).add(b)
            self.forbidden.setdefault(b, set()).add(a)

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.forbidden and any(self.forbidden.get(m, set()) & self.members[rb] for m in self.members[ra]):
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        return True


def cluster_records(staged: Staged, together: list[tuple[str, str]] = (),
                    apart: set[frozenset] | frozenset = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (record_key -> cluster and the rule that first linked it, every link found between two records).

    Linked records form a cluster (union-find over `transforms.links.find_links`). A person's
    decisions win: `together` pairs are joined first (rule `curated_merge`), and no link joins an
    `apart` pair (`curation.work_constraints`). Every link is kept, also where the two records
    were already together through another: each is evidence a reviewer can read (`work_links`).
    """
    keys = list(staged.records["record_key"])
    present = set(keys)
    uf = _UnionFind(keys, {p for p in apart if p <= present})
    links = find_links(staged)
    curated = [(a, b) for a, b in together if a in present and b in present and frozenset((a, b)) not in apart]
    if curated:
        links = pd.concat([pd.DataFrame([(a, b, "curated_merge", 2.0, json.dumps({"decided_by": "curation"}))
                                         for a, b in curated], columns=LINK_COLUMNS), links], ignore_index=True)
        links = links.drop_duplicates(["record_a", "record_b"], keep="first", ignore_index=True)  # the decision is the reason
    if apart:
        links = links.loc[[frozenset((a, b)) not in apart for a, b in zip(links["record_a"], links["record_b"])]]
    reason: dict[str, str] = {}
    # Strongest evidence first, so a record's link_rule names the best reason it joined.
    ordered = links.sort_values("score", ascending=False, kind="stable")
    for a, b, rule in ordered[["record_a", "record_b", "rule"]].itertuples(index=False):
        if uf.union(a, b):
            reason.setdefault(b, rule)
    clusters = pd.DataFrame(
        {
            "record_key": keys,
            "cluster": [uf.find(k) for k in keys],
            "link_reason": [reason.get(k) for k in keys],
        }
    )
    # Only the links that hold inside a cluster are evidence of it (a refused one is not).
    cluster_of = dict(zip(clusters["record_key"], clusters["cluster"]))
    links = links.loc[[cluster_of[a] == cluster_of[b] for a, b in zip(links["record_a"], links["record_b"])]]
    return clusters, links.reset_index(drop=True)


# Published kinds outrank the preprint, which outranks records that only describe a paper.
_SECONDARY_TYPES = frozenset({"paratext", "dataset", "other", "erratum", "retraction", "peer-review", "supplementary-materials"})


def _version_rank(records: pd.DataFrame) -> pd.Series:
    """Return 0 for a published version, 1 for a preprint, 2 for paratext/datasets/other."""
    secondary = records["work_type"].isin(_SECONDARY_TYPES)
    return records["is_preprint"].astype(int).where(~secondary, 2)


_SCHEME_ORDER = {"arxiv": 0, "doi": 1, "openalex": 2}


def _readable_ids(ids: pd.DataFrame) -> dict:
    """Return cluster -> the readable ids it could take, best first: 'arxiv:…', then the best-ranked
    copy's 'doi:…', then 'openalex:…' (`ids` come ranked)."""
    usable = ids[ids["scheme"].isin(_SCHEME_ORDER)].assign(_order=lambda d: d["scheme"].map(_SCHEME_ORDER))
    usable = usable.sort_values(["cluster", "_order"], kind="stable")
    usable = usable.assign(label=usable["scheme"] + ":" + usable["value"]).drop_duplicates(["cluster", "label"])
    return usable.groupby("cluster", sort=False)["label"].agg(list).to_dict()


def _new_id(candidates: list[str], members: list[str], taken: set[str]) -> str:
    """Return the best readable id no other work holds (or once held), else a hash of the members."""
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return "record:" + hashlib.sha1("|".join(sorted(members)).encode()).hexdigest()[:16]


def assign_work_ids(staged: Staged, clusters: pd.DataFrame, prior: pd.DataFrame,
                    taken: set[str] | frozenset[str] = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (record_key -> work_id, alias_id -> work_id for stored works merged into another).

    `prior` maps the stored records among `staged` to the work they belonged to (record_key,
    work_id). Ids are stable: each stored work id goes to the new cluster that holds most of its
    records, and a cluster holding several keeps one (its canonical id if it is among them, else
    the one with most records) and records the others as aliases, so links and curation that
    name them still resolve. A cluster with no stored id gets a readable one from its best
    identifier: 'arxiv:…', then 'doi:…', then 'openalex:…'; `taken` (ids and aliases of works
    outside this batch) are never reused.
    """
    rank = staged.records[["record_key"]].assign(_rank=_version_rank(staged.records))
    ids = (
        staged.identifiers.merge(clusters[["record_key", "cluster"]], on="record_key")
        .merge(rank, on="record_key")
        .sort_values(["_rank", "value"], kind="stable")
    )
    members = clusters.groupby("cluster")["record_key"].agg(sorted).to_dict()
    readable = _readable_ids(ids)
    canonical = {c: (readable.get(c) or [None])[0] for c in members}

    # Each stored id is claimed by the cluster holding most of its records (ties: the lowest cluster key).
    held = clusters[["record_key", "cluster"]].merge(prior[["record_key", "work_id"]], on="record_key")
    counts = held.groupby(["work_id", "cluster"]).size().rename("n").reset_index()
    counts = counts.sort_values(["work_id", "n", "cluster"], ascending=[True, False, True])
    claims = counts.drop_duplicates("work_id").groupby("cluster").apply(
        lambda g: dict(zip(g["work_id"], g["n"])), include_groups=False).to_dict() if len(counts) else {}

    chosen: dict[str, str] = {}
    aliases: list[dict] = []
    used = set(taken)
    for cluster in sorted(members):
        mine = claims.get(cluster) or {}
        if mine:
            best = canonical[cluster] if canonical[cluster] in mine else min(mine, key=lambda w: (-mine[w], w))
            aliases += [{"alias_id": w, "work_id": best} for w in sorted(mine) if w != best]
        else:
            best = None
        chosen[cluster] = best
        used.update(mine)
    for cluster in sorted(members):  # new clusters last, so they never take a stored id
        if chosen[cluster] is None:
            chosen[cluster] = _new_id(readable.get(cluster, []), members[cluster], used)
            used.add(chosen[cluster])
    mapping = clusters[["record_key", "cluster", "link_reason"]].copy()
    mapping["work_id"] = mapping["cluster"].map(chosen)
    return mapping, pd.DataFrame(aliases, columns=["alias_id", "work_id"])


@dataclass
class Merged:
    """One work per paper, with its identifiers, locations, authorships and citations per year."""

    works: pd.DataFrame
    identifiers: pd.DataFrame
    locations: pd.DataFrame
    authorships: pd.DataFrame
    citations_by_year: pd.DataFrame
    references: pd.DataFrame  # work_id -> OpenAlex id of a work it cites
    work_topics: pd.DataFrame
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
        [["work_id", "record_id", "source", "url", "venue", "version", "is_published", "pdf_url", "is_oa"]]
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
    # Citations per year of the one copy whose count the work uses: summing or taking per-year
    # maxima across copies could show more citations in the bars than in the total.
    counted = (recs.sort_values(["work_id", "cited_by_count", "_rank_pub", "_rank_src", "record_key"],
                                ascending=[True, False, True, True, True])
               .drop_duplicates("work_id")[["work_id", "record_key"]])
    citations_by_year = (
        staged.counts.merge(counted, on="record_key")[["work_id", "year", "cited_by_count"]]
        .sort_values(["work_id", "year"]).reset_index(drop=True)
    )
    references = (
        staged.references.merge(rm, on="record_key")[["work_id", "referenced_id"]]
        .drop_duplicates().sort_values(["work_id", "referenced_id"]).reset_index(drop=True)
    )
    topics = staged.topics.merge(rm, on="record_key")
    work_topics = (
        topics.sort_values("score", ascending=False).drop_duplicates(["work_id", "topic_id"])
        [["work_id", "topic_id", "score"]].sort_values(["work_id", "topic_id"]).reset_index(drop=True)
    )
    return Merged(works, identifiers, locations, authorships, citations_by_year, references, work_topics, record_map)


@dataclass
class Derived:
    """Works derived from a set of stored records (whole clusters), with how they were formed."""

    merged: Merged
    record_works: pd.DataFrame  # record_key -> work_id, link_rule
    links: pd.DataFrame  # every link between two records: rule, score, evidence
    aliases: pd.DataFrame  # alias_id -> work_id: stored works merged into another


def derive_works(staged: Staged, prior: pd.DataFrame, taken: set[str] | frozenset[str] = frozenset(),
                 together: list[tuple[str, str]] = (), apart: set[frozenset] | frozenset = frozenset()) -> Derived:
    """Return the works of `staged` (every record of the clusters concerned), ids kept stable against
    `prior`, with a person's merges (`together`) and splits (`apart`) winning over the rules."""
    clusters, links = cluster_records(staged, together, apart)
    mapping, aliases = assign_work_ids(staged, clusters, prior, taken)
    merged = merge_works(staged, mapping)
    links = links.merge(mapping[["record_key", "work_id"]].rename(columns={"record_key": "record_a"}), on="record_a")
    record_works = mapping.rename(columns={"link_reason": "link_rule"})[["record_key", "work_id", "link_rule"]]
    return Derived(merged, record_works.reset_index(drop=True), links.reset_index(drop=True), aliases)
