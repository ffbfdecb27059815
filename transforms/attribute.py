"""Attribution: which works belong to an author, with a confidence and the evidence for it.

OpenAlex authorship ids (or the author's ORCID on an authorship) decide where present. A work
known only from arXiv (name search: homonyms come back too) is attributed only when a printed
name matches and the evidence adds up to ATTRIBUTION_THRESHOLD:

    confidence = name (exact 0.30, reordered 0.25, initials 0.15)
               + co-authors shared with the author's OpenAlex-attributed works (1: 0.35, 2+: 0.50)
               + primary arXiv category already among the author's works (0.20; same archive 0.10)

So a name match alone (0.30) or with a familiar category (0.50) stays off the page but stays
reviewable in `author_works`; one shared co-author and a familiar category (0.85) is enough.

Negative evidence wins over any of that: when an OpenAlex copy of the work (the run looks
arXiv-only candidates up by their 10.48550 DOI) prints the matched name for a *different*
OpenAlex author, the candidate is not the author's (method `other_openalex_author`, confidence 0).
"""

from __future__ import annotations

import json

import pandas as pd

from transforms.normalize import name_match_score, name_parts

__all__ = ["attribute_works", "ATTRIBUTION_THRESHOLD", "AUTHOR_WORK_COLUMNS"]

ATTRIBUTION_THRESHOLD = 0.6
NAME_POINTS = {1.0: 0.30, 0.8: 0.25, 0.5: 0.15}
AUTHOR_WORK_COLUMNS = ["author_id", "work_id", "confidence", "is_attributed", "method", "evidence", "matched_name"]


def _person_key(name) -> str | None:
    parts = name_parts(name)
    if not parts:
        return None
    given, family = parts
    return f"{given[0][0] if given else ''} {family}"


def _name_points(names: list[str], variants: list[str]) -> tuple[float, str | None]:
    best, matched = 0.0, None
    for n in names:
        for v in variants:
            s = name_match_score(n, v)
            if s > best:
                best, matched = s, n
    return NAME_POINTS.get(best, 0.0), matched


def attribute_works(
    author: dict,
    candidate_records: list[str],
    record_map: pd.DataFrame,
    record_authorships: pd.DataFrame,
    records: pd.DataFrame,
) -> pd.DataFrame:
    """Return one author_works row per candidate work of `author`.

    author: {'author_id', 'display_name', 'orcid', 'openalex_ids': [...], 'name_variants': [...]}
    candidate_records: record_keys fetched for this author (OpenAlex works list + arXiv name search)
    record_map: record_key -> work_id; record_authorships / records: the staged frames.
    """
    aid = author["author_id"]
    oa_ids = set(author.get("openalex_ids") or [aid])
    orcid = author.get("orcid")
    variants = [v for v in [author.get("display_name"), *(author.get("name_variants") or [])] if v]

    rm = record_map[record_map["record_key"].isin(candidate_records)]
    work_ids = sorted(rm["work_id"].unique())
    all_members = record_map[record_map["work_id"].isin(work_ids)]
    ships = record_authorships.merge(all_members[["record_key", "work_id"]], on="record_key")
    recs = records.merge(all_members[["record_key", "work_id"]], on="record_key")

    by_id = ships["openalex_author_id"].isin(oa_ids)
    by_orcid = ships["orcid"].notna() & (ships["orcid"] == orcid) if orcid else pd.Series(False, index=ships.index)
    id_works = set(ships.loc[by_id, "work_id"])
    orcid_works = set(ships.loc[by_orcid, "work_id"]) - id_works
    known = id_works | orcid_works

    known_ships = ships[ships["work_id"].isin(known)]
    is_self = known_ships["openalex_author_id"].isin(oa_ids) | known_ships["author_name"].map(
        lambda n: max((name_match_score(n, v) for v in variants), default=0.0) >= 0.5
    )
    known_coauthors = {k for k in known_ships.loc[~is_self, "author_name"].map(_person_key) if k}
    known_cats = set()
    for cats in recs.loc[recs["work_id"].isin(known), "categories"]:
        known_cats.update(cats or [])
    known_archives = {c.split(".")[0] for c in known_cats}

    ships_by_work = {w: g for w, g in ships.groupby("work_id")}
    category_by_work = recs.dropna(subset=["category"]).drop_duplicates("work_id").set_index("work_id")["category"].to_dict()
    rows = []
    for wid in work_ids:
        if wid in id_works:
            rows.append([aid, wid, 1.0, True, "openalex_authorship", json.dumps({"openalex_author_id": True}), None])
            continue
        if wid in orcid_works:
            rows.append([aid, wid, 1.0, True, "orcid", json.dumps({"orcid": orcid}), None])
            continue
        w_ships = ships_by_work.get(wid, ships.iloc[0:0])
        name_pts, matched = _name_points(list(w_ships["author_name"].dropna()), variants)
        if not name_pts:
            rows.append([aid, wid, 0.0, False, "no_name_match", json.dumps({"name_match": 0}), None])
            continue
        # Negative evidence: OpenAlex says the author at that name is someone else.
        other = _other_author_at_name(w_ships, matched, oa_ids)
        if other:
            rows.append([aid, wid, 0.0, False, "other_openalex_author",
                         json.dumps({"matched_name": matched, "openalex_author_id": other[0], "position": other[1],
                                     "name_match": name_pts}, sort_keys=True), matched])
            continue
        others = {k for n, k in zip(w_ships["author_name"], w_ships["author_name"].map(_person_key)) if k and n != matched}
        shared = sorted(others & known_coauthors)
        co_pts = 0.5 if len(shared) >= 2 else 0.35 if shared else 0.0
        category = category_by_work.get(wid)
        cat_pts = 0.2 if category in known_cats else 0.1 if category and category.split(".")[0] in known_archives else 0.0
        confidence = round(name_pts + co_pts + cat_pts, 3)
        evidence = {
            "name_match": name_pts, "matched_name": matched, "shared_coauthors": shared,
            "coauthor_points": co_pts, "category": category, "category_points": cat_pts,
            "threshold": ATTRIBUTION_THRESHOLD,
        }
        rows.append([aid, wid, confidence, confidence >= ATTRIBUTION_THRESHOLD, "arxiv_name_evidence",
                     json.dumps(evidence, sort_keys=True), matched])
    return pd.DataFrame(rows, columns=AUTHOR_WORK_COLUMNS)


def _other_author_at_name(ships: pd.DataFrame, matched: str, own_ids: set[str]) -> tuple[str, int] | None:
    """Return (OpenAlex author id, position) where an OpenAlex copy of the work prints `matched` for another author."""
    known = ships[ships["openalex_author_id"].notna() & ~ships["openalex_author_id"].isin(own_ids)]
    for author_id, name, position in zip(known["openalex_author_id"], known["author_name"], known["position"]):
        if name_match_score(name, matched) >= 0.8:
            return author_id, int(position)
    return None
