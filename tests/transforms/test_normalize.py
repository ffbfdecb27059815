import pytest

from transforms.normalize import (
    abstract_from_inverted_index, arxiv_id, category_short, find_code_url, fold, name_match_score,
    normalize_doi, normalize_person_name, normalize_title, normalize_venue, normalize_work_type, strip_markup, title_key,
)
from tests.conftest import realdata


@pytest.mark.parametrize("raw, expected", [
    ("https://arxiv.org/abs/1304.7300", "1304.7300"),
    ("http://arxiv.org/pdf/2009.04287v2", "2009.04287"),
    ("https://doi.org/10.48550/arXiv.1706.03762", "1706.03762"),
    ("arXiv:1706.03762v7", "1706.03762"),
    ("http://arxiv.org/abs/hep-th/9711200v3", "hep-th/9711200"),
    ("quant-ph/0201082v1", "quant-ph/0201082"),
    ("https://doi.org/10.1007/s11192-013-1221-3", None),
    (None, None),
])
def test_arxiv_id(raw, expected):
    assert arxiv_id(raw) == expected


def test_doi():
    assert normalize_doi("https://doi.org/10.48550/ARXIV.1304.7300") == "10.48550/arxiv.1304.7300"
    assert normalize_doi("doi:10.1007/S11192") == "10.1007/s11192"
    assert normalize_doi("not a doi") is None


def test_titles_tex_unicode_and_keys():
    assert normalize_title("$\\omega$Test:  fast\n  tests") == "ωTest: fast tests"
    assert normalize_title("Gr\\\"obner bases & 100% of $O(n \\log n)$") == "Gröbner bases & 100% of O(n log n)"
    assert normalize_title("Cafe\u0301") == "Café"  # NFC
    assert title_key("$\\epsilon$-Greedy Exploration Revisited") == title_key("ε-Greedy exploration revisited!")


@pytest.mark.parametrize("raw, shown", [
    ("Effects of CO<sub>2</sub> Storage", "Effects of CO₂ Storage"),
    ("A Review of Foamed CO <sub>2</sub> Dynamics", "A Review of Foamed CO₂ Dynamics"),
    ("CO<sub>2</sub>Sequestration", "CO₂Sequestration"),
    ("Example from <i>THALASSINOIDES</i>-Bearing Strata", "Example from THALASSINOIDES-Bearing Strata"),
    ("Coverage of <scp>OpenAlex</scp>: an assessment", "Coverage of OpenAlex: an assessment"),
    ("Shaken and stirred: ASIS&amp;T 2011 attendee reactions", "Shaken and stirred: ASIS&T 2011 attendee reactions"),
    ("Null-space Monte Carlo&amp;#160;", "Null-space Monte Carlo"),  # escaped twice
    ("CO&lt;sub&gt;2&lt;/sub&gt; in brine", "CO₂ in brine"),  # the markup itself escaped
    ("A <mml:math><mml:msub><mml:mi>K</mml:mi><mml:mi>d</mml:mi></mml:msub></mml:math> model", "A Kd model"),
    ("Fluxes of 10<sup>-3</sup> mol", "Fluxes of 10⁻³ mol"),
    ("<sup>18</sup>F-FDG and <sub>β</sub> cells", "¹⁸F-FDG and β cells"),  # no Unicode subscript beta: plain
    ("Oil & Gas: p < 0.05 for [18F]FDG", "Oil & Gas: p < 0.05 for [18F]FDG"),  # nothing to strip
])
def test_titles_lose_markup_and_entities_are_decoded_whatever_the_source_escaped(raw, shown):
    assert normalize_title(raw) == shown
    assert strip_markup(raw) == shown


def test_title_keys_come_from_the_clean_title():
    assert title_key("Effects of CO<sub>2</sub> Storage") == title_key("Effects of CO2 storage") == "effects of co2 storage"


@pytest.mark.realdata
def test_no_real_title_keeps_markup_or_escaped_entities():
    import re

    from connectors.files import read_saved

    folder = realdata("openalex/idb_2026")
    titles = [normalize_title(w.get("title")) for p in sorted(folder.glob("openalex_works_author_*.json"))
              for w in read_saved(p).openalex_works]
    leftovers = [t for t in titles if t and re.search(r"</?[a-z][\w:]*[ >/]|&[a-z]+;|&#\d+;", t, re.IGNORECASE)]
    assert len(titles) > 800 and leftovers == []
    assert sum("₂" in t for t in titles if t) > 20  # CO<sub>2</sub> became CO₂


def test_person_names():
    assert normalize_person_name("Gomez, Aidan N.") == "Aidan N. Gomez"
    assert normalize_person_name("Aidan N.Gomez") == "Aidan N. Gomez"
    assert fold("Łukasz Kaiser") == fold("Lukasz Kaiser") == "lukasz kaiser"
    assert name_match_score("Vânia Silva", "Vania Silva") == 1.0
    assert name_match_score("Liu Boxiao", "Boxiao Liu") == 0.8
    assert name_match_score("J. Priem", "Jason Priem") == 0.5
    assert name_match_score("Jane Priem", "Jason Priem") == 0.0


def test_types_venues_categories():
    assert normalize_work_type("posted-content") == "preprint"
    assert normalize_work_type("article", source="arxiv") == "preprint"
    assert normalize_venue("arXiv (Cornell University)") == "arXiv"
    assert category_short("cs.CV") == "CV" and category_short("hep-th") == "hep-th"


def test_abstract_keeps_repeated_words_in_place():
    assert abstract_from_inverted_index({"the": [0, 3], "cat": [1], "saw": [2], "dog": [4]}) == "the cat saw the dog"
    assert abstract_from_inverted_index(None) is None


@pytest.mark.parametrize("text, url", [
    ("Code is available at https://github.com/Sense-X/TokenMix.", "https://github.com/Sense-X/TokenMix"),
    ("see gitlab.com/group/project for code", "https://gitlab.com/group/project"),
    ("model: https://huggingface.co/org/model-7b)", "https://huggingface.co/org/model-7b"),
    ("project page https://sense-x.github.io/mkd", None),
    ("https://huggingface.co/papers/2401.00001 only", None),
    ("https://github.com/Sense-X", None),
])
def test_code_links(text, url):
    assert find_code_url(text) == url


@pytest.mark.parametrize("a, b, score", [
    ("Yann LeCun", "Yann Le Cun", 1.0),
    ("Abdullah Al-Shuhail", "Abdullah Alshuhail", 1.0),
    ("Juan de la Cruz", "Juan De La Cruz", 1.0),
    ("Ludwig van Beethoven", "Ludwig Beethoven", 1.0),
    ("Martin Luther King Jr.", "Martin Luther King", 1.0),
    ("Liu, Boxiao", "Boxiao Liu", 1.0),
    ("Liu Boxiao", "Boxiao Liu", 0.8),
    ("J. Priem", "Jason Priem", 0.5),
    ("Jean-Pierre Dupont", "Jean Pierre Dupont", 1.0),
    ("Boxiao Liu", "Bo Xiao", 0.0),
    ("Hang Zhou", "Hang Zhao", 0.0),
])
def test_names_are_parsed_and_compared_fuzzily(a, b, score):
    assert name_match_score(a, b) == score
