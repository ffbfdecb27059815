import json

import pytest

from core.errors import AmbiguousAuthorError, AuthorNotFoundError
from tests.conftest import realdata
from transforms.authors import choose_author, require_live_author


@pytest.mark.realdata
def test_the_real_deleted_author_placeholder_is_refused_and_a_real_author_passes():
    deleted = json.loads(realdata("openalex/b-vitamins_openalex-python_2025/author_A5317838346_deleted_author.json").read_text())
    with pytest.raises(AuthorNotFoundError, match="deleted OpenAlex author \\(A5317838346\\)"):
        require_live_author("A5317838346", deleted)
    priem = json.loads(realdata("openalex/b-vitamins_openalex-python_2025/author_A5023888391_jason_priem.json").read_text())
    require_live_author("A5023888391", priem)


def test_a_name_picks_the_one_close_candidate_or_lists_them():
    a = {"id": "https://openalex.org/A1", "display_name": "Łucja Wróblewska", "works_count": 3}
    b = {"id": "https://openalex.org/A2", "display_name": "Lucja Wroblewska", "works_count": 1}
    c = {"id": "https://openalex.org/A3", "display_name": "Marek Nowak", "works_count": 9}
    assert choose_author("Łucja Wróblewska", [a, c]) is a
    with pytest.raises(AmbiguousAuthorError):
        choose_author("Lucja Wroblewska", [a, b, c])
    with pytest.raises(AuthorNotFoundError):
        choose_author("Nobody", [])
