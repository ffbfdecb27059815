"""Assemble: staged records of one run -> the frames of every table a run loads (still pure).

Scores and metrics are not computed here: `transforms.scores` computes them afterwards from
the whole warehouse (its own attributed works), so they never depend on what one run fetched.

One run's records are deduplicated together, so a paper fetched for two tracked co-authors
becomes one work; attribution then runs per author over the records fetched for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

from transforms.attribute import AUTHOR_WORK_COLUMNS, attribute_works, resolve_authorships
from transforms.authors import AUTHOR_COLUMNS, stage_authors
from transforms.dedupe import assign_work_ids, cluster_records, merge_works
from transforms.normalize import normalize_person_name, openalex_short_id
from transforms.staging import stage_records

__all__ = ["AuthorInput", "Frames", "assemble", "author_from_saved"]


@dataclass
class AuthorInput:
    """One author's share of a run: identity, and the source records fetched for them."""

    author_id: str
    display_name: str | None = None
    orcid: str | None = None
    record: dict | None = None  # the OpenAlex author record, when fetched
    requested_id: str | None = None  # the id asked for, if OpenAlex redirected it
    name_variants: list[str] = field(default_factory=list)
    openalex_works: list[dict] = field(default_factory=list)
    arxiv_entries: list[dict] = field(default_factory=list)


@dataclass
class Frames:
    """Every table a run loads, plus the figures a run summary reports."""

    authors: pd.DataFrame
    author_identifiers: pd.DataFrame
    institutions: pd.DataFrame
    topics: pd.DataFrame
    work_topics: pd.DataFrame
    works: pd.DataFrame
    work_identifiers: pd.DataFrame
    work_locations: pd.DataFrame
    authorships: pd.DataFrame
    citations_by_year: pd.DataFrame
    work_references: pd.DataFrame
    author_works: pd.DataFrame
    reference_texts: pd.DataFrame | None = None  # texts of cited works, added by the run when fetched
    stats: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return table name -> frame for every loaded table."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "stats" and getattr(self, f.name) is not None}


def author_from_saved(author_id: str, works: list[dict], entries: list[dict], author_records: list[dict],
                      stored: dict | None) -> AuthorInput:
    """Return the AuthorInput of saved records said to be `author_id`'s.

    The name comes from the author's own record if one was saved, else from the warehouse,
    else from how OpenAlex prints the author on their authorships.
    """
    records = [a for a in author_records if openalex_short_id(a.get("id")) == author_id]
    record = records[-1] if records else None
    name = normalize_person_name(record.get("display_name")) if record else (stored or {}).get("display_name")
    if not name:
        printed = (
            (a.get("author") or {}).get("display_name")
            for w in works for a in (w.get("authorships") or [])
            if openalex_short_id((a.get("author") or {}).get("id")) == author_id
        )
        name = normalize_person_name(next(printed, None))
    return AuthorInput(author_id=author_id, display_name=name, orcid=(stored or {}).get("orcid"), record=record,
                       openalex_works=list(works), arxiv_entries=list(entries))


def _identity(a: AuthorInput) -> dict:
    variants = list(a.name_variants)
    if a.record:
        variants += [n for n in (a.record.get("display_name_alternatives") or []) if n]
    return {
        "author_id": a.author_id,
        "display_name": a.display_name,
        "orcid": a.orcid,
        "openalex_ids": [x for x in {a.author_id, a.requested_id} if x],
        "name_variants": variants,
    }


