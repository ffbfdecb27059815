"""Staging: source records (plain dicts) -> typed, renamed frames. One row per source record.

Nothing is merged or decided here; `dedupe` and `attribute` do that. Every frame carries
`record_key` ('openalex:W…' / 'arxiv:1706.03762'), the key of the source record it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from core.jsonio import loads
from transforms.normalize import (
    abstract_from_inverted_index,
    arxiv_id,
    clean_text,
    date_part,
    dois_in,
    find_code_url,
    is_arxiv_url,
    normalize_doi,
    normalize_orcid,
    normalize_person_name,
    normalize_title,
    normalize_venue,
    normalize_work_type,
    openalex_short_id,
    title_key,
)

__all__ = ["Staged", "stage_records", "work_arxiv_and_dois", "stage_stored", "concat_staged", "latest_staged", "subset_staged", "stage_reference_texts", "referenced_ids", "RECORD_COLUMNS", "REFERENCE_TEXT_COLUMNS"]

RECORD_COLUMNS = [
    "record_key", "source", "source_id", "title", "title_key", "publication_year", "published_on",
    "work_type", "is_preprint", "venue", "doi", "arxiv_id", "abstract", "code_url", "category",
    "categories", "cited_by_count", "fwci", "citation_normalized_percentile", "primary_topic_id",
    "author_count", "comment", "journal_ref", "source_type", "volume", "first_page", "last_page",
]
AUTHORSHIP_COLUMNS = [
    "record_key", "position", "raw_author_name", "author_name", "openalex_author_id", "orcid",
    "institution_ids",
]
IDENTIFIER_COLUMNS = ["record_key", "scheme", "value"]
LOCATION_COLUMNS = ["record_key", "source", "url", "venue", "version", "is_published", "pdf_url", "is_oa"]
COUNT_COLUMNS = ["record_key", "year", "cited_by_count"]
INSTITUTION_COLUMNS = ["institution_id", "display_name", "ror", "country_code", "institution_type"]
TOPIC_COLUMNS = ["record_key", "topic_id", "display_name", "score", "subfield", "field", "domain"]
REFERENCE_COLUMNS = ["record_key", "referenced_id"]


@dataclass
class Staged:
    """The staged frames of a batch of source records."""

    records: pd.DataFrame
    authorships: pd.DataFrame
    identifiers: pd.DataFrame
    locations: pd.DataFrame
    counts: pd.DataFrame
    institutions: pd.DataFrame
    topics: pd.DataFrame
    references: pd.DataFrame


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def work_arxiv_and_dois(work: dict, doi: str | None) -> tuple[str | None, set[str]]:
    """Return (the arXiv id, the other DOIs) an OpenAlex work carries in its DOI and locations.

    arXiv ids come from the 10.48550 DOI or any arXiv-hosted location; a DOI may also be written
    only in a location (its id, landing URL or the name the source printed).
    """
    ax = arxiv_id(doi) if doi and doi.startswith("10.48550/") else None
    found: set[str] = set()
    for loc in (loc for loc in (work.get("locations") or []) if isinstance(loc, dict)):
        for url in (loc.get("landing_page_url"), loc.get("pdf_url")):
            if is_arxiv_url(url):
                ax = ax or arxiv_id(url)
        for text in (loc.get("id"), loc.get("landing_page_url"), loc.get("raw_source_name")):
            found.update(dois_in(text))
    for d in sorted(d for d in found if d.startswith("10.48550/")):
        ax = ax or arxiv_id(d)
    return ax, {d for d in found if not d.startswith("10.48550/")}


def _openalex_rows(work: dict, out: dict[str, list]) -> None:
    wid = openalex_short_id(work.get("id"))
    key = f"openalex:{wid}"
    ids = work.get("ids") or {}
    doi = normalize_doi(work.get("doi") or ids.get("doi"))
    locations = [loc for loc in (work.get("locations") or []) if isinstance(loc, dict)]
    primary = work.get("primary_location") or {}
    ax, other_dois = work_arxiv_and_dois(work, doi)
    abstract = abstract_from_inverted_index(work.get("abstract_inverted_index"))
    work_type = normalize_work_type(work.get("type"))
    source = primary.get("source") or {}
    biblio = work.get("biblio") or {}
    venue = normalize_venue(source.get("display_name"))
    if work_type == "preprint" and source.get("type") == "journal" and biblio.get("volume"):
        work_type = "article"  # typed preprint, but it sits in a journal volume: the published version
    is_preprint = work_type == "preprint" or (venue == "arXiv" and work_type in ("article", "other"))
    topic = work.get("primary_topic") or {}
    cnp = work.get("citation_normalized_percentile") or {}
    authorships = work.get("authorships") or []
    out["records"].append(
        {
            "record_key": key, "source": "openalex", "source_id": wid,
            "title": normalize_title(work.get("title") or work.get("display_name")),
            "title_key": title_key(work.get("title") or work.get("display_name")),
            "publication_year": work.get("publication_year"),
            "published_on": date_part(work.get("publication_date")),
            "work_type": "preprint" if is_preprint else work_type,
            "is_preprint": bool(is_preprint),
            "venue": venue, "doi": doi, "arxiv_id": ax, "abstract": abstract,
            "code_url": find_code_url(abstract), "category": None, "categories": [],
            "cited_by_count": int(work.get("cited_by_count") or 0),
            "fwci": work.get("fwci"),
            "citation_normalized_percentile": cnp.get("value") if isinstance(cnp, dict) else None,
            "primary_topic_id": openalex_short_id(topic.get("id")) if topic else None,
            "author_count": len(authorships), "comment": None, "journal_ref": None,
            "source_type": source.get("type"), "volume": clean_text(biblio.get("volume")),
            "first_page": clean_text(biblio.get("first_page")), "last_page": clean_text(biblio.get("last_page")),
        }
    )
    for pos, a in enumerate(authorships, 1):
        author = a.get("author") or {}
        insts = [i for i in (a.get("institutions") or []) if isinstance(i, dict) and i.get("id")]
        raw = a.get("raw_author_name") or author.get("display_name")
        out["authorships"].append(
            {
                "record_key": key, "position": pos, "raw_author_name": clean_text(raw),
                "author_name": normalize_person_name(author.get("display_name") or raw),
                "openalex_author_id": openalex_short_id(author.get("id")),
                "orcid": normalize_orcid(author.get("orcid")),
                "institution_ids": [openalex_short_id(i["id"]) for i in insts],
            }
        )
        for i in insts:
            out["institutions"].append(
                {
                    "institution_id": openalex_short_id(i["id"]), "display_name": clean_text(i.get("display_name")),
                    "ror": clean_text(i.get("ror")), "country_code": i.get("country_code"),
                    "institution_type": i.get("type"),
                }
            )
    out["identifiers"].append({"record_key": key, "scheme": "openalex", "value": wid})
    for d in sorted({doi, *other_dois} - {None}):
        out["identifiers"].append({"record_key": key, "scheme": "doi", "value": d})
    if ax:
        out["identifiers"].append({"record_key": key, "scheme": "arxiv", "value": ax})
    for scheme in ("pmid", "pmcid"):
        if ids.get(scheme):
            out["identifiers"].append({"record_key": key, "scheme": scheme, "value": openalex_short_id(ids[scheme])})
    for loc in locations:
        url = loc.get("landing_page_url") or loc.get("pdf_url")
        if not url:
            continue
        out["locations"].append(
            {
                "record_key": key, "source": "openalex", "url": url,
                "venue": normalize_venue((loc.get("source") or {}).get("display_name")),
                "version": loc.get("version"), "is_published": bool(loc.get("is_published")),
                "pdf_url": clean_text(loc.get("pdf_url")), "is_oa": bool(loc.get("is_oa")),
            }
        )
    for c in work.get("counts_by_year") or []:
        out["counts"].append({"record_key": key, "year": int(c["year"]), "cited_by_count": int(c.get("cited_by_count") or 0)})
    for ref in work.get("referenced_works") or []:
        if ref_id := openalex_short_id(ref):
            out["references"].append({"record_key": key, "referenced_id": ref_id})
    for t in work.get("topics") or []:
        out["topics"].append(
            {
                "record_key": key, "topic_id": openalex_short_id(t.get("id")),
                "display_name": clean_text(t.get("display_name")), "score": t.get("score"),
                "subfield": clean_text((t.get("subfield") or {}).get("display_name")),
                "field": clean_text((t.get("field") or {}).get("display_name")),
                "domain": clean_text((t.get("domain") or {}).get("display_name")),
            }
        )


def _arxiv_rows(entry: dict, out: dict[str, list]) -> None:
    ax = entry["arxiv_id"]
    key = f"arxiv:{ax}"
    published_on = date_part(entry.get("published"))
    summary = clean_text(entry.get("summary"))
    doi = normalize_doi(entry.get("doi"))
    out["records"].append(
        {
            "record_key": key, "source": "arxiv", "source_id": ax,
            "title": normalize_title(entry.get("title")), "title_key": title_key(entry.get("title")),
            "publication_year": int(published_on[:4]) if published_on else None,
            "published_on": published_on,  # `published` is the first version's date
            "work_type": "preprint", "is_preprint": True, "venue": "arXiv",
            "doi": doi, "arxiv_id": ax, "abstract": summary,
            "code_url": find_code_url(entry.get("comment"), summary),
            "category": entry.get("primary_category"),
            "categories": list(entry.get("categories") or []),
            "cited_by_count": 0, "fwci": None, "citation_normalized_percentile": None,
            "primary_topic_id": None, "author_count": len(entry.get("authors") or []),
            "comment": clean_text(entry.get("comment")), "journal_ref": clean_text(entry.get("journal_ref")),
            "source_type": "repository", "volume": None, "first_page": None, "last_page": None,
        }
    )
    for pos, a in enumerate(entry.get("authors") or [], 1):
        out["authorships"].append(
            {
                "record_key": key, "position": pos, "raw_author_name": clean_text(a.get("name")),
                "author_name": normalize_person_name(a.get("name")), "openalex_author_id": None,
                "orcid": None, "institution_ids": [],
            }
        )
    out["identifiers"].append({"record_key": key, "scheme": "arxiv", "value": ax})
    out["identifiers"].append({"record_key": key, "scheme": "doi", "value": f"10.48550/arxiv.{ax.lower()}"})
    if doi:  # the published version's DOI, as the authors gave it
        out["identifiers"].append({"record_key": key, "scheme": "doi", "value": doi})
    version = entry.get("version")
    out["locations"].append(
        {
            "record_key": key, "source": "arxiv", "url": f"https://arxiv.org/abs/{ax}",
            "venue": "arXiv", "version": f"submittedVersion v{version}" if version else "submittedVersion",
            "is_published": False, "pdf_url": f"https://arxiv.org/pdf/{ax}", "is_oa": True,
        }
    )


def stage_records(openalex_works: list[dict], arxiv_entries: list[dict]) -> Staged:
    """Return the staged frames of a batch; a record seen twice is staged once."""
    out: dict[str, list] = {f.name: [] for f in fields(Staged)}
    seen: set[str] = set()
    for work in openalex_works:
        key = f"openalex:{openalex_short_id(work.get('id'))}"
        if key not in seen and work.get("id"):
            seen.add(key)
            _openalex_rows(work, out)
    for entry in arxiv_entries:
        key = f"arxiv:{entry.get('arxiv_id')}"
        if key not in seen and entry.get("arxiv_id"):
            seen.add(key)
            _arxiv_rows(entry, out)
    staged = Staged(
        records=_frame(out["records"], RECORD_COLUMNS),
        authorships=_frame(out["authorships"], AUTHORSHIP_COLUMNS),
        identifiers=_frame(out["identifiers"], IDENTIFIER_COLUMNS).drop_duplicates(ignore_index=True),
        locations=_frame(out["locations"], LOCATION_COLUMNS).drop_duplicates(["record_key", "url"], ignore_index=True),
        counts=_frame(out["counts"], COUNT_COLUMNS),
        institutions=_frame(out["institutions"], INSTITUTION_COLUMNS).drop_duplicates("institution_id", ignore_index=True),
        topics=_frame(out["topics"], TOPIC_COLUMNS),
        references=_frame(out["references"], REFERENCE_COLUMNS).drop_duplicates(ignore_index=True),
    )
    staged.records["publication_year"] = staged.records["publication_year"].astype("Int64")
    return staged


def stage_stored(sources: list[str], payloads: list[str]) -> Staged:
    """Return the staged frames of stored records (source 'openalex' | 'arxiv', the record as JSON)."""
    oa, ax = [], []
    for source, payload in zip(sources, payloads):
        (oa if source == "openalex" else ax).append(loads(payload))
    return stage_records(oa, ax)


def concat_staged(*parts: Staged) -> Staged:
    """Return one Staged of several (records staged apart, each record in only one part)."""
    out = {}
    for f in fields(Staged):
        frames = [getattr(p, f.name) for p in parts]
        out[f.name] = pd.concat([x for x in frames if len(x)] or frames[:1], ignore_index=True)
    staged = Staged(**out)
    staged.institutions = staged.institutions.drop_duplicates("institution_id", ignore_index=True)
    return staged


def latest_staged(parts: list[Staged]) -> Staged:
    """Return one Staged of chunks staged apart, where a record staged in several keeps its latest chunk's rows."""
    taken: set[str] = set()
    kept = []
    for part in reversed(parts):
        keys = set(part.records["record_key"])
        kept.append(subset_staged(part, keys - taken) if keys & taken else part)
        taken |= keys
    return concat_staged(*reversed(kept)) if kept else stage_records([], [])


