import pytest

from connectors.arxiv_oai import parse_oai_page
from tests.conftest import realdata
from transforms.harvest import match_harvest

PAIRS = realdata("arxiv/tamnd_arxiv-cli_2026")


def _entry(arxiv_id, *names):
    return {"arxiv_id": arxiv_id, "authors": [{"name": n} for n in names]}


def test_harvested_records_go_to_every_author_whose_printed_name_they_could_carry():
    entries = [_entry("1", "Liu Boxiao", "Ann Other"), _entry("2", "B. Liu"), _entry("3", "Bo Liu"), _entry("4", "Lucja Wroblewska"),
               _entry("5", "Boxiao Liu", "Łucja Wróblewska"), _entry("6", "Jane Doe")]
    matched = match_harvest(entries, {"A1": "Boxiao Liu", "A2": "Łucja Wróblewska", "A3": None, "A4": "Nobody Here"})
    assert {a: [e["arxiv_id"] for e in found] for a, found in matched.items()} == {
        # reordered, initials and the same name; "Bo Liu" is another given name
        "A1": ["1", "2", "5"],
        "A2": ["4", "5"], "A4": []}


@pytest.mark.skipif(not PAIRS.exists(), reason="../shared/realdata is absent")
def test_an_ascii_name_on_arxiv_matches_the_name_openalex_prints():
    entries = parse_oai_page((PAIRS / "oai_raw_1706.03762.xml").read_bytes()).entries
    matched = match_harvest(entries, {"W2626778328-author": "Łukasz Kaiser", "other": "Łukasz Kowalski"})
    assert [e["arxiv_id"] for e in matched["W2626778328-author"]] == ["1706.03762"] and matched["other"] == []
