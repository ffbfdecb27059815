"""Static profile pages: the published warehouse's views in, self-contained HTML out.

`render_site` reads only `profile_card`, `profile_works` and `profile_graph` (warehouse/reads.py)
and writes `index.html` plus `authors/<id>.html`. Pages carry their CSS and their charts
(inline SVG) and load nothing from anywhere: they work opened from disk, with no network.
Jinja2 autoescaping is on for every template, so a source's text is shown, never run.

The output folder is written beside itself and swapped in whole (scholarflow/outdir.py); a
folder that was not made by `scholarflow site` is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from scholarflow.outdir import replaced_folder
from transforms.normalize import strip_markup
from warehouse.reads import records, site_data

__all__ = ["render_site", "SiteResult", "shown", "bar_chart", "research_graph", "page_names", "MARKER"]

MARKER = ".scholarflow-site"
NOT_KNOWN = "not known"
GRAPH_LIMITS = {"paper": 12, "coauthor": 8, "topic": 5, "institution": 3}
# The research graph's box: 360 wide, so a 390 px phone draws it at about 1:1 and its labels at
# about FONT px (the browser test measures them: at least 11 px, none overlapping).
GRAPH_WIDTH, ROW, FONT, SPINE_X, NODE_X, ARC_MAX = 360, 26, 14, 14, 52, 34
LABEL_CHARS = 36  # what fits in the 290 px right of the nodes at FONT px


@dataclass
class SiteResult:
    out: Path
    pages: int
    authors: int
    works: int


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def shown(value, digits: int | None = None, suffix: str = "") -> str:
    """Return a value as a page shows it: 'not known' where unknown, never 'None' or 'nan'."""
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return NOT_KNOWN
    if isinstance(value, float) and digits is not None:
        return f"{value:,.{digits}f}{suffix}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{int(value):,}{suffix}" if float(value).is_integer() else f"{value:,.1f}{suffix}"
    return f"{value}{suffix}"


def _year(value) -> str:
    return NOT_KNOWN if _missing(value) else str(int(value))


def _date(value) -> str:
    if _missing(value):
        return NOT_KNOWN
    if isinstance(value, str):
        value = datetime.fromisoformat(value[:10]).date()
    if isinstance(value, (datetime, pd.Timestamp)):
        value = value.date()
    return f"{value:%b} {value.day}, {value.year}" if isinstance(value, date) else str(value)


def bar_chart(points: list[dict], width: int = 640, height: int = 200) -> dict:
    """Return the geometry of a citations-per-year bar chart (coordinates in a width x height box)."""
    points = [p for p in (points or []) if not _missing(p.get("year"))]
    if not points:
        return {"bars": [], "width": width, "height": height, "max": 0}
    top = max(int(p["cited_by_count"]) for p in points) or 1
    left, bottom, room = 8, 28, 22
    slot = (width - 2 * left) / len(points)
    bars = []
    for i, p in enumerate(sorted(points, key=lambda p: p["year"])):
        value = int(p["cited_by_count"])
        h = (height - bottom - room) * value / top
        bars.append({"x": round(left + i * slot + slot * 0.15, 1), "w": round(slot * 0.7, 1),
                     "y": round(height - bottom - h, 1), "h": round(h, 1), "year": int(p["year"]), "value": value,
                     "cx": round(left + i * slot + slot / 2, 1)})
    return {"bars": bars, "width": width, "height": height, "max": top, "base": height - bottom}


def _short(text: str, room: int) -> str:
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def research_graph(author: str, edges: pd.DataFrame, mine: set[str], width: int = GRAPH_WIDTH) -> dict:
    """Return the geometry of an author's research graph, drawn so that it cannot overlap.

    Every node has a row of its own (ROW px high, labels FONT px in a `width`-wide box, so a
    phone 390 px wide shows them at about FONT px). Papers come first: the author's works and
    the nearby papers, with an arc for each work-work edge (shared references or similar text)
    on the left; then co-authors, topics and institutions, each tied to the author by the spine.
    """
    rows, arcs, spine = [], [], []
    y = ROW
    rows.append({"kind": "author", "y": y, "label": author, "short": _short(author, LABEL_CHARS), "strong": True, "weight": ""})
    nearby = edges[edges["edge_type"].str.startswith("nearby_work:")]
    pairs = [(et.split(":", 1)[1], r["target_id"], r) for et, r in zip(nearby["edge_type"], records(nearby))]
    pairs.sort(key=lambda p: -float(p[2]["weight"] or 0))
    titles = {dst: r["target_label"] for _, dst, r in pairs}
    papers: dict[str, int] = {}  # work id -> its row's y, in the order the strongest edges name them
    for src, dst, _ in pairs:
        if len(papers) < GRAPH_LIMITS["paper"] or (src in papers and dst in papers):
            papers.setdefault(src, 0)
            papers.setdefault(dst, 0)
    if papers:
        y += ROW
        rows.append({"kind": "header", "y": y, "label": "Papers: the author's (filled) and nearby ones"})
        for wid in papers:
            y += ROW
            label = shown(titles.get(wid) or wid)
            papers[wid] = y
            rows.append({"kind": "work" if wid in mine else "nearby", "y": y, "label": label,
                         "short": _short(label, LABEL_CHARS), "strong": wid in mine, "id": wid, "weight": ""})
        top = max((float(r["weight"] or 0) for _, _, r in pairs), default=1.0) or 1.0
        seen = set()
        for src, dst, r in pairs:
            if src in papers and dst in papers and frozenset((src, dst)) not in seen:
                seen.add(frozenset((src, dst)))
                y1, y2 = sorted((papers[src], papers[dst]))
                arcs.append({"y1": y1, "y2": y2, "rx": round(min(ARC_MAX, 8 + (y2 - y1) / 6), 1), "ry": (y2 - y1) / 2, "x": NODE_X,
                             "w": round(0.8 + 2.4 * float(r["weight"] or 0) / top, 1), "strong": bool(r["is_strong"])})
    for kind, title in (("coauthor", "Co-authors"), ("topic", "Topics"), ("institution", "Institutions")):
        group = edges[edges["edge_type"] == kind].head(GRAPH_LIMITS[kind])
        if not len(group):
            continue
        y += ROW
        rows.append({"kind": "header", "y": y, "label": title})
        for r in records(group):
            y += ROW
            label = shown(r["target_label"])
            rows.append({"kind": kind, "y": y, "label": label, "short": _short(label, LABEL_CHARS), "strong": bool(r["is_strong"]),
                         "weight": shown(r["weight"], 2) if kind == "topic" else shown(r["weight"])})
            spine.append(y)
    return {"width": width, "height": y + ROW, "rows": rows, "arcs": arcs, "spine": spine, "author_y": ROW,
            "spine_x": SPINE_X, "node_x": NODE_X, "label_x": NODE_X + 12, "font": FONT}


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("scholarflow", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["shown"] = shown
    env.filters["date"] = _date
    env.filters["year"] = _year
    env.filters["text"] = lambda v: shown(strip_markup(v))  # a source's raw field: markup and entities decoded once
    return env


def page_names(work_ids) -> dict[str, str]:
    """Return each work id's page file name: the id with every character a file or URL would trip on
    replaced by '_' ('doi:10.1007/x' -> 'doi_10.1007_x.html'); a name two ids share gets -2, -3, ... in id order."""
    names, taken = {}, {}
    for wid in sorted(set(work_ids)):
        base = re.sub(r"[^A-Za-z0-9._-]", "_", wid)
        n = taken.get(base, 0) + 1
        taken[base] = n
        names[wid] = f"{base}.html" if n == 1 else f"{base}-{n}.html"
    return names


def _listed(value) -> list[dict]:
    """A list column of a view as a list of dicts ([] where NULL)."""
    return [] if value is None else [dict(v) for v in value]


def _novelty_text(w: dict) -> str:
    """What a page says of a work's novelty: its percentile and cohort, or why there is none."""
    if w.get("novelty_pct") is not None:
        return f"novelty {_ordinal(w['novelty_pct'])} percentile of {int(w['novelty_cohort_size']):,} texts ({w['novelty_cohort']})"
    if w.get("novelty") is not None:
        size, need = w.get("novelty_cohort_size"), w.get("novelty_min_cohort")
        return (f"novelty: not enough comparable works ({0 if size is None else int(size)} texts of its field in any year; "
                f"{shown(need)} needed)")
    return "novelty not known"


