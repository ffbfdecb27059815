import gzip

import pytest

from connectors.files import read_saved
from core.errors import InputFileError
from tests.conftest import realdata

OA = "openalex/academic_explorer_2025"


@pytest.mark.realdata
@pytest.mark.parametrize("rel, kind, works, authors", [
    (f"{OA}/works/W3188841554.json", "openalex_work", 1, 0),
    (f"{OA}/authors/A5023888391.json", "openalex_author", 0, 1),
    (f"{OA}/lists/works_filter_author.id_A5017898742_page1_per50.json", "openalex_list", 9, 0),
    (f"{OA}/http_cache_with_url/works_filter_author.id_A5023888391_page1_per50.json", "openalex_list", 50, 0),
    ("openalex/go-openalex_snapshot_2023/snapshot_works_updated_date=2023-05-16_part_000.jsonl", "openalex_jsonl", 27, 0),
])
def test_openalex_files_are_recognised_by_content(rel, kind, works, authors):
    payload = read_saved(realdata(rel))
    assert (payload.kind, len(payload.openalex_works), len(payload.openalex_authors)) == (kind, works, authors)


@pytest.mark.realdata
def test_gzipped_jsonl_and_atom_feed(tmp_path):
    src = realdata("openalex/go-openalex_snapshot_2023/snapshot_works_updated_date=2023-05-16_part_000.jsonl")
    gz = tmp_path / "part.bin"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert len(read_saved(gz).openalex_works) == 27
    feed = read_saved(realdata("arxiv/tamnd_arxiv-cli_2026/api_hep-th_9711200.xml"))
    assert feed.kind == "arxiv_feed" and feed.arxiv_entries[0]["arxiv_id"] == "hep-th/9711200"


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"hello world", "neither JSON nor an Atom feed"),
    (b'{"foo": 1}', "neither an OpenAlex entity"),
    (b"<feed><entry>", "malformed XML"),
    (b'{"id": "https://openalex.org/W1"}\n{"broken"', "line 2"),
])
def test_bad_files_name_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        read_saved(path)
    assert str(path) in str(info.value) and reason in str(info.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(InputFileError, match="can't read it"):
        read_saved(tmp_path / "missing.json")


def test_arxiv_error_feed_is_refused(tmp_path):
    path = tmp_path / "err.xml"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>https://arxiv.org/api/errors#bad</id>'
                    "<summary>bad</summary></entry></feed>")
    with pytest.raises(InputFileError, match="error feed"):
        read_saved(path)


def test_json_lines_stream_in_chunks_and_every_byte_reaches_the_sink(tmp_path):
    import io
    import json

    from connectors.files import iter_saved

    lines = [json.dumps({"id": f"https://openalex.org/W{i}", "title": f"t{i}"}) for i in range(1, 12)]
    path = tmp_path / "works.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines[:5]) + "\n\n" + "\n".join(lines[5:]) + "\n").encode()))
    sink = io.BytesIO()
    chunks = list(iter_saved(path, sink, batch=4))
    assert [len(c.openalex_works) for c in chunks] == [4, 4, 3]
    assert [w["title"] for c in chunks for w in c.openalex_works] == [f"t{i}" for i in range(1, 12)]
    assert sink.getvalue() == path.read_bytes()
    # A JSON document (a list page over several lines) is one chunk, whatever its length.
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"meta": {}, "results": [json.loads(x) for x in lines]}, indent=2))
    assert [len(c.openalex_works) for c in iter_saved(page, None, batch=4)] == [11]


def test_folders_pipes_and_devices_are_refused_at_once(tmp_path):
    import os

    from connectors.files import check_file

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (tmp_path, fifo, "/dev/zero"):
        with pytest.raises(InputFileError, match="not a regular file"):
            check_file(path)


def _gzip_stream(path, head: bytes, filler: bytes, total: int) -> None:
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(head)
        block = filler * (2**20 // len(filler))
        for _ in range(total // len(block)):
            out.write(block)


def _read_all(path):
    from connectors.files import iter_saved

    return list(iter_saved(path))


def test_a_gzip_bomb_is_refused_by_its_ratio_after_reading_a_few_mib(tmp_path):
    bomb = tmp_path / "bomb.jsonl.gz"
    _gzip_stream(bomb, b'{"id": "https://openalex.org/W1", "title": "', b"a", 100 * 2**20)  # 100 MB from ~100 KB
    assert bomb.stat().st_size < 2**20
    with pytest.raises(InputFileError, match=r"decompresses over 200x .*a decompression bomb"):
        _read_all(bomb)


def test_one_endless_line_is_refused_at_the_record_cap(tmp_path):
    endless = tmp_path / "endless.jsonl"
    with endless.open("wb") as out:
        out.write(b'{"id": "https://openalex.org/W1", "title": "t"}\n{"id": "https://openalex.org/W2", "title": "')
        for _ in range(65):
            out.write(b"a" * 2**20)
    with pytest.raises(InputFileError, match=r"line 2 is over 64 MiB \(the cap for one record\)"):
        _read_all(endless)


def test_a_gzip_bomb_of_blank_lines_is_refused_by_its_ratio(tmp_path):
    bomb = tmp_path / "bomb.jsonl.gz"
    _gzip_stream(bomb, b'{"id": "https://openalex.org/W1", "title": "t"}\n', b"\n", 20 * 2**20)
    with pytest.raises(InputFileError, match=r"decompresses over 200x .*a decompression bomb"):
        _read_all(bomb)


def test_json_nested_deeper_than_the_cap_is_one_clear_refusal(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(InputFileError, match="nested deeper than 1024 levels"):
        _read_all(deep)


def test_bad_json_lines_are_refused_with_every_line_number_or_skipped_on_request(tmp_path):
    from connectors.files import iter_saved

    good = '{"id": "https://openalex.org/W%d", "title": "t"}\n'
    lines = [good % i for i in range(1, 50)]
    lines[6], lines[20] = '{"id": "https://openalex.org/W7", "title": \n', "not json at all\n"
    path = tmp_path / "works.jsonl"
    path.write_text("".join(lines))
    with pytest.raises(InputFileError) as info:
        _read_all(path)
    assert "2 bad line(s) (7, 21)" in str(info.value) and "--skip-bad-lines" in str(info.value)
    chunks = list(iter_saved(path, batch=10, skip_bad_lines=True))
    assert sum(len(c.openalex_works) for c in chunks) == 47
    bad = [b for c in chunks for b in c.bad_lines]
    assert [b["line"] for b in bad] == [7, 21] and bad[1]["text"] == "not json at all\n"
