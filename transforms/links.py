"""Which source records are copies of one paper: candidate pairs and the rule that links each. Pure.

A link is evidence a reviewer can read: the two records, the rule, a score and what was
compared. The rules, strongest first:

- identifiers: a shared arXiv id (any arXiv host, the 10.48550 DOI), DOI or OpenAlex id;
- `doi_family`: DOIs of one item that differ only by a version or a suffix the publisher adds
  (Research Square …/v2, Preprints.org ….v1, PeerJ Preprints …v1, figshare ….v1; SPE and
  OnePetro manuscript numbers -MS/-PA/-RU; IPTC with and without 'iptc-'; 'SPE-164838' in an
  EAGE title), and one DOI suffix under two prefixes when the titles agree;
- `title_authors`: the same title up to form (case, markup, spelling, plural, an article, a
  spelled-out abbreviation, a parenthesis), the same numbers in it, the same people (one more or
  less), years close, and records of the same kind;
- `copernicus_discussion`: a Copernicus discussion paper and its final paper (the title may
  fix a typo or a version number);
- `repository_copy`: a copy without DOI in a repository, by exactly the same people, whose
  title holds the other's words;
- `preprint_revised_title`: a preprint-server copy and the published paper by exactly the same
  people whose titles were revised but whose abstracts are the same text.

Never linked by title: records of different kinds (a paper and its data, a correction, a reply
or comment, a conference abstract, a software release), titles whose numbers differ (datasets
of crystal structures, "Part 1"/"Part 2"), and an item in the same journal in another volume or
of one or two pages (an erratum under the identical title).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

import pandas as pd
from rapidfuzz import fuzz

from transforms.normalize import family_key, normalize_title, title_tokens
from transforms.staging import Staged

__all__ = ["record_features", "candidate_pairs", "find_links", "blocking_keys", "doi_families", "LINK_COLUMNS",
           "IDENTIFIER_SCHEMES"]

LINK_COLUMNS = ["record_a", "record_b", "rule", "score", "evidence"]
IDENTIFIER_SCHEMES = ("arxiv", "doi", "openalex")
TITLE_MIN_RATIO = 92.0  # rapidfuzz ratio of the compared title words, 0-100
COPERNICUS_MIN_RATIO = 85.0
REVISED_MIN_TOKEN_SET = 60.0
ABSTRACT_MIN_RATIO = 85.0
MAX_BLOCK = 100  # a blocking key shared by more records than this proposes no pairs (too common to mean anything)

# Preprint servers and repositories: a copy there is never "another publication".
PREPRINT_PREFIXES = ("10.48550/", "10.2139/ssrn", "10.21203/rs.", "10.20944/preprints", "10.7287/peerj.preprints",
                     "10.31223/", "10.31219/", "10.31234/", "10.31235/", "10.22541/au.", "10.36227/techrxiv",
                     "10.26434/chemrxiv", "10.13140/", "10.1002/essoar", "10.1101/", "10.2196/preprints",
                     "10.1590/scielopreprints", "10.5194/egusphere-20")
_ABSTRACT_DOI = re.compile(r"^10\.5194/egusphere-egu|^10\.1130/abs/|^10\.7185/gold|^10\.5339/qfarc|-abstract$")
_ABSTRACT_VENUE = re.compile(r"egu general assembly|^eguga|abstracts with programs|goldschmidt abstracts", re.I)
_COMPANION_TITLE = [
    (re.compile(r"^(data (for|from)\b|dataset (of|for)\b|data\s*[-–:]|supplementary\b|supporting information\b)", re.I), "data"),
    (re.compile(r"^(author correction|correction|corrigendum|erratum|errata|retraction|retracted|expression of concern)\b",
                re.I), "correction"),
    (re.compile(r"^(reply|response to|authors?'? reply|rejoinder)\b", re.I), "reply"),
    (re.compile(r"^(comments?|discussion)( on| of)?\b", re.I), "comment"),
]
_TYPE_KIND = {"dataset": "data", "supplementary-materials": "data", "erratum": "correction", "retraction": "correction",
              "peer-review": "review-report", "software": "software", "grant": "grant"}
_VERSIONED = re.compile(r"\bv?\d+\.\d+(\.\d+)*\b")
_FAMILY = [  # (a DOI, with or without its version suffix) -> the item's family key
    (re.compile(r"^(10\.21203/rs\.\d+\.rs-\d+)(/v\d+)?$"), r"\1"),
    (re.compile(r"^(10\.20944/preprints\d+\.\d+)(\.v\d+)?$"), r"\1"),
    (re.compile(r"^(10\.7287/peerj\.preprints\.\d+)(v\d+)?$"), r"\1"),
    (re.compile(r"^(10\.6084/m9\.figshare\.\d+)(\.v\d+)?$"), r"\1"),
    (re.compile(r"^10\.(2118|4043)/(\d+)-[a-z]{2,3}$"), r"onepetro:\2"),  # SPE / OTC manuscript numbers
    (re.compile(r"^10\.2523/(?:iptc-)?(\d+)-[a-z]{2,3}$"), r"iptc:\1"),
]
_SPE_IN_TITLE = re.compile(r"\bSPE[- ](\d{5,6})\b")
# Copernicus: discussion papers are 10.5194/<journal>-YYYY-N (or, before 2018, <journal>d-V-P-YYYY);
# final papers are 10.5194/<journal>-V-P-YYYY.
_COPERNICUS_DISCUSSION = (re.compile(r"^10\.5194/([a-z]+)-\d{4}-\d+$"), re.compile(r"^10\.5194/([a-z]+)d-\d+-\d+-\d{4}$"))
_COPERNICUS_FINAL = re.compile(r"^10\.5194/([a-z]+)-\d+-\d+-\d{4}$")


def doi_families(doi: str | None, title: str | None = None) -> list[str]:
    """Return the family keys of a DOI: what it shares with other DOIs of the same item."""
    keys = []
    if doi:
        for pattern, repl in _FAMILY:
            if pattern.match(doi):
                keys.append(pattern.sub(repl, doi))
    if title and (m := _SPE_IN_TITLE.search(title)):
        keys.append(f"onepetro:{m.group(1)}")
    return keys


def _suffix_key(doi: str | None) -> str | None:
    """The part after the prefix, when specific enough to name one item under two prefixes."""
    if not doi or "/" not in doi:
        return None
    suffix = doi.split("/", 1)[1]
    return suffix if len(suffix) >= 10 and re.search(r"[a-z]", suffix) and re.search(r"\d", suffix) else None


def _kind(title: str | None, work_type: str | None, doi: str | None, venue: str | None) -> str:
    text = normalize_title(title) or ""
    for pattern, kind in _COMPANION_TITLE:
        if pattern.search(text):
            return kind
    if work_type in _TYPE_KIND:
        return _TYPE_KIND[work_type]
    if (doi and _ABSTRACT_DOI.search(doi)) or (venue and _ABSTRACT_VENUE.search(venue)):
        return "abstract"
    if work_type == "other" and doi and doi.startswith(("10.5281/", "10.6084/")) and _VERSIONED.search(text):
        return "software"
    return "paper"


def _is_preprint_copy(doi: str | None, source: str, is_preprint: bool) -> bool:
    return source == "arxiv" or bool(doi and doi.startswith(PREPRINT_PREFIXES)) or bool(is_preprint)


@dataclass(frozen=True)
class _Record:
    key: str
    source: str
    title: str
    tokens: tuple[str, ...]
    numbers: frozenset
    acronyms: frozenset
    kind: str
    year: int | None
    doi: str | None
    dois: frozenset
    venue: str | None
    volume: str | None
    pages: int | None
    preprint: bool
    no_doi_repository: bool
    families: frozenset  # folded family names
    n_authors: int
    abstract: str
    doi_keys: frozenset = frozenset()  # doi_families of its DOIs and title
    suffixes: frozenset = frozenset()  # specific DOI suffixes


def _pages(first, last) -> int | None:
    try:
        return int(last) - int(first) + 1
    except (TypeError, ValueError):
        return None


def record_features(staged: Staged) -> dict[str, _Record]:
    """Return what the rules compare, per record."""
    fam: dict[str, list[str]] = {}
    for key, name in zip(staged.authorships["record_key"], staged.authorships["author_name"]):
        if family := family_key(name):
            fam.setdefault(key, []).append(family)
    dois: dict[str, set] = {}
    ids = staged.identifiers
    for key, value in zip(ids.loc[ids["scheme"] == "doi", "record_key"], ids.loc[ids["scheme"] == "doi", "value"]):
        dois.setdefault(key, set()).add(value)
    out = {}
    for r in staged.records.to_dict("records"):
        title = normalize_title(r["title"]) or ""
        tokens = tuple(title_tokens(title))
        doi = r["doi"] if isinstance(r["doi"], str) else None
        year = int(r["publication_year"]) if pd.notna(r["publication_year"]) else None
        source_type = r.get("source_type") if isinstance(r.get("source_type"), str) else None
        out[r["record_key"]] = _Record(
            key=r["record_key"], source=r["source"], title=title, tokens=tokens,
            numbers=frozenset(t for t in tokens if t.isdigit()),
            acronyms=frozenset(w for w in re.findall(r"\b[A-Z][A-Z0-9]{1,7}\b", title) if any(c.isalpha() for c in w)),
            kind=_kind(title, r["work_type"], doi, r["venue"] if isinstance(r["venue"], str) else None),
            year=year, doi=doi, dois=frozenset(dois.get(r["record_key"], ())),
            venue=r["venue"] if isinstance(r["venue"], str) else None,
            volume=r.get("volume") if isinstance(r.get("volume"), str) else None,
            pages=_pages(r.get("first_page"), r.get("last_page")),
            preprint=_is_preprint_copy(doi, r["source"], bool(r["is_preprint"])),
            no_doi_repository=doi is None and r["source"] == "openalex" and source_type in (None, "repository"),
            families=frozenset(fam.get(r["record_key"], ())), n_authors=int(r["author_count"] or 0),
            abstract=r["abstract"] if isinstance(r["abstract"], str) else "",
            doi_keys=frozenset(f for d in dois.get(r["record_key"], ()) for f in doi_families(d)) | frozenset(
                doi_families(None, title)),
            suffixes=frozenset(x for d in dois.get(r["record_key"], ()) if (x := _suffix_key(d))),
        )
    return out


def blocking_keys(staged: Staged, features: dict[str, _Record] | None = None) -> pd.DataFrame:
    """Return record_key, key: every value through which a record could be linked to another.

    The warehouse keeps these for every stored record, so a new record finds the stored ones it
    may belong with (and their works) without reading the whole warehouse. Every rule links only
    records that share a key.
    """
    features = features if features is not None else record_features(staged)
    ids = staged.identifiers[staged.identifiers["scheme"].isin(IDENTIFIER_SCHEMES)]
    rows = list(zip(ids["record_key"], ids["scheme"] + ":" + ids["value"]))
    for key, f in features.items():
        if f.tokens:
            rows.append((key, "tp:" + " ".join(f.tokens[:3])))
            rows.append((key, "ts:" + " ".join(f.tokens[-3:])))
        if f.families:
            rows.append((key, "au:" + " ".join(sorted(f.families))))
        for d in f.dois or ({f.doi} if f.doi else set()):
            rows += [(key, "df:" + fam) for fam in doi_families(d)]
            if suffix := _suffix_key(d):
                rows.append((key, "ds:" + suffix))
        rows += [(key, "df:" + fam) for fam in doi_families(None, f.title)]
    return pd.DataFrame(rows, columns=["record_key", "key"]).drop_duplicates(ignore_index=True)


def candidate_pairs(keys: pd.DataFrame, features: dict[str, _Record] | None = None) -> dict[tuple[str, str], bool]:
    """Return the record pairs that share a blocking key, each with whether only the author-set key proposed it.

    Keys held by more than MAX_BLOCK records propose none. An author set alone can only serve the
    two rules that compare a copy with the published paper (`repository_copy`,
    `preprint_revised_title`), so it pairs a preprint or repository copy with another record only.
    """
    pairs: dict[tuple[str, str], bool] = {}
    grouped = keys.groupby("key")["record_key"].agg(lambda s: sorted(set(s)))
    for key, members in grouped.items():
        if not 1 < len(members) <= MAX_BLOCK:
            continue
        by_authors = key.startswith("au:")
        for pair in combinations(members, 2):
            if by_authors:
                if pair in pairs:
                    continue
                if features is not None and not _author_set_pair(features[pair[0]], features[pair[1]]):
                    continue
                pairs[pair] = True
            else:
                pairs[pair] = False
    return dict(sorted(pairs.items()))


def _author_set_pair(a: _Record, b: _Record) -> bool:
    """Whether a pair proposed only by its author set can meet a rule that needs no shared title words."""
    return _copy_and_paper(a, b) or _copernicus_pair(a, b)


def _copy_and_paper(a: _Record, b: _Record) -> bool:
    return a.kind == b.kind == "paper" and (a.preprint != b.preprint or a.no_doi_repository != b.no_doi_repository)


def _harmonize(a: _Record, b: _Record) -> tuple[str, str]:
    """Return both titles' words with an abbreviation in one spelled out as in the other ('GOSP' -> gas oil separation plant)."""
    ta, tb = list(a.tokens), list(b.tokens)
    for src, dst, acronyms in ((ta, tb, a.acronyms), (tb, ta, b.acronyms)):
        for acro in acronyms:
            low = acro.lower()
            if low not in src or low in dst:
                continue
            n = len(low)
            for i in range(len(dst) - n + 1):
                if "".join(t[0] for t in dst[i:i + n]) == low:
                    dst[i:i + n] = [low]
                    break
    return " ".join(ta), " ".join(tb)


