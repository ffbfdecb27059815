"""Value-level normalizers: titles, person names, ids, DOIs, types, venues, categories, abstracts.

Every function here is pure and total: None (or NaN) in gives None out, never an exception.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from functools import lru_cache

from nameparser import HumanName
from pylatexenc.latex2text import LatexNodes2Text
from rapidfuzz import fuzz

__all__ = [
    "clean_text",
    "strip_markup",
    "normalize_title",
    "fold",
    "title_key",
    "title_tokens",
    "normalize_person_name",
    "name_parts",
    "family_key",
    "name_match_score",
    "arxiv_id",
    "is_arxiv_url",
    "dois_in",
    "normalize_doi",
    "normalize_work_type",
    "normalize_venue",
    "category_short",
    "subfield_of_category",
    "abstract_from_inverted_index",
    "find_code_url",
    "openalex_short_id",
    "normalize_orcid",
    "date_part",
]

_WS = re.compile(r"\s+")
_LATEX = LatexNodes2Text(math_mode="text")
_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss", "æ": "ae", "Æ": "AE",
     "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d"}
)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def clean_text(value) -> str | None:
    """Return NFC text with whitespace runs collapsed, or None for missing/blank."""
    if _missing(value):
        return None
    text = _WS.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    return text or None


def _tex_to_text(text: str) -> str:
    if "\\" not in text and "$" not in text:
        return text
    # Bare % and & are literal in titles; LaTeX would read them as a comment and a tab stop.
    protected = re.sub(r"(?<!\\)([%&#])", r"\\\1", text)
    try:
        converted = _LATEX.latex_to_text(protected)
    except Exception:  # pylatexenc raises assorted errors on broken markup: keep the original
        return text
    return converted if converted.strip() else text


_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ")
_SCRIPT = re.compile(r"(\s*)<(sub|sup)\b[^<>]*>(.*?)</\2\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _script(m: re.Match) -> str:
    """H<sub>2</sub>O -> H₂O where every character has a Unicode sub/superscript, else H2O."""
    space, kind, inner = m.group(1), m.group(2).lower(), _TAG.sub("", m.group(3)).strip()
    scripted = inner.translate(_SUB if kind == "sub" else _SUP)
    mapped = all(a != b or a.isspace() for a, b in zip(inner, scripted))
    return scripted if inner and mapped else space + inner


def strip_markup(value) -> str | None:
    """Return text with HTML/MathML/JATS markup removed and entities decoded, however often the source escaped them.

    'CO<sub>2</sub>' -> 'CO₂'; '<i>Drosophila</i>' -> 'Drosophila'; 'ASIS&amp;T' -> 'ASIS&T';
    '&lt;sub&gt;2&lt;/sub&gt;' -> '₂'. A '<' that opens no tag ('p < 0.05') stays.
    """
    text = clean_text(value)
    if not text or ("<" not in text and "&" not in text):
        return text
    for _ in range(3):  # sources escape entities once, twice ("&amp;amp;"), or escape the markup itself
        decoded = html.unescape(text)
        decoded = _BREAK.sub(" ", decoded)
        decoded = _SCRIPT.sub(_script, decoded)
        decoded = _TAG.sub("", decoded)
        if decoded == text:
            break
        text = decoded
    return clean_text(text)


def normalize_title(value) -> str | None:
    """Return a readable title: markup stripped, entities decoded, TeX turned into text, whitespace collapsed."""
    text = strip_markup(value)
    return clean_text(_tex_to_text(text)) if text else None


def fold(value) -> str | None:
    """Return a matching key: accents and case removed, punctuation turned into single spaces."""
    text = clean_text(value)
    if not text:
        return None
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text).strip()
    return text or None


def title_key(value) -> str | None:
    """Return the folded key of a title, for matching copies of one paper."""
    return fold(normalize_title(value))


_STOPWORDS = frozenset("a an the of for in on and to with by at from via its their as into using is are".split())
# British spellings onto American ones, so "optimised" and "optimized" compare equal.
_SPELLING = [(re.compile(p), r) for p, r in (
    (r"(?<=\w\w)is(e|es|ed|ing|ation|ations)$", r"iz\1"), (r"(?<=\w\w)ys(e|es|ed|ing)$", r"yz\1"),
    (r"(?<=\w\w)our$", "or"), (r"(?<=\w\w)tre$", "ter"), (r"^modell", "model"), (r"^labell", "label"),
    (r"(?<=\w\w)ogue$", "og"), (r"^aluminium$", "aluminum"), (r"^sulph", "sulf"), (r"^aetiolog", "etiolog"),
)]
_PARENTHESES = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _stem(token: str) -> str:
    for pattern, repl in _SPELLING:
        token = pattern.sub(repl, token)
    if len(token) > 3 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def title_tokens(value) -> list[str]:
    """Return the words two copies of one title share: folded, stop words out, parentheses out,
    British spellings and plurals brought to one form ('Optimised Networks (ONs)' -> ['optimized', 'network'])."""
    title = normalize_title(value)
    if not title:
        return []
    bare = _PARENTHESES.sub(" ", title)
    folded = fold(bare if fold(bare) else title) or ""
    return [_stem(t) for t in folded.split() if t not in _STOPWORDS]


_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def normalize_person_name(value) -> str | None:
    """Return a name as 'First Last': NFC, "Last, First" reordered, "N.Gomez" spaced."""
    text = clean_text(value)
    if not text:
        return None
    if text.count(",") == 1:
        last, first = (p.strip() for p in text.split(","))
        if first and first.lower() not in _SUFFIXES:
            text = f"{first} {last}"
    text = re.sub(r"(?<=\b[A-Z]\.)(?=[A-Z][a-z])", " ", text)
    return clean_text(text)


_PARTICLES = frozenset("van von der den de del della di da du la le lo ter ten dos das".split())


@lru_cache(maxsize=200_000)
def _parsed_name(text: str) -> tuple[tuple[str, ...], str, str] | None:
    """(folded given-name tokens, compact family name, compact family name without particles) of a name."""
    human = HumanName(text)
    last = human.last or human.first
    given = " ".join(p for p in (human.first if human.last else "", human.middle) if p)
    family = fold(last)
    if not family:
        return None
    tokens = family.split()
    bare = [t for t in tokens if t not in _PARTICLES] or tokens
    return tuple((fold(given) or "").split()), "".join(tokens), "".join(bare)


def name_parts(value) -> tuple[list[str], str] | None:
    """Return (folded given-name tokens, folded family name) of a person name, or None.

    A real name parser (nameparser) finds the family name, so particles and suffixes are
    handled ('Juan de la Cruz' -> 'delacruz', 'Martin Luther King Jr.' -> 'king'), and the family
    name is compacted so spellings agree ('Le Cun' / 'LeCun', 'Al-Shuhail' / 'Alshuhail').
    """
    text = normalize_person_name(value)
    parsed = _parsed_name(text) if text else None
    return (list(parsed[0]), parsed[1]) if parsed else None


def family_key(value) -> str | None:
    """Return the compact folded family name of a person name ('Yann Le Cun' -> 'lecun'), or None."""
    parts = name_parts(value)
    return parts[1] if parts else None


def _same_family(a: tuple, b: tuple) -> bool:
    if a[1] == b[1] or a[2] == b[2]:
        return True
    return min(len(a[1]), len(b[1])) >= 6 and fuzz.ratio(a[1], b[1]) >= 92  # one slip in a long name


def name_match_score(a, b) -> float:
    """Return how well two printed names denote one person: 1 same, 0.8 reordered, 0.5 initials, 0 no."""
    ta, tb = normalize_person_name(a), normalize_person_name(b)
    pa, pb = (_parsed_name(ta) if ta else None), (_parsed_name(tb) if tb else None)
    if not pa or not pb:
        return 0.0
    if _same_family(pa, pb) and pa[0] == pb[0]:
        return 1.0
    fa, fb = fold(ta) or "", fold(tb) or ""
    if sorted(fa.split()) == sorted(fb.split()):
        return 0.8  # "Liu Boxiao" / "Boxiao Liu"
    if not _same_family(pa, pb) or not pa[0] or not pb[0]:
        return 0.0
    ga, gb = pa[0], pb[0]
    if "".join(ga) == "".join(gb):
        return 1.0  # "Jean-Pierre" / "Jean Pierre"
    # Initials compatible: "J. Priem" / "Jason Priem", "J Q Public" / "John Q. Public".
    if ga[0][0] == gb[0][0] and (len(ga[0]) == 1 or len(gb[0]) == 1):
        return 0.5
    return 0.0


_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
# arXiv is served from arxiv.org, export.arxiv.org, mirrors and the Cornell export hosts.
_ARXIV_HOST = r"(?:arxiv\.org|arxiv-export[\w-]*\.library\.cornell\.edu|xxx\.lanl\.gov)"
_ARXIV = re.compile(
    rf"(?:{_ARXIV_HOST}/(?:abs|pdf)/|arxiv[:.]\s*|^)({_NEW_ID}|{_OLD_ID})(?:v\d+)?(?:\.pdf)?(?:$|[^\d])",
    re.IGNORECASE,
)
_ARXIV_URL = re.compile(rf"^https?://(?:[\w-]+\.)*{_ARXIV_HOST}/", re.IGNORECASE)


def is_arxiv_url(value) -> bool:
    """Return whether a URL points at arXiv (any of its hosts)."""
    return bool(_ARXIV_URL.match(clean_text(value) or ""))


_DOI_IN_TEXT = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>]+)", re.IGNORECASE)


def dois_in(value) -> list[str]:
    """Return the DOIs written in a URL or a text ('https://doi.org/10.1/x', '…/doi/full/10.1/x')."""
    text = clean_text(value)
    if not text:
        return []
    return [d for m in _DOI_IN_TEXT.finditer(text) if (d := normalize_doi(m.group(1).rstrip(".,;)]")))]


def arxiv_id(value) -> str | None:
    """Return the version-less arXiv id in an id, URL or DOI ('hep-th/9711200', '1706.03762')."""
    text = clean_text(value)
    if not text:
        return None
    m = _ARXIV.search(text)
    if not m:
        return None
    ident = m.group(1)
    if "/" in ident:
        archive, number = ident.split("/")
        head, _, sub = archive.partition(".")
        return f"{head.lower()}{'.' + sub.upper() if sub else ''}/{number}"
    return ident


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalize_doi(value) -> str | None:
    """Return a DOI in lower case without resolver prefix, or None if it isn't one."""
    text = clean_text(value)
    if not text:
        return None
    text = _DOI_PREFIX.sub("", text).strip().lower()
    return text if text.startswith("10.") and "/" in text else None


