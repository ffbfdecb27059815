"""Assemble: one run's fetched records -> the batch it stores; stored records -> attribution. Pure.

A run stores records, never works: works are derived from every stored record of the clusters
the run touched (`transforms.dedupe.derive_works`), and an author's attribution from every
candidate record ever fetched for them, so neither depends on what one run happened to fetch.
Scores come later still, from the whole warehouse (`transforms.scores`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from core.jsonio import dumps_sorted
from transforms.attribute import AUTHOR_WORK_COLUMNS, attribute_works
from transforms.authors import AUTHOR_COLUMNS, stage_authors
from transforms.dedupe import blocking_keys
from transforms.normalize import fold, normalize_doi, normalize_orcid, normalize_person_name, openalex_short_id
from transforms.staging import Staged, stage_records, work_arxiv_and_dois

__all__ = ["AuthorInput", "Batch", "assemble", "arxiv_only_ids", "attribute_authors", "author_from_saved", "derive_summary",
           "inputs_from_landing", "source_records", "unchanged_summary", "without_records"]


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
    # True when openalex_works is the author's whole works list, checked and believed: a work it
    # no longer has leaves the author's candidates. Never for a file ingest (a file may be partial).
    listing_complete: bool = False
    doubts: list[str] = field(default_factory=list)  # listings not believed in this run (kept, nothing removed)
    # How arxiv_entries were fetched when they bring the author's arXiv records up to the run's day
    # ('name_search' or 'harvest'); None when not (a search not believed, a harvest that failed, a file).
    arxiv_via: str | None = None


@dataclass
class Batch:
    """What one run brings to the warehouse: the records it fetched and the authors they were fetched for.

    Nothing here is a work yet: works are derived in the warehouse from every stored record of
    the clusters these records touch (`derive_works`), so one run's partial view never replaces
    what other runs stored.
    """

    authors: pd.DataFrame
    author_identifiers: pd.DataFrame  # from the fetched authors' own records
    institutions: pd.DataFrame
    topics: pd.DataFrame
    source_records: pd.DataFrame  # record_key, source, source_id, payload (JSON), response_id
    record_keys: pd.DataFrame  # record_key, key: what can link a record to another (dedupe.blocking_keys)
    author_records: pd.DataFrame  # author_id, record_key, via: candidate records fetched for an author
    staged: Staged
    reference_texts: pd.DataFrame | None = None  # texts of cited works, added by the run when fetched
    bare_author_ids: list[str] = field(default_factory=list)  # authors known only by id here (no record of theirs)
    complete_listings: list[str] = field(default_factory=list)  # authors whose whole, believed works list this is

    @property
    def author_ids(self) -> list[str]:
        return sorted(self.authors["author_id"])


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


def arxiv_only_ids(authors: list[AuthorInput]) -> list[str]:
    """Return the arXiv ids of the run's arXiv entries that none of its OpenAlex works carries.

    For those, name evidence alone would decide; OpenAlex may know who wrote them (see
    `attribute.attribute_works`'s negative evidence), so the run looks their DOIs up.
    """
    covered = {work_arxiv_and_dois(w, normalize_doi(w.get("doi") or (w.get("ids") or {}).get("doi")))[0]
               for a in authors for w in a.openalex_works}
    return sorted({e["arxiv_id"] for a in authors for e in a.arxiv_entries if e.get("arxiv_id")} - covered)


_AUTHOR_FILTER = re.compile(r"author\.id:(A\d+)", re.IGNORECASE)
_ARXIV_AUTHOR = re.compile(r'au:"([^"]+)"')


def inputs_from_landing(responses: list[dict], author_names: dict[str, str | None]) -> tuple[list[AuthorInput], list[dict], list[dict]]:
    """Return what the landed responses held, as runs had it: (AuthorInput per author, other OpenAlex works, other arXiv entries).

    responses: {url, fetched_at, openalex_works, openalex_authors, arxiv_entries} per landed body.
    An author's OpenAlex works list (`filter=author.id:A…`) and the arXiv search of their name
    make their candidates; a singleton work (a list cut its authorships) replaces its cut copy;
    the newest copy of a record wins. author_names: author id -> the name arXiv was searched for.
    """
    newest = sorted(responses, key=lambda r: str(r["fetched_at"]), reverse=True)
    singles = {w["id"]: w for r in newest if urlsplit(r["url"]).path.startswith("/works/") for w in r["openalex_works"]
               if w.get("id")}
    by_name: dict[str, list[str]] = {}
    for aid, name in author_names.items():
        if name:
            by_name.setdefault(fold(name) or "", []).append(aid)
    works: dict[str, dict[str, dict]] = {}
    entries: dict[str, dict[str, dict]] = {}
    records: dict[str, dict] = {}
    extra_works: dict[str, dict] = {}
    extra_entries: dict[str, dict] = {}
    for r in newest:
        query = " ".join(v for _, v in parse_qsl(urlsplit(r["url"]).query))
        for a in r["openalex_authors"]:
            records.setdefault(openalex_short_id(a.get("id")), a)
        if m := _AUTHOR_FILTER.search(query):
            for w in r["openalex_works"]:
                works.setdefault(m.group(1).upper(), {}).setdefault(w["id"], singles.get(w["id"], w))
        elif m := _ARXIV_AUTHOR.search(query):
            for aid in by_name.get(fold(m.group(1)) or "", []):
                for e in r["arxiv_entries"]:
                    entries.setdefault(aid, {}).setdefault(e["arxiv_id"], e)
        elif "openalex:" in query:  # texts of cited works (reference_texts keeps them), not records
            continue
        else:  # DOI lookups, singletons, ingested files: records without an author to be candidates of
            for w in r["openalex_works"]:
                extra_works.setdefault(w["id"], w)
            for e in r["arxiv_entries"]:
                extra_entries.setdefault(e["arxiv_id"], e)
    inputs = []
    for aid in sorted(set(works) | set(entries)):
        record = records.get(aid)
        name = normalize_person_name(record.get("display_name")) if record else author_names.get(aid)
        inputs.append(AuthorInput(author_id=aid, display_name=name, orcid=normalize_orcid(record.get("orcid")) if record else None,
                                  record=record, openalex_works=list(works.get(aid, {}).values()),
                                  arxiv_entries=list(entries.get(aid, {}).values())))
    return inputs, list(extra_works.values()), list(extra_entries.values())


def _payload(record: dict) -> str:
    return dumps_sorted({k: v for k, v in record.items() if k != "_response_id"})


def source_records(openalex_works: list[dict], arxiv_entries: list[dict]) -> pd.DataFrame:
    """Return record_key, source, source_id, payload (canonical JSON), response_id of each record (the last copy wins)."""
    rows = {}
    for w in openalex_works:
        if wid := openalex_short_id(w.get("id")):
            rows[f"openalex:{wid}"] = ("openalex", wid, _payload(w), w.get("_response_id"))
    for e in arxiv_entries:
        if ax := e.get("arxiv_id"):
            rows[f"arxiv:{ax}"] = ("arxiv", ax, _payload(e), e.get("_response_id"))
    return pd.DataFrame([(k, *v) for k, v in rows.items()],
                        columns=["record_key", "source", "source_id", "payload", "response_id"])


def assemble(
    authors: list[AuthorInput],
    extra_openalex_works: list[dict] | None = None,
    extra_arxiv_entries: list[dict] | None = None,
) -> Batch:
    """Return the batch of one run: its staged records, and the authors they were fetched for."""
    oa = [w for a in authors for w in a.openalex_works] + list(extra_openalex_works or [])
    ax = [e for a in authors for e in a.arxiv_entries] + list(extra_arxiv_entries or [])
    staged = stage_records(oa, ax)

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
    variants = [{"author_id": a.author_id, "scheme": "name_variant", "value": v} for a in authors for v in a.name_variants if v]
    if variants:
        author_ids_df = pd.concat([author_ids_df, pd.DataFrame(variants)], ignore_index=True)

    links = []
    for a in authors:
        links += [(a.author_id, f"openalex:{openalex_short_id(w['id'])}", "openalex_works") for w in a.openalex_works if w.get("id")]
        links += [(a.author_id, f"arxiv:{e['arxiv_id']}", "arxiv_name_search") for e in a.arxiv_entries if e.get("arxiv_id")]
    author_links = pd.DataFrame(links, columns=["author_id", "record_key", "via"]).drop_duplicates(
        ["author_id", "record_key"], ignore_index=True)

    return Batch(
        authors=authors_df.reset_index(drop=True),
        author_identifiers=author_ids_df.drop_duplicates(["scheme", "value"]).reset_index(drop=True),
        institutions=staged.institutions,
        topics=staged.topics.drop_duplicates("topic_id")[["topic_id", "display_name", "subfield", "field", "domain"]]
        .reset_index(drop=True),
        source_records=source_records(oa, ax),
        record_keys=blocking_keys(staged),
        author_records=author_links,
        staged=staged,
        bare_author_ids=sorted(a.author_id for a in bare),
        complete_listings=sorted(a.author_id for a in authors if a.listing_complete),
    )


SUMMARY_FIGURES = ("records", "works", "merged_duplicates", "arxiv_attributed", "arxiv_rejected", "authors_attributed",
                   "works_aliased")


def derive_summary(derived, author_works: pd.DataFrame, records: int, authors: int) -> dict:
    """Return the figures a run summary reports of one derivation (`records` = records re-clustered)."""
    arxiv_only = author_works[author_works["method"] == "arxiv_name_evidence"]
    return dict(zip(SUMMARY_FIGURES, (records, len(derived.merged.works), records - len(derived.merged.works),
                                      int(arxiv_only["is_attributed"].sum()), int((~author_works["is_attributed"]).sum()),
                                      authors, len(derived.aliases))))


def unchanged_summary() -> dict:
    """The figures of a derivation that had nothing to do (nothing stored changed)."""
    return dict.fromkeys(SUMMARY_FIGURES, 0)


def without_records(openalex_works: list[dict], arxiv_entries: list[dict], record_keys: set[str]) -> tuple[list[dict], list[dict]]:
    """Return the works and entries whose record key (as `source_records` makes it) is not in `record_keys`."""
    return ([w for w in openalex_works if f"openalex:{openalex_short_id(w.get('id'))}" not in record_keys],
            [e for e in arxiv_entries if f"arxiv:{e.get('arxiv_id')}" not in record_keys])


def attribute_authors(identities: list[dict], author_records: pd.DataFrame, record_works: pd.DataFrame,
                      staged: Staged) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (author_works of every author in `identities`, their arxiv_name identifiers).

    identities: {'author_id', 'display_name', 'orcid', 'openalex_ids', 'name_variants'} per author.
    author_records: every candidate record stored for those authors; record_works: record -> work
    for every record of their candidate works; staged: those records, staged.
    """
    by_author = author_records.groupby("author_id")["record_key"].agg(list).to_dict()
    parts = [attribute_works(i, by_author.get(i["author_id"], []), record_works, staged.authorships, staged.records)
             for i in identities]
    author_works = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=AUTHOR_WORK_COLUMNS)
    author_works["is_attributed"] = author_works["is_attributed"].astype(bool)
    # Names printed on attributed arXiv works become identifiers: they resolve the author next time.
    printed = author_works.loc[author_works["is_attributed"] & author_works["matched_name"].notna(), ["author_id", "matched_name"]]
    names = (printed.rename(columns={"matched_name": "value"}).assign(scheme="arxiv_name")[["author_id", "scheme", "value"]]
             .drop_duplicates(["scheme", "value"]).reset_index(drop=True))
    return author_works, names
