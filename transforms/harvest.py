"""Which harvested arXiv records could be a tracked author's: their names matched locally (pure).

arXiv has no author ids: its name search returns homonyms too, and attribution decides. A
harvest is matched the same way, by the printed names (`name_match_score` > 0: the same name,
reordered, or compatible initials), so a nightly's arXiv candidates are what the name search
would have added, without a request per author.
"""

from __future__ import annotations

from transforms.normalize import family_key, fold, name_match_score

__all__ = ["match_harvest"]


def _keys(name: str) -> set[str]:
    """Family names a printed name may file under: its parsed family name, and every folded token (a
    reordered "Liu Boxiao" files under "liu" too)."""
    keys = set((fold(name) or "").split())
    family = family_key(name)
    return keys | {family} if family else keys


def match_harvest(entries: list[dict], names: dict[str, str]) -> dict[str, list[dict]]:
    """Return {author id: the entries one of whose authors could be them, in harvest order} for the authors'
    printed names (an author without a name is left out)."""
    by_family: dict[str, list[tuple[str, int]]] = {}
    for position, entry in enumerate(entries):
        for author in entry.get("authors") or []:
            printed = author.get("name") or ""
            for key in _keys(printed):
                by_family.setdefault(key, []).append((printed, position))
    matched: dict[str, list[dict]] = {}
    for author_id, name in names.items():
        if not name:
            continue
        found = {position for key in _keys(name) for printed, position in by_family.get(key, [])
                 if name_match_score(name, printed) > 0}
        matched[author_id] = [entries[p] for p in sorted(found)]
    return matched