_TYPE_MAP = {
    "posted-content": "preprint",
    "journal-article": "article",
    "proceedings-article": "article",
    "book-chapter": "book-chapter",
    "dissertation": "dissertation",
}


def normalize_work_type(value, source: str = "openalex") -> str:
    """Return a work type word (preprint, article, review, ...); arXiv records are preprints."""
    if source == "arxiv":
        return "preprint"
    text = fold(value)
    if not text:
        return "other"
    text = text.replace(" ", "-")
    return _TYPE_MAP.get(text, text)


def normalize_venue(value) -> str | None:
    """Return a venue's display name ('arXiv (Cornell University)' -> 'arXiv')."""
    text = strip_markup(value)
    if not text:
        return None
    if fold(text).startswith("arxiv"):
        return "arXiv"
    return text


def category_short(value) -> str | None:
    """Return the short code of an arXiv category ('cs.CV' -> 'CV', 'hep-th' -> 'hep-th')."""
    text = clean_text(value)
    if not text:
        return None
    return text.split(".", 1)[1] if "." in text else text


# arXiv categories onto OpenAlex subfields (ASJC names), so an arXiv-only paper and an OpenAlex
# one land in one comparison cohort. Prefix matches: the longest wins.
_CATEGORY_SUBFIELD = {
    "cs.CV": "Computer Vision and Pattern Recognition", "eess.IV": "Computer Vision and Pattern Recognition",
    "cs.LG": "Artificial Intelligence", "cs.AI": "Artificial Intelligence", "stat.ML": "Artificial Intelligence",
    "cs.CL": "Artificial Intelligence", "cs.NE": "Artificial Intelligence", "cs.RO": "Artificial Intelligence",
    "cs.MA": "Artificial Intelligence", "cs.IR": "Information Systems", "cs.DB": "Information Systems",
    "cs.NI": "Computer Networks and Communications", "cs.HC": "Human-Computer Interaction", "cs.SE": "Software",
    "cs.PL": "Software", "cs.AR": "Hardware and Architecture", "cs.CC": "Computational Theory and Mathematics",
    "cs.DS": "Computational Theory and Mathematics", "cs.CR": "Computer Networks and Communications",
    "eess.SP": "Signal Processing", "eess.AS": "Signal Processing", "cs.SD": "Signal Processing",
    "hep-": "Nuclear and High Energy Physics", "nucl-": "Nuclear and High Energy Physics",
    "cond-mat": "Condensed Matter Physics", "astro-ph": "Astronomy and Astrophysics",
    "quant-ph": "Atomic and Molecular Physics, and Optics", "physics.optics": "Atomic and Molecular Physics, and Optics",
    "nlin": "Statistical and Nonlinear Physics", "gr-qc": "Astronomy and Astrophysics",
    "q-bio": "Molecular Biology", "math": "Applied Mathematics", "stat": "Statistics and Probability",
    "econ": "Economics and Econometrics", "q-fin": "Finance", "math-ph": "Mathematical Physics",
    # Every other category of an archive: that archive's general subfield, so no card shows a bare code.
    "cs": "Computer Science Applications", "physics": "General Physics and Astronomy",
    "eess": "Electrical and Electronic Engineering",
}


