"""Authors: pick one author from name-search candidates, and stage author records as frames."""

from __future__ import annotations

import pandas as pd

from core.errors import AmbiguousAuthorError, AuthorNotFoundError
from transforms.normalize import (
    clean_text, fold, name_match_score, normalize_orcid, normalize_person_name, openalex_short_id,
)

__all__ = ["candidate_summary", "choose_author", "require_live_author", "stage_authors", "listing_doubt", "AUTHOR_COLUMNS"]

AUTHOR_COLUMNS = [
    "author_id", "display_name", "orcid", "affiliation", "institution_id", "requested_id",
    "works_count_reported", "cited_by_count_reported", "h_index_reported", "i10_index_reported",
]
# A candidate this close to the query is a "close match"; two close matches are never guessed between.
CLOSE_MATCH = 0.8
# A works listing under half of what is known of the author (and at least this many short) is not believed.
SHRINK_LIMIT = 0.5
SHRINK_MIN_DROP = 3


def candidate_summary(record: dict) -> dict:
    """Return what an operator needs to tell candidates apart: id, name, affiliation, works, topics."""
    insts = record.get("last_known_institutions") or []
    topics = [clean_text(t.get("display_name")) for t in (record.get("topics") or [])[:3]]
    return {
        "author_id": openalex_short_id(record.get("id")),
        "display_name": clean_text(record.get("display_name")),
        "affiliation": clean_text(insts[0].get("display_name")) if insts else None,
        "works_count": int(record.get("works_count") or 0),
        "top_topics": [t for t in topics if t],
    }


def choose_author(query: str, candidates: list[dict]) -> dict:
    """Return the one candidate record that closely matches the name, or raise listing the close ones."""
    if not candidates:
        raise AuthorNotFoundError(f"OpenAlex has no author named '{query}'")
    close = []
    for record in candidates:
        names = [record.get("display_name"), *(record.get("display_name_alternatives") or [])]
        score = max((name_match_score(query, n) for n in names if n), default=0.0)
        if score >= CLOSE_MATCH or fold(query) == fold(record.get("display_name")):
            close.append(record)
    if len(close) == 1:
        return close[0]
    listed = close or candidates
    raise AmbiguousAuthorError(query, [candidate_summary(r) for r in listed[:10]])


def require_live_author(query: str, record: dict) -> None:
    """Raise if OpenAlex answered with its "Deleted Author" placeholder (no works, a deleted name)."""
    if not record.get("works_count") and "deleted" in str(record.get("display_name", "")).lower():
        raise AuthorNotFoundError(f"{query} now points to a deleted OpenAlex author ({openalex_short_id(record.get('id'))})")


def stage_authors(records: list[dict], requested: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (authors, author_identifiers) frames from OpenAlex author records.

    `requested` maps a returned author id to the id the operator asked for, when OpenAlex
    redirected a merged id; the old id is kept as an identifier so it keeps resolving.
    """
    requested = requested or {}
    rows, idents = [], []
    for r in records:
        aid = openalex_short_id(r.get("id"))
        if not aid:
            continue
        insts = r.get("last_known_institutions") or []
        stats = r.get("summary_stats") or {}
        orcid = normalize_orcid(r.get("orcid"))
        rows.append(
            {
                "author_id": aid,
                "display_name": normalize_person_name(r.get("display_name")),
                "orcid": orcid,
                "affiliation": clean_text(insts[0].get("display_name")) if insts else None,
                "institution_id": openalex_short_id(insts[0].get("id")) if insts else None,
                "requested_id": requested.get(aid),
                "works_count_reported": r.get("works_count"),
                "cited_by_count_reported": r.get("cited_by_count"),
                "h_index_reported": stats.get("h_index"),
                "i10_index_reported": stats.get("i10_index"),
            }
        )
        idents.append({"author_id": aid, "scheme": "openalex", "value": aid})
        if orcid:
            idents.append({"author_id": aid, "scheme": "orcid", "value": orcid})
        if requested.get(aid) and requested[aid] != aid:
            idents.append({"author_id": aid, "scheme": "openalex_merged", "value": requested[aid]})
        for alt in r.get("display_name_alternatives") or []:
            name = normalize_person_name(alt)
            if name:
                idents.append({"author_id": aid, "scheme": "name_variant", "value": name})
    authors = pd.DataFrame(rows, columns=AUTHOR_COLUMNS).drop_duplicates("author_id", keep="last")
    for col in AUTHOR_COLUMNS[6:]:
        authors[col] = authors[col].astype("Int64")
    identifiers = pd.DataFrame(idents, columns=["author_id", "scheme", "value"]).drop_duplicates(["scheme", "value"])
    return authors.reset_index(drop=True), identifiers.reset_index(drop=True)


def listing_doubt(listed: int, announced: int | None, stored: int, works_count: int | None) -> str | None:
    """Return why an author's works listing is not believed, or None when it is plausible.

    `announced` is the count the answer itself gave (OpenAlex `meta.count`), `stored` how many of
    the author's records earlier listings gave, `works_count` what the author's own record says.
    An empty or sharply shorter list than what is known is a source's hiccup far more often than
    an author losing half their papers overnight: believing it would take works off a page.
    """
    if announced is not None and listed < announced:
        return f"it announced {announced} works but listed {listed}"
    known = max(stored, works_count or 0)
    if listed == 0 and known:
        return f"it is empty, but {known} are known"
    if known - listed >= SHRINK_MIN_DROP and listed < SHRINK_LIMIT * known:
        return f"it lists {listed} works, under half of the {known} known"
    return None
