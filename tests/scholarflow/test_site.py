"""The static pages: rendered from the views, escaped, self-contained, and checked in a real Chromium."""

import os
from pathlib import Path

import pytest

from flows.refresh import backfill_authors
from core.errors import UserError
from core.settings import Settings
from scholarflow.site import MARKER, bar_chart, radial_graph, render_site, shown
from tests.conftest import SAMPLE_AUTHORS
from warehouse import Warehouse, open_published

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("SCHOLARFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = 'Robust <script>alert("pwned")</script> & "quoted" faces'


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness):
    """The sample warehouse, with one title a hostile source could have sent."""
    home = tmp_path_factory.mktemp("site") / "data"
    settings = Settings().with_warehouse(home / "warehouse.duckdb")
    backfill_authors(SAMPLE_AUTHORS, warehouse=str(settings.warehouse), offline_sample=True)
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


def test_pages_say_not_known_never_none_or_nan_and_escape_source_text(site):
    pages = [site / "index.html", *sorted((site / "authors").glob("*.html"))]
    assert len(pages) == 4 and (site / MARKER).exists()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for bad in (">None<", ">nan<", ">NaN<", "None%", "nan%", ">NaT<"):
            assert bad not in html, (page.name, bad)
        assert "<script" not in html  # no scripts of ours, and none of a source's
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    boxiao = (site / "authors" / "A5000000001.html").read_text(encoding="utf-8")
    assert "Robust &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt; &amp; &#34;quoted&#34; faces" in boxiao
    physicist = (site / "authors" / "A5000000003.html").read_text(encoding="utf-8")
    assert "not known" in physicist  # no FWCI, no Code: said plainly


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
        {"edge_type": "coauthor", "target_label": f"Person {i}", "weight": 3 - i % 3, "is_strong": i < 2} for i in range(15)
    ] + [{"edge_type": "topic", "target_label": "A topic with a very long name indeed", "weight": 0.5, "is_strong": True}])
    g = radial_graph("Ada", edges)
    assert len(g["nodes"]) == 13  # 12 co-authors at most, plus the topic
    angles = {(n["x"], n["y"]) for n in g["nodes"]}
    assert len(angles) == 13  # no two nodes on one spot
    assert any(n["short"].endswith("…") for n in g["nodes"])


def test_pages_in_chromium_match_the_views(site, published):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (make test does, when run as root)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    card, works = _card(published, "A5000000001")
    problems, requests, dialogs = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, width, height in (("laptop", 1366, 900), ("phone", 390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("request", lambda r: requests.append(r.url))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

                page.goto((site / "index.html").as_uri())
                assert page.locator("table.index tbody tr").count() == 3
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
                assert stat("novelty_pct") == f"{card['novelty_pct']:.0f}%"
                assert stat("trust_score") == f"{card['trust_score']:.0f}"
                assert page.locator('[data-field="verification_level"]').inner_text() == f"Verification {card['verification_level']}"
                assert page.locator('[data-field="claimed"]').inner_text() == "Unclaimed"
                assert stat("topics_count").startswith(str(card["topics_count"]))
                assert stat("close_collaborators_count").startswith(str(card["close_collaborators_count"]))
                # The works list: one item per attributed work, and the Code badge links the repository.
                assert page.locator("li.work").count() == len(works) == card["works_count"]
                assert stat("works_listed") == str(len(works))
                tokenmix = page.locator('li.work[data-work-id="arxiv:2207.08409"]')
                code_url = works.set_index("work_id").loc["arxiv:2207.08409", "code_url"]
                assert tokenmix.locator("a.code").get_attribute("href") == code_url
                assert tokenmix.locator("a.code").is_visible()
                assert page.locator('li.work[data-work-id="arxiv:2202.07940"] a.code').count() == 0  # github.io page
                # Hostile text shows as text.
                assert HOSTILE in page.locator('li.work[data-work-id="arxiv:2208.04352"] h3').inner_text()
                assert page.locator("svg[aria-label='Citations per year'] rect").count() == len(card["citations_by_year"])
                assert page.locator("svg.graph circle").count() >= 1 + card["close_collaborators_count"]
                # Nothing wider than the screen on a phone.
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                page.screenshot(path=str(SHOTS / f"A5000000001-{name}.png"), full_page=True)
                page.goto((site / "index.html").as_uri())
                page.screenshot(path=str(SHOTS / f"index-{name}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert problems == [] and dialogs == []
    assert all(url.startswith("file://") for url in requests), [u for u in requests if not u.startswith("file://")]
    assert (SHOTS / "A5000000001-laptop.png").stat().st_size > 10_000
    assert (SHOTS / "A5000000001-phone.png").stat().st_size > 10_000
