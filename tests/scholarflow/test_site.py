"""The static pages: rendered from the views, escaped, self-contained, and checked in a real Chromium."""

import os
from pathlib import Path

import pytest

import json
import stat

from flows.ingest import ingest_files
from flows.refresh import backfill_authors
from core.errors import UserError
from core.settings import Settings
from scholarflow.site import MARKER, bar_chart, page_names, render_site, research_graph, shown
from tests.conftest import SAMPLE_AUTHORS
from warehouse import Warehouse, open_published

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("SCHOLARFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = 'Robust <script>alert("pwned")</script> & "quoted" faces'
# A title as a source could send it: markup, an escaped entity, a bare & and a bare <.
SOURCE_TITLE = "Robust <i>Face</i> Matching &amp; Re-ranking: p < 0.05 & <b>more</b>"
SOURCE_TITLE_SHOWN = "Robust Face Matching & Re-ranking: p < 0.05 & more"
SOURCE_WORK = {
    "id": "https://openalex.org/W5000000099", "doi": "https://doi.org/10.5555/escape.2023", "title": SOURCE_TITLE,
    "display_name": SOURCE_TITLE, "publication_year": 2023, "publication_date": "2023-05-01", "type": "article",
    "cited_by_count": 3, "referenced_works": [],
    "primary_location": {"source": {"display_name": "Journal of Escaping &amp; Markup", "type": "journal"},
                         "landing_page_url": "https://doi.org/10.5555/escape.2023", "is_oa": False},
    "locations": [{"source": {"display_name": "Journal of Escaping &amp; Markup", "type": "journal"},
                   "landing_page_url": "https://doi.org/10.5555/escape.2023", "pdf_url": None, "is_oa": False,
                   "is_published": True, "version": "publishedVersion"},
                  {"source": {"display_name": "A repository", "type": "repository"},
                   "landing_page_url": "https://repo.example.org/record/99", "pdf_url": "https://repo.example.org/record/99.pdf",
                   "is_oa": True, "is_published": False, "version": "acceptedVersion"}],
    "authorships": [{"author": {"id": "https://openalex.org/A5000000001", "display_name": "Boxiao Liu",
                                "orcid": "https://orcid.org/0000-0002-1825-0097"}, "raw_author_name": "Boxiao Liu",
                     "institutions": []}],
    "counts_by_year": [{"year": 2024, "cited_by_count": 2}, {"year": 2023, "cited_by_count": 1}],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness):
    """The sample warehouse, with one title a hostile source could have sent, and one OpenAlex work
    whose title and venue carry markup and entities, ingested through the real path."""
    root = tmp_path_factory.mktemp("site")
    home = root / "data"
    settings = Settings().with_warehouse(home / "warehouse.duckdb")
    backfill_authors(SAMPLE_AUTHORS, warehouse=str(settings.warehouse), offline_sample=True)
    saved = root / "escape.json"
    saved.write_text(json.dumps(SOURCE_WORK), encoding="utf-8")
    ingest_files([str(saved)], author="A5000000001", warehouse=str(settings.warehouse))
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        wh.con.execute("UPDATE works SET title = ? WHERE work_id = 'arxiv:2208.04352'", [HOSTILE])
        wh.publish()
    return settings.warehouse


@pytest.fixture(scope="module")
def site(published, tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "site"
    render_site(published, out)
    return out


def _card(published, author_id):
    con = open_published(published)
    try:
        card = con.execute("SELECT * FROM profile_card WHERE author_id = ?", [author_id]).df().iloc[0].to_dict()
        works = con.execute("SELECT * FROM profile_works WHERE author_id = ?", [author_id]).df()
    finally:
        con.close()
    return card, works


def test_pages_say_not_known_never_none_or_nan_and_escape_source_text(site, published):
    _, works = _card(published, "A5000000001")
    pages = [site / "index.html", *sorted((site / "authors").glob("*.html")), *sorted((site / "works").glob("*.html"))]
    assert len(pages) == 4 + 13 and (site / MARKER).exists()  # index, 3 authors, 13 attributed works
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for bad in (">None<", ">nan<", ">NaN<", "None%", "nan%", ">NaT<", "&amp;amp;", "&amp;lt;"):
            assert bad not in html, (page.name, bad)
        assert "<script" not in html  # no scripts of ours, and none of a source's
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    boxiao = (site / "authors" / "A5000000001.html").read_text(encoding="utf-8")
    assert "Robust &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; &#34;quoted&#34; faces" in boxiao
    assert "Robust Face Matching &amp; Re-ranking: p &lt; 0.05 &amp; more" in boxiao  # decoded once, escaped once
    assert "Journal of Escaping &amp; Markup" in boxiao
    physicist = (site / "authors" / "A5000000003.html").read_text(encoding="utf-8")
    assert "not known" in physicist  # no FWCI, no Code: said plainly


def test_output_folders_get_ordinary_permissions(site):
    mask = os.umask(0)
    os.umask(mask)
    for path in [site, *site.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o777 if path.is_dir() else 0o666) & ~mask, (path, oct(mode))


def test_every_work_links_to_its_landing_page_and_a_free_copy(published):
    _, works = _card(published, "A5000000001")
    w = works.set_index("work_id")
    tokenmix = w.loc["arxiv:2207.08409"]  # published (DOI) and on arXiv
    assert tokenmix["landing_url"] == f"https://doi.org/{tokenmix['doi']}"
    assert tokenmix["oa_url"] == "https://arxiv.org/pdf/2207.08409" and tokenmix["oa_is_pdf"]
    preprint = w.loc["arxiv:2311.02955"]  # arXiv only: its DOI is arXiv's own
    assert preprint["landing_url"] == "https://arxiv.org/abs/2311.02955"
    escaped = w[w["doi"] == "10.5555/escape.2023"].iloc[0]  # a journal article with a free accepted version
    assert escaped["landing_url"] == "https://doi.org/10.5555/escape.2023"
    assert escaped["oa_url"] == "https://repo.example.org/record/99.pdf" and escaped["title"] == SOURCE_TITLE_SHOWN
    assert works["landing_url"].notna().all()


def test_work_page_names_are_safe_and_distinct():
    names = page_names(["doi:10.1007/x", "doi:10.1007_x", "arxiv:2207.08409", "openalex:W1"])
    assert names["arxiv:2207.08409"] == "arxiv_2207.08409.html" and names["openalex:W1"] == "openalex_W1.html"
    assert len(set(names.values())) == 4 and all("/" not in n and ":" not in n for n in names.values())


def test_a_folder_not_written_by_site_is_refused_and_a_site_is_replaced_whole(published, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(UserError, match="was not written by `scholarflow site`"):
        render_site(published, mine)
    assert (mine / "thesis.tex").read_text() == "precious"
    out = tmp_path / "site"
    render_site(published, out)
    (out / "authors" / "A0000000000.html").write_text("stale")
    render_site(published, out)
    assert not (out / "authors" / "A0000000000.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folders left


def test_chart_and_graph_geometry():
    chart = bar_chart([{"year": 2024, "cited_by_count": 50}, {"year": 2022, "cited_by_count": 10},
                       {"year": 2023, "cited_by_count": 0}])
    assert [b["year"] for b in chart["bars"]] == [2022, 2023, 2024]
    tallest = max(chart["bars"], key=lambda b: b["h"])
    assert tallest["year"] == 2024 and [b["h"] for b in chart["bars"]][1] == 0
    assert all(b["y"] + b["h"] == pytest.approx(chart["base"]) for b in chart["bars"])
    assert bar_chart([])["bars"] == []
    assert shown(None) == shown(float("nan")) == shown("") == "not known"
    assert (shown(4.0), shown(63.54, 1), shown(1234)) == ("4", "63.5", "1,234")
    import pandas as pd

    edges = pd.DataFrame([
        {"edge_type": "coauthor", "target_id": f"A{i}", "target_label": f"Person {i}", "weight": 3 - i % 3, "is_strong": i < 2}
        for i in range(15)
    ] + [{"edge_type": "topic", "target_id": "T1", "target_label": "A topic with a very long name indeed, longer than a row",
          "weight": 0.5, "is_strong": True}]
      + [{"edge_type": "nearby_work:w1", "target_id": "w2", "target_label": "Second", "weight": 0.6, "is_strong": True},
         {"edge_type": "nearby_work:w1", "target_id": "x9", "target_label": "Someone else's", "weight": 0.4, "is_strong": False},
         {"edge_type": "nearby_work:w2", "target_id": "w1", "target_label": "First", "weight": 0.6, "is_strong": True}])
    g = research_graph("Ada", edges, mine={"w1", "w2"})
    nodes = [r for r in g["rows"] if r["kind"] != "header"]
    assert [r["kind"] for r in nodes].count("coauthor") == 8 and [r["kind"] for r in nodes].count("topic") == 1
    assert {r["id"]: r["kind"] for r in nodes if "id" in r} == {"w1": "work", "w2": "work", "x9": "nearby"}
    assert len(g["arcs"]) == 2  # w1-w2 once, w1-x9
    ys = [r["y"] for r in g["rows"]]
    assert ys == sorted(set(ys))  # one row each: nothing can overlap
    assert g["height"] > ys[-1] and any(r.get("short", "").endswith("…") for r in nodes)


GRAPH_TEXT_BOXES = """() => {
  const svg = document.querySelector('svg.graph');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, px: parseFloat(t.getAttribute('font-size')) * scale,
            left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  });
}"""


def _overlaps(boxes):
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


def test_pages_in_chromium_match_the_views(site, published):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (make test does, when run as root)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    card, works = _card(published, "A5000000001")
    by_id = works.set_index("work_id")
    con = open_published(published)
    try:
        records = con.execute("SELECT count(*) FROM record_works WHERE work_id = 'arxiv:2207.08409'").fetchone()[0]
        links = con.execute("SELECT count(*) FROM work_links WHERE work_id = 'arxiv:2207.08409'").fetchone()[0]
        years = con.execute("SELECT count(*) FROM citations_by_year WHERE work_id = 'arxiv:2207.08409'").fetchone()[0]
    finally:
        con.close()
    problems, requests, dialogs = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, width, height in (("laptop", 1366, 900), ("phone", 390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(10_000)
                page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("request", lambda r: requests.append(r.url))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

                page.goto((site / "index.html").as_uri())
                assert page.locator("table.index tbody tr").count() == 3
                page.screenshot(path=str(SHOTS / f"index-{name}.png"), full_page=True)
                page.get_by_role("link", name="Boxiao Liu").first.click()
                page.wait_for_load_state("load")
                assert page.url.endswith("/authors/A5000000001.html")

                def stat(key):
                    return page.locator(f'[data-stat="{key}"]').inner_text().split("\n")[0].strip()

                assert page.locator("h1").inner_text() == card["display_name"]
                assert stat("h_index") == str(card["h_index"])
                assert stat("works_count") == str(card["works_count"])
                assert stat("cited_by_count") == str(card["cited_by_count"])
                assert stat("profile_score") == f"{card['profile_score']:.1f}"
                novelty = "not known" if card["novelty_pct"] is None or card["novelty_pct"] != card["novelty_pct"] \
                    else f"{card['novelty_pct']:.0f}%"
                assert stat("novelty_pct") == novelty
                assert stat("trust_score") == f"{card['trust_score']:.0f}"
                assert page.locator('[data-field="verification_level"]').inner_text() == f"Verification {card['verification_level']}"
                assert page.locator('[data-field="claimed"]').inner_text() == "Unclaimed"
                assert stat("topics_count").startswith(str(card["topics_count"]))
                assert stat("close_collaborators_count").startswith(str(card["close_collaborators_count"]))
                # One vocabulary for the field, the arXiv code beside it; the author's OpenAlex page and ORCID.
                assert page.locator('[data-field="field"]').inner_text() == card["field"] == "Computer Vision and Pattern Recognition"
                assert page.locator('[data-field="arxiv_category"]').inner_text() == "arXiv CV"
                assert page.locator('[data-field="openalex"] a').get_attribute("href") == "https://openalex.org/A5000000001"
                assert page.locator('[data-field="orcid"] a').get_attribute("href") == f"https://orcid.org/{card['orcid']}"
                # The works list: one item per attributed work; every title links to its landing page.
                assert page.locator("li.work").count() == len(works) == card["works_count"]
                assert stat("works_listed") == str(len(works))
                for wid, row in by_id.iterrows():
                    item = page.locator(f'li.work[data-work-id="{wid}"]')
                    assert item.locator("h3 a.title").get_attribute("href") == row["landing_url"]
                    if isinstance(row["oa_url"], str):
                        assert item.locator("a.free").get_attribute("href") == row["oa_url"]
                tokenmix = page.locator('li.work[data-work-id="arxiv:2207.08409"]')
                assert tokenmix.locator("a.code").get_attribute("href") == by_id.loc["arxiv:2207.08409", "code_url"]
                assert tokenmix.locator("a.code").is_visible()
                assert tokenmix.locator(".ids").inner_text().count("2207.08409") >= 1
                assert page.locator('li.work[data-work-id="arxiv:2202.07940"] a.code').count() == 0  # github.io page
                # Text from sources shows exactly as the text it is: escaped once, decoded once.
                assert page.locator('li.work[data-work-id="arxiv:2208.04352"] h3').inner_text() == HOSTILE
                escaped = by_id[by_id["doi"] == "10.5555/escape.2023"].index[0]
                assert page.locator(f'li.work[data-work-id="{escaped}"] h3').inner_text() == SOURCE_TITLE_SHOWN
                assert "Journal of Escaping & Markup" in page.locator(f'li.work[data-work-id="{escaped}"] .meta').inner_text()
                assert page.locator("svg[aria-label='Citations per year'] rect").count() == len(card["citations_by_year"])
                # The research graph: readable (labels >= 11 px as drawn), nothing overlapping, a list below.
                assert page.locator("svg.graph .node").count() >= 1 + card["close_collaborators_count"]
                boxes = page.evaluate(GRAPH_TEXT_BOXES)
                assert boxes and min(b["px"] for b in boxes) >= 11, sorted(b["px"] for b in boxes)[:3]
                assert _overlaps(boxes) == []
                assert page.locator(".lists").is_visible()
                # Nothing wider than the screen on a phone.
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                page.screenshot(path=str(SHOTS / f"A5000000001-{name}.png"), full_page=True)

                # A work page: every record and link behind it, its citations and its novelty.
                tokenmix.locator("a.details").click()
                page.wait_for_load_state("load")
                assert page.url.endswith("/works/arxiv_2207.08409.html")
                assert page.locator("h1").inner_text() == by_id.loc["arxiv:2207.08409", "title"]
                assert page.locator("h1 a").get_attribute("href") == by_id.loc["arxiv:2207.08409", "landing_url"]
                assert page.locator('[data-section="records"] tbody tr').count() == records >= 2
                assert page.locator('[data-section="links"] tbody tr').count() == links >= 1
                assert page.locator("svg[aria-label='Citations per year'] rect").count() == years
                assert page.locator('[data-section="novelty"]').is_visible()
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                page.screenshot(path=str(SHOTS / f"work-arxiv_2207.08409-{name}.png"), full_page=True)
                me = page.locator('[data-field="authors"] a', has_text=card["display_name"])
                assert me.get_attribute("href") == "https://openalex.org/A5000000001"
                page.locator('[data-field="profiles"] a', has_text=card["display_name"]).click()
                page.wait_for_load_state("load")
                assert page.url.endswith("/authors/A5000000001.html")
                page.close()
        finally:
            browser.close()
    assert problems == [] and dialogs == []
    assert all(url.startswith("file://") for url in requests), [u for u in requests if not u.startswith("file://")]
    for shot in ("A5000000001-laptop", "A5000000001-phone", "work-arxiv_2207.08409-phone", "index-phone"):
        assert (SHOTS / f"{shot}.png").stat().st_size > 10_000