def assemble(
    authors: list[AuthorInput],
    existing_identifiers: pd.DataFrame,
    extra_openalex_works: list[dict] | None = None,
    extra_arxiv_entries: list[dict] | None = None,
) -> Frames:
    """Return the frames of one run: merged works for all records, attribution per author."""
    oa = [w for a in authors for w in a.openalex_works] + list(extra_openalex_works or [])
    ax = [e for a in authors for e in a.arxiv_entries] + list(extra_arxiv_entries or [])
    staged = stage_records(oa, ax)
    clusters = cluster_records(staged)
    record_map = assign_work_ids(staged, clusters, existing_identifiers)
    merged = merge_works(staged, record_map)

    author_records = [a.record for a in authors if a.record]
    requested = {a.author_id: a.requested_id for a in authors if a.requested_id}
    authors_df, author_ids_df = stage_authors(author_records, requested)
    # Authors known only by id (ingest without an author record) still get a row.
    bare = [a for a in authors if a.author_id not in set(authors_df["author_id"])]
    if bare:
        extra = pd.DataFrame([{"author_id": a.author_id, "display_name": a.display_name, "orcid": a.orcid} for a in bare],
                             columns=AUTHOR_COLUMNS)
        authors_df = pd.concat([authors_df, extra], ignore_index=True) if len(authors_df) else extra
        author_ids_df = pd.concat(
            [author_ids_df, pd.DataFrame([{"author_id": a.author_id, "scheme": "openalex", "value": a.author_id} for a in bare])],
            ignore_index=True,
        )
    for col in AUTHOR_COLUMNS[6:]:
        authors_df[col] = authors_df[col].astype("Int64")

    aw_parts = []
    for a in authors:
        keys = [f"openalex:{w['id'].rsplit('/', 1)[-1]}" for w in a.openalex_works if w.get("id")]
        keys += [f"arxiv:{e['arxiv_id']}" for e in a.arxiv_entries if e.get("arxiv_id")]
        aw_parts.append(attribute_works(_identity(a), keys, record_map, staged.authorships, staged.records))
    author_works = pd.concat(aw_parts, ignore_index=True) if aw_parts else pd.DataFrame(columns=AUTHOR_WORK_COLUMNS)
    author_works["is_attributed"] = author_works["is_attributed"].astype(bool)

    # Names printed on attributed arXiv works become identifiers: they resolve the author next time.
    printed = author_works.loc[author_works["is_attributed"] & author_works["matched_name"].notna(), ["author_id", "matched_name"]]
    if len(printed):
        author_ids_df = pd.concat(
            [author_ids_df, printed.rename(columns={"matched_name": "value"}).assign(scheme="arxiv_name")[["author_id", "scheme", "value"]]],
            ignore_index=True,
        )
    author_ids_df = author_ids_df.drop_duplicates(["scheme", "value"]).reset_index(drop=True)

    authorships = resolve_authorships(merged.authorships, author_works, authors_df).drop(columns=["record_key"])
    topics = staged.topics.merge(record_map[["record_key", "work_id"]], on="record_key")
    work_topics = (
        topics.sort_values("score", ascending=False).drop_duplicates(["work_id", "topic_id"])
        [["work_id", "topic_id", "score"]].sort_values(["work_id", "topic_id"]).reset_index(drop=True)
    )
    topic_rows = topics.drop_duplicates("topic_id")[["topic_id", "display_name", "subfield", "field", "domain"]].reset_index(drop=True)

    arxiv_only = author_works[author_works["method"] == "arxiv_name_evidence"]
    stats = {
        "records": len(staged.records),
        "works": len(merged.works),
        "merged_duplicates": int(len(staged.records) - len(merged.works)),
        "arxiv_attributed": int(arxiv_only["is_attributed"].sum()),
        "arxiv_rejected": int((~author_works["is_attributed"]).sum()),
    }
    return Frames(
        authors=authors_df.reset_index(drop=True),
        author_identifiers=author_ids_df,
        institutions=staged.institutions,
        topics=topic_rows,
        work_topics=work_topics,
        works=merged.works,
        work_identifiers=merged.identifiers,
        work_locations=merged.locations,
        authorships=authorships,
        citations_by_year=merged.citations_by_year,
        work_references=merged.references,
        author_works=author_works,
        stats=stats,
    )
