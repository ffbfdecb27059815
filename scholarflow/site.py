"""Static profile pages: the published warehouse's views in, self-contained HTML out.

`render_site` reads only `profile_card`, `profile_works` and `profile_graph` (warehouse/reads.py)
and writes `index.html` plus `authors/<id>.html`. Pages carry their CSS and their charts
(inline SVG) and load nothing from anywhere: they work opened from disk, with no network.
Jinja2 autoescaping is on for every template, so a source's text is shown, never run.

The output folder is written beside itself and swapped in whole (scholarflow/outdir.py); a
folder that was not made by `scholarflow site` is never overwritten.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from scholarflow.outdir import replaced_folder
from warehouse.reads import records, site_data

__all__ = ["render_site", "SiteResult", "shown", "bar_chart", "radial_graph", "MARKER"]

MARKER = ".scholarflow-site"
NOT_KNOWN = "not known"
GRAPH_LIMITS = {"coauthor": 12, "topic": 6, "institution": 4}


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


def radial_graph(author: str, edges: pd.DataFrame, size: int = 520) -> dict:
    """Return the geometry of an author's research graph: the author in the middle, co-authors,
    topics and institutions around, each edge as wide as its weight."""
    nodes, lines = [], []
    picked = []
    for kind, limit in GRAPH_LIMITS.items():
        rows = edges[edges["edge_type"] == kind].head(limit)
        picked += [(kind, r) for r in rows.to_dict("records")]
    c = size / 2
    if not picked:
        return {"size": size, "center": c, "author": author, "nodes": [], "lines": []}
    top = {k: max((float(r["weight"]) for kk, r in picked if kk == k), default=1.0) or 1.0 for k in GRAPH_LIMITS}
    # Every node gets its own angle; kinds are interleaved evenly round the circle (each kind's
    # i-th node sits at fraction (i + 1/2) / count of the turn, then all are merged in that order).
    counts = {k: sum(1 for kk, _ in picked if kk == k) for k in GRAPH_LIMITS}
    seen = {k: 0 for k in GRAPH_LIMITS}
    placed = []
    for kind, r in picked:
        placed.append(((seen[kind] + 0.5) / counts[kind], kind, r))
        seen[kind] += 1
    placed.sort(key=lambda t: (t[0], t[1]))
    rings = {"coauthor": 0.40, "topic": 0.31, "institution": 0.24}
    for slot, (_, kind, r) in enumerate(placed):
        angle = -math.pi / 2 + 2 * math.pi * slot / len(placed)
        radius = size * rings[kind]
        x, y = c + radius * math.cos(angle), c + radius * math.sin(angle)
        label = shown(r["target_label"])
        short = label if len(label) <= 22 else label[:21] + "…"
        anchor = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        lx = x + (8 if anchor == "start" else -8 if anchor == "end" else 0)
        ly = y + (16 if math.sin(angle) > 0.7 else -10 if math.sin(angle) < -0.7 else 4)
        nodes.append({"x": round(x, 1), "y": round(y, 1), "kind": kind, "label": label, "short": short,
                      "lx": round(lx, 1), "ly": round(ly, 1), "anchor": anchor, "strong": bool(r["is_strong"]),
                      "weight": shown(r["weight"], 2) if kind == "topic" else shown(r["weight"])})
        lines.append({"x": round(x, 1), "y": round(y, 1), "kind": kind,
                      "w": round(1 + 4 * float(r["weight"]) / top[kind], 1)})
    return {"size": size, "center": c, "author": author, "nodes": nodes, "lines": lines}


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("scholarflow", "templates"), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["shown"] = shown
    env.filters["date"] = _date
    env.filters["year"] = _year
    return env


def _page_works(works: pd.DataFrame) -> list[dict]:
    out = []
    for w in records(works):
        out.append({**w, "date": _date(w["published_on"])})
    return out


def _graph_lists(edges: pd.DataFrame) -> dict:
    lists = {}
    for kind in GRAPH_LIMITS:
        lists[kind] = records(edges[edges["edge_type"] == kind])
    nearby = edges[edges["edge_type"].str.startswith("nearby_work:")]
    lists["nearby"] = records(nearby.drop_duplicates("target_id").head(8))
    return lists


def render_site(warehouse: Path, out: Path, generated_at: datetime | None = None) -> SiteResult:
    """Render the index and one page per author from the published warehouse into `out`."""
    cards, works, graph = site_data(warehouse)
    env = _environment()
    stamp = (generated_at or datetime.now()).strftime("%Y-%m-%d %H:%M")
    with replaced_folder(Path(out), MARKER, "scholarflow site") as tmp:
        (tmp / "authors").mkdir()
        card_rows = records(cards)
        for card in card_rows:
            aid = card["author_id"]
            mine = works[works["author_id"] == aid]
            edges = graph[graph["author_id"] == aid]
            per_year = [] if _missing(card["citations_by_year"]) else list(card["citations_by_year"])
            html = env.get_template("author.html.j2").render(
                card=card, works=_page_works(mine), chart=bar_chart(per_year),
                graph=radial_graph(card["display_name"] or aid, edges), lists=_graph_lists(edges), generated_at=stamp,
            )
            (tmp / "authors" / f"{aid}.html").write_text(html, encoding="utf-8")
        (tmp / "index.html").write_text(env.get_template("index.html.j2").render(cards=card_rows, generated_at=stamp),
                                        encoding="utf-8")
    return SiteResult(out=Path(out), pages=len(card_rows) + 1, authors=len(card_rows), works=len(works))