def _ordinal(value: float) -> str:
    n = int(round(float(value)))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _page_works(works: pd.DataFrame, names: dict[str, str], prefix: str) -> list[dict]:
    out = []
    for w in records(works):
        out.append({**w, "date": _date(w["published_on"]), "page": prefix + names[w["work_id"]],
                    "novelty_text": _novelty_text(w)})
    return out


def _graph_lists(edges: pd.DataFrame) -> dict:
    lists = {}
    for kind in ("coauthor", "topic", "institution"):
        lists[kind] = records(edges[edges["edge_type"] == kind])
    nearby = edges[edges["edge_type"].str.startswith("nearby_work:")]
    lists["nearby"] = records(nearby.sort_values("weight", ascending=False).drop_duplicates("target_id").head(12))
    return lists


def render_site(warehouse: Path, out: Path, generated_at: datetime | None = None) -> SiteResult:
    """Render the index, one page per author and one per attributed work from the published warehouse into `out`."""
    cards, works, graph, details = site_data(warehouse)
    env = _environment()
    stamp = (generated_at or datetime.now()).strftime("%Y-%m-%d %H:%M")
    names = page_names(works["work_id"])
    by_work = {d["work_id"]: d for d in records(details)}
    with replaced_folder(Path(out), MARKER, "scholarflow site") as tmp:
        (tmp / "authors").mkdir()
        (tmp / "works").mkdir()
        card_rows = records(cards)
        authors_of: dict[str, list[dict]] = {}
        for card in card_rows:
            aid = card["author_id"]
            mine = works[works["author_id"] == aid]
            for wid in mine["work_id"]:
                authors_of.setdefault(wid, []).append(card)
            edges = graph[graph["author_id"] == aid]
            per_year = _listed(card["citations_by_year"])
            html = env.get_template("author.html.j2").render(
                card=card, works=_page_works(mine, names, "../works/"), chart=bar_chart(per_year),
                graph=research_graph(card["display_name"] or aid, edges, set(mine["work_id"])), lists=_graph_lists(edges),
                generated_at=stamp, home="../index.html",
            )
            (tmp / "authors" / f"{aid}.html").write_text(html, encoding="utf-8")
        pages = len(card_rows) + 1
        for w in _page_works(works.drop_duplicates("work_id"), names, ""):
            d = by_work.get(w["work_id"], {})
            html = env.get_template("work.html.j2").render(
                w=w, records=_listed(d.get("records")), links=_listed(d.get("merge_links")),
                authors=_listed(d.get("authors")), basis=_listed(d.get("novelty_basis")), nearby=_listed(d.get("nearby")),
                detail=d, chart=bar_chart(_listed(d.get("citations_by_year"))), shown_on=authors_of.get(w["work_id"], []),
                pages=names, generated_at=stamp, home="../index.html",
            )
            (tmp / "works" / names[w["work_id"]]).write_text(html, encoding="utf-8")
            pages += 1
        (tmp / "index.html").write_text(env.get_template("index.html.j2").render(cards=card_rows, generated_at=stamp,
                                                                                 home="index.html"), encoding="utf-8")
    return SiteResult(out=Path(out), pages=pages, authors=len(card_rows), works=len(names))