def _words_differ_in_substance(wa: str, wb: str) -> bool:
    """Whether two near-equal titles say different things: a word replaced by an unlike word
    ('salinity' / 'temperature'), or more than two words added."""
    ta, tb = wa.split(), wb.split()
    added = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op in ("insert", "delete"):
            added += (i2 - i1) + (j2 - j1)
        elif op == "replace":
            left, right = ta[i1:i2], tb[j1:j2]
            if len(left) == len(right):
                if any(fuzz.ratio(x, y) < 75 for x, y in zip(left, right)):
                    return True
            elif fuzz.ratio("".join(left), "".join(right)) < 80:  # 'nano silica' / 'nanosilica' is one word
                return True
    return added > 2


def _authors_agree(a: _Record, b: _Record) -> bool:
    fa, fb = a.families, b.families
    if not fa or not fb:
        return False
    shared = len(fa & fb)
    if max(len(fa), len(fb)) > 10:
        return shared / len(fa | fb) >= 0.7
    return shared >= 1 and shared >= max(len(fa), len(fb)) - 1


def _same_people(a: _Record, b: _Record) -> bool:
    return bool(a.families) and a.families == b.families and a.n_authors == b.n_authors


def _years_close(a: _Record, b: _Record, preprint_slack: int = 4) -> bool:
    if a.year is None or b.year is None:
        return True
    early, late = (a, b) if a.year <= b.year else (b, a)
    return late.year - early.year <= (preprint_slack if early.preprint and not late.preprint else 2)