def subfield_of_category(value) -> str | None:
    """Return the OpenAlex subfield an arXiv category belongs to ('cs.CV' -> 'Computer Vision and
    Pattern Recognition'), or None for a category not mapped."""
    text = clean_text(value)
    if not text:
        return None
    matches = [k for k in _CATEGORY_SUBFIELD if text == k or text.startswith(k if k.endswith("-") else k + ".")]
    return _CATEGORY_SUBFIELD[max(matches, key=len)] if matches else None


def abstract_from_inverted_index(index) -> str | None:
    """Return the abstract text of an OpenAlex inverted index (repeated words kept in place)."""
    if not index or not isinstance(index, dict):
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        for pos in positions or []:
            slots[int(pos)] = word
    if not slots:
        return None
    return strip_markup(" ".join(slots[i] for i in sorted(slots)))


_CODE_URL = re.compile(
    r"(?<![\w.])(?:https?://)?(?:www\.)?"
    r"(?:(?:github\.com|gitlab\.com|bitbucket\.org)/(?!(?:orgs|topics|features|sponsors|about)/)"
    r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
    r"|huggingface\.co/(?:spaces/|datasets/)?(?!(?:papers|docs|blog)/)[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)",
    re.IGNORECASE,
)


def find_code_url(*texts) -> str | None:
    """Return the first code-repository URL in the texts (a *.github.io project page is not code)."""
    for text in texts:
        if _missing(text) or not text:
            continue
        m = _CODE_URL.search(str(text))
        if m:
            url = m.group(0).rstrip(".,;:)]}'\"")
            if url.endswith(".git"):
                url = url[:-4]
            return url if url.lower().startswith("http") else f"https://{url}"
    return None


def openalex_short_id(value) -> str | None:
    """Return 'W123' / 'A123' / 'I123' from an OpenAlex id URL or bare id."""
    text = clean_text(value)
    return text.rsplit("/", 1)[-1] if text else None


def normalize_orcid(value) -> str | None:
    """Return a bare upper-case ORCID from an ORCID URL or id ('https://orcid.org/…-000x' -> '…-000X')."""
    text = clean_text(value)
    return text.rsplit("/", 1)[-1].upper() if text else None


def date_part(value) -> str | None:
    """Return the YYYY-MM-DD part of an ISO date or timestamp."""
    text = clean_text(value)
    if not text:
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    return m.group(1) if m else None
