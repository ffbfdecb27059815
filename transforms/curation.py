"""Curation: what people decided wins over what the pipeline inferred. Pure.

A person records actions (`scholarflow curate …`, stored in the `curation` table with who,
when and why): claim / unclaim an author profile, include / exclude a work from an author,
merge one author id into another; and, for works, split records out of a work or merge two
works (`work_constraints` turns those into pairs the merge must keep together or apart). They are applied in time order on every scoring pass, so
every run re-applies them on top of fresh automatic attribution; for one (author, work) or
one author, the latest action wins. The automatic judgement stays in `evidence`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd

__all__ = ["ACTIONS", "WORK_ACTIONS", "Curated", "apply_curation", "curation_row", "work_constraints", "CURATION_COLUMNS"]

ACTIONS = ("claim", "unclaim", "include", "exclude", "merge")
WORK_ACTIONS = ("split_work", "merge_works")
CURATION_COLUMNS = ["curation_id", "action", "author_id", "work_id", "other_author_id", "curated_by", "curated_at", "reason",
                    "record_keys", "other_record_keys"]


@dataclass
class Curated:
    author_works: pd.DataFrame
    merged_into: dict[str, str]  # merged author id -> the id it now belongs to
    claims: dict[str, dict]  # author id -> {claimed_by, claimed_at, reason}


def curation_row(action: str, author_id: str, curated_by: str, reason: str, now, work_id: str | None = None,
                 other_author_id: str | None = None, record_keys: list[str] | None = None,
                 other_record_keys: list[str] | None = None) -> dict:
    """Return one curation row, or raise ValueError saying what is missing.

    Work decisions (split_work, merge_works) name records, not authors: `author_id` is '*'.
    """
    if action not in ACTIONS + WORK_ACTIONS:
        raise ValueError(f"unknown curation action {action!r}; one of {', '.join(ACTIONS + WORK_ACTIONS)}")
    if action == "split_work" and (not record_keys or not other_record_keys):
        raise ValueError("split-work needs records to split out and at least one record to leave in the work")
    if action == "merge_works" and len(set(record_keys or ())) < 2:
        raise ValueError("merge-works needs two different works")
    if not (curated_by or "").strip():
        raise ValueError("say who decides this (--by NAME)")
    if not (reason or "").strip():
        raise ValueError("say why (--why TEXT): the decision is kept with its reason")
    if action in ("include", "exclude") and not work_id:
        raise ValueError(f"{action} needs a work")
    if action == "merge" and (not other_author_id or other_author_id == author_id):
        raise ValueError("merge needs another author id to merge into this one")
    key = f"{action}|{author_id}|{work_id or ''}|{other_author_id or ''}|{','.join(record_keys or ())}|{now.isoformat()}"
    return {"curation_id": hashlib.sha256(key.encode()).hexdigest()[:16], "action": action, "author_id": author_id,
            "work_id": work_id, "other_author_id": other_author_id, "curated_by": curated_by.strip(), "curated_at": now,
            "reason": reason.strip(), "record_keys": sorted(record_keys) if record_keys else None,
            "other_record_keys": sorted(other_record_keys) if other_record_keys else None}


def work_constraints(decisions: pd.DataFrame) -> tuple[list[tuple[str, str]], set[frozenset]]:
    """Return (record pairs that must be one work, record pairs that must not) from split/merge decisions.

    Decisions apply oldest first: a later merge of records lifts an earlier split between them,
    and a later split lifts an earlier merge.
    """
    must: set[frozenset] = set()
    cannot: set[frozenset] = set()
    rows = decisions.sort_values(["curated_at", "curation_id"]).to_dict("records") if len(decisions) else []
    for d in rows:
        keys = sorted(d["record_keys"] if d["record_keys"] is not None else [])
        if d["action"] == "merge_works":
            pairs = {frozenset((a, b)) for i, a in enumerate(keys) for b in keys[i + 1:]}
            cannot -= pairs
            must |= pairs
        elif d["action"] == "split_work":
            others = sorted(d["other_record_keys"] if d["other_record_keys"] is not None else [])
            pairs = {frozenset((a, b)) for a in keys for b in others}
            must -= pairs
            cannot |= pairs
            must |= {frozenset((a, b)) for i, a in enumerate(keys) for b in keys[i + 1:]}  # the split-out part stays together
    return sorted(tuple(sorted(p)) for p in must), cannot


def _final(author: str, merged: dict[str, str]) -> str:
    seen = set()
    while author in merged and author not in seen:
        seen.add(author)
        author = merged[author]
    return author


def apply_curation(author_works: pd.DataFrame, curation: pd.DataFrame) -> Curated:
    """Return author_works with every recorded decision applied, the merges, and the claims."""
    author_actions = curation[curation["action"].isin(ACTIONS)] if len(curation) else curation
    actions = author_actions.sort_values(["curated_at", "curation_id"]).to_dict("records") if len(author_actions) else []
    merged: dict[str, str] = {}
    for a in actions:
        if a["action"] == "merge" and a["other_author_id"] != a["author_id"]:
            merged[a["other_author_id"]] = a["author_id"]

    aw = author_works.copy()
    if merged:
        aw["author_id"] = aw["author_id"].map(lambda x: _final(x, merged))
        aw = (aw.sort_values(["is_attributed", "confidence"], ascending=False)
              .drop_duplicates(["author_id", "work_id"]).sort_values(["author_id", "work_id"]))
    aw = aw.set_index(["author_id", "work_id"])

    claims: dict[str, dict] = {}
    decided: dict[tuple[str, str], dict] = {}
    for a in actions:
        author = _final(a["author_id"], merged)
        if a["action"] == "claim":
            claims[author] = {"claimed_by": a["curated_by"], "claimed_at": a["curated_at"], "reason": a["reason"]}
        elif a["action"] == "unclaim":
            claims.pop(author, None)
        elif a["action"] in ("include", "exclude"):
            decided[(author, a["work_id"])] = a

    new_rows = []
    for (author, work), a in decided.items():
        include = a["action"] == "include"
        record = {"action": a["action"], "by": a["curated_by"], "at": str(a["curated_at"]), "why": a["reason"]}
        if (author, work) in aw.index:
            before = aw.loc[(author, work)]
            record["automatic"] = {"method": before["method"], "confidence": float(before["confidence"]),
                                   "is_attributed": bool(before["is_attributed"])}
            aw.loc[(author, work), ["confidence", "is_attributed", "method", "evidence"]] = [
                1.0 if include else 0.0, include, f"curated_{a['action']}", json.dumps(record, sort_keys=True, default=str)]
        else:
            new_rows.append({"author_id": author, "work_id": work, "confidence": 1.0 if include else 0.0,
                             "is_attributed": include, "method": f"curated_{a['action']}",
                             "evidence": json.dumps(record, sort_keys=True, default=str), "matched_name": None})
    out = aw.reset_index()
    if new_rows:
        out = pd.concat([out, pd.DataFrame(new_rows)], ignore_index=True)
    out["is_attributed"] = out["is_attributed"].astype(bool)
    return Curated(out.reset_index(drop=True), merged, claims)