def _erratum_like(a: _Record, b: _Record) -> bool:
    """Two items of one journal that can't be one article: other volumes, or one of them a page or two."""
    if not (a.venue and a.venue == b.venue and a.doi and b.doi):
        return False
    if a.volume and b.volume and a.volume != b.volume:
        return True
    return bool(a.pages and b.pages and min(a.pages, b.pages) <= 2 < max(a.pages, b.pages))


def _evidence(a: _Record, b: _Record, **extra) -> dict:
    return {"titles": [a.title, b.title], "years": [a.year, b.year], "kinds": [a.kind, b.kind], **extra}


def _identifier_link(a: _Record, b: _Record) -> tuple[str, float, dict] | None:
    if shared := sorted(a.doi_keys & b.doi_keys):
        if a.families & b.families or not (a.families and b.families):
            return "doi_family", 1.0, {"family": shared[0], "dois": [a.doi, b.doi]}
    suffixes = a.suffixes & b.suffixes
    if suffixes and fuzz.ratio(*_harmonize(a, b)) >= 80 and _authors_agree(a, b):
        return "doi_family", 0.95, {"doi_suffix": sorted(suffixes)[0], "dois": [a.doi, b.doi]}
    return None


def _title_link(a: _Record, b: _Record) -> tuple[str, float, dict] | None:
    if a.kind != b.kind or not a.tokens or not b.tokens:
        return None
    wa, wb = _harmonize(a, b)
    ratio = max(fuzz.ratio(wa, wb), fuzz.token_sort_ratio(wa, wb))
    discussion = _copernicus_pair(a, b)
    people = _authors_agree(a, b)
    if discussion and ratio >= COPERNICUS_MIN_RATIO and people and _years_close(a, b):
        return "copernicus_discussion", ratio / 100, _evidence(a, b, dois=[a.doi, b.doi], title_ratio=round(ratio, 1))
    if a.numbers != b.numbers or _erratum_like(a, b):
        return None
    if ratio >= TITLE_MIN_RATIO and people and _years_close(a, b) and not _words_differ_in_substance(wa, wb):
        return "title_authors", ratio / 100, _evidence(a, b, title_ratio=round(ratio, 1),
                                                      shared_family_names=sorted(a.families & b.families))
    return _copy_link(a, b, wa, wb)


