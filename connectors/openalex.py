"""OpenAlex: URLs built with pyalex's nouns, fetched through `HttpClient`, parsed from bytes.

Costs shape the calls (API_FACTS.md): singletons are free, list calls cost $0.0001, `search=`
$0.001; so works are listed 100 a page with `select=` of only the fields we use, authors are
looked up as singletons where an id or ORCID is known, and `search=` is used only for names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlencode

import pyalex
from pyalex import Authors, Works

from connectors.http import HttpClient
from connectors.landing import LandedResponse
from core.errors import AuthorNotFoundError, SourceRejectedError, TransientFetchError, UserError, register_secret

__all__ = [
    "OpenAlexConnector",
    "AuthorsListing",
    "WORK_FIELDS",
    "REFERENCE_FIELDS",
    "AUTHOR_FIELDS",
    "parse_list_page",
    "openalex_author_key",
    "orcid_key",
]

SOURCE = "openalex"
PAGE_SIZE = 100

WORK_FIELDS = [
    "id", "doi", "title", "display_name", "publication_year", "publication_date", "ids", "type",
    "primary_location", "locations", "authorships", "is_authors_truncated", "cited_by_count",
    "counts_by_year", "fwci", "citation_normalized_percentile", "primary_topic", "topics",
    "referenced_works", "abstract_inverted_index", "updated_date", "biblio",
]
# What novelty needs of a cited work: its text, and its year.
REFERENCE_FIELDS = ["id", "title", "display_name", "publication_year", "abstract_inverted_index"]
OR_LIMIT = 100  # values OR-ed with | in one filter (API_FACTS.md)
AUTHOR_FIELDS = [
    "id", "display_name", "display_name_alternatives", "orcid", "ids", "works_count",
    "cited_by_count", "summary_stats", "last_known_institutions", "affiliations", "topics",
]

_AUTHOR_ID = re.compile(r"^(?:https?://openalex\.org/)?(A\d{4,})$", re.IGNORECASE)
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
_ORCID_LIKE = re.compile(r"^(?:https?://orcid\.org/)?\d{4}-[\dXx-]*$")


def openalex_author_key(text: str) -> str | None:
    """Return 'A…' if text is an OpenAlex author id (bare or URL), else None."""
    m = _AUTHOR_ID.match(text.strip())
    return m.group(1).upper() if m else None


def _orcid_checksum_ok(digits: str) -> bool:
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1].upper() == ("X" if check == 10 else str(check))


def orcid_key(text: str) -> str | None:
    """Return the bare ORCID if text is one (checksum verified); raise UserError if it only looks like one."""
    text = text.strip()
    m = _ORCID.match(text)
    if m:
        if not _orcid_checksum_ok(m.group(1).replace("-", "")):
            raise UserError(f"malformed ORCID '{text}': its check digit is wrong")
        return m.group(1).upper()
    if _ORCID_LIKE.match(text) or text.lower().startswith(("https://orcid.org/", "orcid.org/")):
        raise UserError(f"malformed ORCID '{text}': expected 0000-0000-0000-000X")
    return None


def _with_params(url: str, **params) -> str:
    """Return url with params appended (values kept readable: ',', ':', '|', '*' unescaped)."""
    query = urlencode(params, safe=",:|*")
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _checked(landed: LandedResponse, attempt: int, parse):
    """Return `parse(body)`. A 200 whose body is not JSON (cut short, or a proxy's HTML page) is retried: the
    next answer may be whole. JSON that is not what `parse` expects (a ValueError) is refused."""
    try:
        return parse(landed.body)
    except RecursionError:
        raise SourceRejectedError(landed.url, attempt, landed.status, "answer is nested too deep to be OpenAlex's") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TransientFetchError(landed.url, attempt, landed.status, f"answer is not JSON ({_looks(landed.body)})") from None
    except ValueError as exc:
        raise SourceRejectedError(landed.url, attempt, landed.status, str(exc)) from None


def _object(body: bytes) -> dict:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("answer is not a JSON object")
    return data


def _entity(landed: LandedResponse, attempt: int) -> dict:
    """Check for HttpClient: the body as one JSON object (`_checked`)."""
    return _checked(landed, attempt, _object)


def _page(landed: LandedResponse, attempt: int) -> tuple[list[dict], str | None, int | None]:
    """Check for HttpClient: the body as a list page (results, next_cursor, count) (`_checked`)."""
    return _checked(landed, attempt, parse_list_page)


def _looks(body: bytes) -> str:
    """Say what a body that should be JSON looks like instead, in a few words."""
    head = body[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    return f"{len(body):,} bytes, cut short or garbled" if body else "empty"


def parse_list_page(body: bytes) -> tuple[list[dict], str | None, int | None]:
    """Return (results, next_cursor, count) from a list response's bytes."""
    data = json.loads(body)
    if not isinstance(data, dict) or "results" not in data or "meta" not in data:
        raise ValueError("not an OpenAlex list page ({'meta', 'results'})")
    meta = data["meta"] or {}
    return list(data["results"]), meta.get("next_cursor"), meta.get("count")


@dataclass
class AuthorsListing:
    """What one listing of several authors' works gave: each author's works, and the listing's own figures."""

    works: dict[str, list[dict]]
    listed: int = 0  # distinct works the listing gave
    announced: int | None = None  # the count its first page announced (of distinct works)
    unplaced: list[str] = field(default_factory=list)  # works naming none of the asked authors
    calls: int = 0  # list pages asked for

    def add(self, work: dict) -> None:
        self.listed += 1
        if len(self.works) == 1:
            next(iter(self.works.values())).append(work)
            return
        named = {openalex_author_key((a.get("author") or {}).get("id") or "") for a in work.get("authorships") or []}
        placed = [a for a in self.works if a in named]
        for author_id in placed:
            self.works[author_id].append(work)
        if not placed:
            self.unplaced.append(str(work.get("id")))


class OpenAlexConnector:
    """Authors and works of OpenAlex, as plain dicts; every body landed raw first."""

    def __init__(self, http: HttpClient, api_key: str | None = None, email: str | None = None,
                 base_url: str = pyalex.config.openalex_url):
        self.http = http
        self.base_url = base_url.rstrip("/")
        register_secret(api_key)  # a server that echoes the key must not put it in a log, an error or the landing
        self._secret = {"api_key": api_key} if api_key else None
        self._headers = {"From": email} if email else None

    def _get(self, url: str, parse):
        """Return what `parse` makes of the landed answer to `url`."""
        return self._get_landed(url, parse)[1]

    def _get_landed(self, url: str, parse):
        """Return (the landed answer to `url`, what `parse` makes of it); pyalex's URLs are moved to `base_url`."""
        url = self.base_url + url.removeprefix(pyalex.config.openalex_url)
        return self.http.get_parsed(url, source=SOURCE, check=parse, secret_params=self._secret, headers=self._headers)

    def get_author(self, author_key: str) -> dict:
        """Return the author record for an OpenAlex id or an ORCID (merged ids are followed)."""
        if orcid := orcid_key(author_key):
            ref = f"https://orcid.org/{orcid}"
        elif oa := openalex_author_key(author_key):
            ref = oa
        else:
            raise UserError(f"'{author_key}' is neither an OpenAlex author id (A…) nor an ORCID")
        url = _with_params(Authors(ref).url, select=",".join(AUTHOR_FIELDS))
        try:
            return self._get(url, _entity)
        except SourceRejectedError as exc:
            if exc.status == 404:
                raise AuthorNotFoundError(f"OpenAlex has no author {author_key}") from None
            raise

    def search_authors(self, name: str, limit: int = 10) -> list[dict]:
        """Return up to `limit` candidate authors for a name (a paid `search=` call: use sparingly)."""
        url = _with_params(Authors().search(name).select(AUTHOR_FIELDS).url, per_page=limit)
        return self._get(url, _page)[0]

    def get_work(self, work_id: str) -> dict:
        """Return one work with every authorship (the singleton is never truncated; it is free)."""
        url = _with_params(Works(work_id).url, select=",".join(WORK_FIELDS))
        landed, work = self._get_landed(url, _entity)
        return {**work, "_response_id": landed.response_id}

    def list_author_works(self, author_id: str) -> tuple[list[dict], int | None]:
        """Return (every work of the author, the count the first page announced), cursor-paged,
        with truncated authorships refetched. The caller weighs the count (`listing_doubt`)."""
        listing = self.list_works_of_authors([author_id])
        return listing.works[author_id], listing.announced

    def list_works_of_authors(self, author_ids: list[str]) -> "AuthorsListing":
        """Return the works of up to 100 authors from one cursor-paged listing (`author.id:A1|…|An`), 100 a page.

        A nightly's calls are then about its authors' works / 100, not a paging session per
        author. Each work goes to every asked author its authorships name (a truncated list is
        refetched whole first); with one author, every listed work is theirs.
        """
        if not 0 < len(author_ids) <= OR_LIMIT:
            raise ValueError(f"list 1 to {OR_LIMIT} authors per call, not {len(author_ids)}")
        base = _with_params(Works().url, filter="author.id:" + "|".join(author_ids), select=",".join(WORK_FIELDS))
        listing = AuthorsListing({a: [] for a in author_ids})
        cursor = "*"
        while cursor:
            landed, (results, cursor, count) = self._get_landed(_with_params(base, per_page=PAGE_SIZE, cursor=cursor), _page)
            listing.calls += 1
            listing.announced = count if listing.announced is None else listing.announced
            for work in results:
                # List responses cut authorships at 100; the singleton has them all.
                if work.get("is_authors_truncated"):
                    work = self.get_work(work["id"].rsplit("/", 1)[-1])
                else:
                    work["_response_id"] = landed.response_id  # which landed response the record came from
                listing.add(work)
            if not results:
                break
        return listing

    def iter_works_by_dois(self, dois: list[str]) -> Iterator[dict]:
        """Yield the works with these DOIs, 100 DOIs OR-ed per list request (DOIs OpenAlex lacks are simply absent).

        Used to learn who OpenAlex says wrote an arXiv-only candidate (its 10.48550/arXiv.<id> DOI).
        """
        unique = sorted({d.lower() for d in dois if d})
        for start in range(0, len(unique), OR_LIMIT):
            batch = unique[start:start + OR_LIMIT]
            url = _with_params(Works().url, filter="doi:" + "|".join(batch), select=",".join(WORK_FIELDS), per_page=OR_LIMIT)
            landed, (results, _, _) = self._get_landed(url, _page)
            for work in results:
                yield {**work, "_response_id": landed.response_id}

    def iter_work_texts(self, work_ids: list[str]) -> Iterator[dict]:
        """Yield id, title, year and abstract of the given works, 100 ids OR-ed per request.

        Ids OpenAlex no longer has are simply absent from the answer.
        """
        ids = sorted({i for i in work_ids if i})
        for start in range(0, len(ids), OR_LIMIT):
            batch = ids[start:start + OR_LIMIT]
            url = _with_params(Works().url, filter="openalex:" + "|".join(batch),
                               select=",".join(REFERENCE_FIELDS), per_page=OR_LIMIT)
            yield from self._get(url, _page)[0]
