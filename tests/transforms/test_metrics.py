import pandas as pd
from hypothesis import given, strategies as st

from transforms.metrics import author_metrics, h_index, i10_index, quality_checks


def test_h_index_and_i10_golden():
    assert h_index([10, 8, 5, 4, 3]) == 4
    assert h_index([25, 8, 5, 3, 3]) == 3
    assert h_index([0, 0]) == 0 and h_index([]) == 0
    assert h_index([100]) == 1
    assert i10_index([10, 9, 11, 0]) == 2


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=200))
def test_invariants_hold_for_any_citations(cites):
    h = h_index(cites)
    assert h <= len(cites) and h * h <= sum(cites) and i10_index(cites) <= len(cites)


def test_impossible_source_figures_are_flagged_not_shown():
    works = pd.DataFrame({"work_id": [f"w{i}" for i in range(14)], "cited_by_count": [100, 80, 60, 50, 40, 30, 20, 10, 5, 3, 2, 0, 0, 0],
                          "publication_year": 2022, "work_type": "article", "has_code": False})
    aw = pd.DataFrame({"author_id": "A1", "work_id": works.work_id, "is_attributed": True})
    metrics = author_metrics(aw, works, ["A1"])
    m = metrics.iloc[0]
    assert (m.works_count, m.cited_by_count, m.h_index, m.i10_index) == (14, 400, 8, 8)
    authors = pd.DataFrame([{"author_id": "A1", "h_index_reported": 32, "i10_index_reported": 8,
                             "works_count_reported": 14, "cited_by_count_reported": 400}])
    dq = quality_checks(metrics, authors)
    assert list(dq.check_name) == ["source_disagrees_h_index"]
    assert dq.iloc[0].reported == "32" and dq.iloc[0].ours == "8" and "impossible" in dq.iloc[0].detail