def _copy_link(a: _Record, b: _Record, wa: str | None = None, wb: str | None = None) -> tuple[str, float, dict] | None:
    """The two rules for a copy and the paper by exactly the same people: a repository copy, a revised preprint."""
    if not _copy_and_paper(a, b) or not _same_people(a, b) or not a.tokens or not b.tokens:
        return None
    if wa is None:
        wa, wb = _harmonize(a, b)
    contained = fuzz.token_set_ratio(wa, wb)
    if ((a.no_doi_repository != b.no_doi_repository) and contained == 100 and min(len(a.tokens), len(b.tokens)) >= 5
            and _years_close(a, b, preprint_slack=1)):
        return "repository_copy", contained / 100, _evidence(a, b, title_token_set=contained)
    if a.preprint != b.preprint and contained >= REVISED_MIN_TOKEN_SET and len(a.abstract) >= 200 and len(b.abstract) >= 200:
        pre, pub = (a, b) if a.preprint else (b, a)
        abstract = fuzz.token_set_ratio(pre.abstract, pub.abstract)
        if abstract >= ABSTRACT_MIN_RATIO and pre.year is not None and pub.year is not None and 0 <= pub.year - pre.year <= 3:
            return "preprint_revised_title", abstract / 100, _evidence(a, b, title_token_set=round(contained, 1),
                                                                        abstract_ratio=round(abstract, 1))
    return None


