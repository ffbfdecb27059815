"""The raw landing area: every response body as fetched, gzip-compressed, content-addressed.

Files are written before anything parses them, and each landing also appends one JSON line
to the run's index file, so the warehouse index (`raw_responses`) can always be rebuilt from
disk and no fetched byte is lost when a later step fails. A disk that refuses a write (full,
read-only) raises StorageError naming the landing root, and leaves no half-written file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from core.errors import storage_error
from core.processes import discard, kill_point, remove_debris

__all__ = ["LandedResponse", "RawLanding", "read_landed"]


@dataclass(frozen=True)
class LandedResponse:
    """One response as landed: where its bytes are and what request produced them."""

    response_id: str
    run_id: str
    source: str
    url: str
    status: int
    fetched_at: str
    content_sha256: str
    byte_count: int
    path: str
    body: bytes

    def index_row(self) -> dict:
        """Return the row for the warehouse index (everything but the body)."""
        row = asdict(self)
        row.pop("body")
        return row


_STREAM_TMP = re.compile(r"^\.landing\.(?P<pid>\d+)\.\d+\.tmp$")
_BODY_TMP = re.compile(r"\.tmp(?P<pid>\d+)$")


class RawLanding:
    """Writes bodies under `root/<source>/<sha[:2]>/<sha>.gz` and indexes them per run."""

    def __init__(self, root: Path, run_id: str):
        self.root = Path(root)
        self.run_id = run_id
        self._seq = 0
        self._lock = threading.Lock()
        self.landed: list[LandedResponse] = []
        # Half-landed bodies of writers that were killed: nobody will finish them.
        remove_debris(self.root, "*/.landing.*.tmp", _STREAM_TMP)
        remove_debris(self.root, "*/*/*.tmp*", _BODY_TMP)

    @contextmanager
    def _writing(self, tmp: Path | None = None) -> Iterator[None]:
        """Turn a refused write into StorageError (naming the landing root), removing `tmp`."""
        try:
            yield
        except OSError as exc:
            if tmp is not None:
                discard(tmp)
            refused = storage_error(self.root, exc)
            if refused is None:
                raise
            raise refused from None

    @property
    def index_path(self) -> Path:
        return self.root / "_index" / f"{self.run_id}.jsonl"

    def land(self, source: str, url: str, status: int, body: bytes) -> LandedResponse:
        """Write the body (once per distinct content) and return its landing record."""
        sha = hashlib.sha256(body).hexdigest()
        rel = self._address(source, sha)
        target = self.root / rel
        if not target.exists():
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            with self._writing(tmp):
                target.parent.mkdir(parents=True, exist_ok=True)
                with gzip.open(tmp, "wb", compresslevel=6) as fh:
                    fh.write(body)
                kill_point("land")
                os.replace(tmp, target)
        return self._index(source, url, status, sha, len(body), rel, body)

    @staticmethod
    def _address(source: str, sha: str) -> Path:
        """Where a body with this sha256 lives, relative to the root."""
        return Path(source) / sha[:2] / f"{sha}.gz"

    @contextmanager
    def land_stream(self, source: str, url: str, status: int = 200) -> Iterator["_StreamSink"]:
        """Land a body written piece by piece (a saved file as it is read): yields a sink with `write`.

        The bytes go to a temporary file, gzip'd as they come; when the block ends they are put
        in their content address and indexed (`sink.landed`); if it raises, nothing is landed.
        """
        tmp = self.root / source / f".landing.{os.getpid()}.{threading.get_ident()}.tmp"
        with self._writing(tmp):
            (self.root / source).mkdir(parents=True, exist_ok=True)
            sink = _StreamSink(tmp, self._next_id(), self._writing)
        try:
            yield sink
            sink.close()
        except BaseException:
            try:
                sink.close()
            except Exception:  # noqa: BLE001 - the first failure is the one to report
                pass
            discard(tmp)
            raise
        sha = sink.sha.hexdigest()
        rel = self._address(source, sha)
        target = self.root / rel
        with self._writing(tmp):
            if target.exists():
                tmp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
        sink.landed = self._index(source, url, status, sha, sink.size, rel, b"", sink.response_id)

    def _next_id(self) -> str:
        with self._lock:
            self._seq += 1
            return f"{self.run_id}-{self._seq:06d}"

    def _index(self, source: str, url: str, status: int, sha: str, size: int, rel: Path, body: bytes,
               response_id: str | None = None) -> LandedResponse:
        response_id = response_id or self._next_id()
        with self._lock:
            landed = LandedResponse(
                response_id=response_id,
                run_id=self.run_id,
                source=source,
                url=url,
                status=status,
                fetched_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                content_sha256=sha,
                byte_count=size,
                path=str(rel),
                body=body,
            )
            with self._writing():
                self.index_path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.index_path, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(landed.index_row()) + "\n")
            self.landed.append(landed)
        return landed

    def index_rows(self) -> list[dict]:
        """Return the index rows of everything landed by this run so far."""
        return [r.index_row() for r in self.landed]


class _StreamSink:
    """Bytes written to it are hashed and gzip'd (level 1: landing a big file must not cost more than reading it)."""

    def __init__(self, tmp: Path, response_id: str, writing):
        self.response_id = response_id  # known before the body is: records read from it carry it
        self.sha = hashlib.sha256()
        self.size = 0
        self.landed: LandedResponse | None = None
        self._writing = writing  # the landing's: a refused write is a StorageError, not a read error of the input
        self._fh = gzip.open(tmp, "wb", compresslevel=1)

    def write(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        with self._writing():
            self._fh.write(data)

    def close(self) -> None:
        if not self._fh.closed:
            with self._writing():
                self._fh.close()


def read_landed(root: Path, rel_path: str) -> bytes:
    """Return the body of a landed response (`raw_responses.path`, relative to the landing root)."""
    with gzip.open(Path(root) / rel_path, "rb") as fh:
        return fh.read()