def subset_staged(staged: Staged, record_keys: set[str]) -> Staged:
    """Return the staged frames of only these records."""
    out = {f.name: getattr(staged, f.name) for f in fields(Staged)}
    for name, frame in out.items():
        if "record_key" in frame.columns:
            out[name] = frame[frame["record_key"].isin(record_keys)].reset_index(drop=True)
    return Staged(**out)


def referenced_ids(openalex_works: list[dict]) -> list[str]:
    """Return the distinct OpenAlex ids (W…) the works cite."""
    return sorted({rid for w in openalex_works for r in (w.get("referenced_works") or []) if (rid := openalex_short_id(r))})


REFERENCE_TEXT_COLUMNS = ["openalex_id", "title", "abstract", "publication_year", "found", "fetched_on"]


def stage_reference_texts(asked: list[str], returned: list[dict], fetched_on) -> pd.DataFrame:
    """Return one reference_texts row per id asked for: its text if OpenAlex returned it, else found=False.

    Rows for ids OpenAlex did not return are kept too, so a vanished reference is not asked for
    again every night.
    """
    by_id = {openalex_short_id(w.get("id")): w for w in returned if w.get("id")}
    rows = []
    for rid in sorted(set(asked) | set(by_id)):
        w = by_id.get(rid)
        rows.append({
            "openalex_id": rid,
            "title": normalize_title((w.get("title") or w.get("display_name"))) if w else None,
            "abstract": abstract_from_inverted_index(w.get("abstract_inverted_index")) if w else None,
            "publication_year": w.get("publication_year") if w else None,
            "found": w is not None,
            "fetched_on": fetched_on,
        })
    out = pd.DataFrame(rows, columns=REFERENCE_TEXT_COLUMNS)
    out["publication_year"] = out["publication_year"].astype("Int64")
    return out