def _copernicus_pair(a: _Record, b: _Record) -> bool:
    for d, f in ((a, b), (b, a)):
        md = next((m for p in _COPERNICUS_DISCUSSION if (m := p.match(d.doi or ""))), None)
        mf = _COPERNICUS_FINAL.match(f.doi or "")
        if md and mf and md.group(1) in (mf.group(1), "egusphere"):
            return True
    return False


def find_links(staged: Staged, features: dict[str, _Record] | None = None,
               keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return every link between two records of `staged` (record_a < record_b), with its rule, score and evidence."""
    features = features if features is not None else record_features(staged)
    keys = keys if keys is not None else blocking_keys(staged, features)
    rows = []
    ids = staged.identifiers[staged.identifiers["scheme"].isin(IDENTIFIER_SCHEMES)]
    for scheme in IDENTIFIER_SCHEMES:
        shared = ids[(ids["scheme"] == scheme) & ids["value"].duplicated(keep=False)]
        for value, members in shared.groupby("value")["record_key"].agg(lambda s: sorted(set(s))).items():
            rows += [(members[0], other, f"shared_{scheme}", 1.0, {scheme: value}) for other in members[1:]]
    for (ka, kb), by_authors_only in candidate_pairs(keys, features).items():
        a, b = features[ka], features[kb]
        if by_authors_only:
            found = _title_link(a, b) if _copernicus_pair(a, b) else _copy_link(a, b)
        else:
            found = _identifier_link(a, b) or _title_link(a, b)
        if found:
            rows.append((ka, kb, found[0], found[1], found[2]))
    out = pd.DataFrame([(a, b, rule, round(float(score), 4), json.dumps(ev, sort_keys=True, ensure_ascii=False))
                        for a, b, rule, score, ev in rows], columns=LINK_COLUMNS)
    return out.drop_duplicates(["record_a", "record_b"], ignore_index=True)
