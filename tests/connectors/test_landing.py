"""The raw landing on a disk that refuses writes: one StorageError naming the landing, no half-written file."""

from __future__ import annotations

import errno
import gzip

import pytest

from connectors import landing as landing_module
from connectors.landing import RawLanding
from core.errors import StorageError

_GZIP_OPEN = gzip.open


class _FullDisk:
    """gzip.open's stand-in whose file takes `room` bytes and then reports the disk full, as a real one does."""

    def __init__(self, room: int):
        self.room = room

    def __call__(self, path, mode, compresslevel=9):
        real = _GZIP_OPEN(path, mode, compresslevel=compresslevel)
        room = self

        class Writer:
            closed = False

            def write(self, data):
                if len(data) > room.room:
                    raise OSError(errno.ENOSPC, "No space left on device")
                room.room -= len(data)
                return real.write(data)

            def close(self):
                self.closed = True
                real.close()

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.close()

        return Writer()


def test_a_body_landed_on_a_full_disk_raises_one_storage_error_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    landing = RawLanding(tmp_path / "raw", "run-1")
    landing.land("openalex", "https://api.openalex.org/works?page=1", 200, b'{"results": []}')
    monkeypatch.setattr(landing_module.gzip, "open", _FullDisk(room=10))
    with pytest.raises(StorageError, match=rf"^can't write {tmp_path / 'raw'}: no space left on its device"):
        landing.land("openalex", "https://api.openalex.org/works?page=2", 200, b'{"results": [' + b"1, " * 1000 + b"1]}")
    with pytest.raises(StorageError, match="no space left"):
        with landing.land_stream("file", "file:///in.jsonl") as sink:
            sink.write(b"x" * 100)
    assert [p.name for p in (tmp_path / "raw").rglob("*tmp*")] == []
    assert [r["url"] for r in landing.index_rows()] == ["https://api.openalex.org/works?page=1"]  # what landed is kept
