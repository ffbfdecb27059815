"""Saved responses from disk, recognised by content (never by file name), as plain records.

Accepted: an OpenAlex entity (work or author JSON), an OpenAlex list page ({"meta", "results"}),
OpenAlex snapshot JSON Lines (also gzip), an arXiv API Atom feed; and two common recorder
wrappers around them ({"data", "url"} caches and {"url", "status_code", "body"} recordings).
"""

from __future__ import annotations

import gzip
import io
import json
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from connectors.arxiv import parse_feed
from connectors.openalex import openalex_author_key
from core import jsonio
from core.errors import InputFileError, UserError

__all__ = ["SavedPayload", "read_saved", "parse_saved", "check_inputs", "check_file", "iter_saved", "BATCH_RECORDS",
           "MAX_INPUT_BYTES", "MAX_RECORD_BYTES", "MAX_RECORDS", "MAX_GZIP_RATIO"]

_MAX_BYTES = 512 * 1024 * 1024  # a file read whole (a JSON document or a feed); JSON Lines are streamed
BATCH_RECORDS = 2000  # records per chunk of a streamed JSON Lines file
_READ = 1 << 20
# Input limits, checked while a file is read, so a hostile one costs at most the cap (README "Reliability").
MAX_INPUT_BYTES = 64 * 2**30  # decompressed bytes of one file (100,000 real-shaped works are ~1.5 GB)
MAX_RECORD_BYTES = 64 * 2**20  # one JSON Lines line (a real work is ~15 KB; the largest seen ~2 MB)
MAX_RECORDS = 20_000_000  # records in one file
# Real JSON gzips 5-15x; past this ratio (once 8 MiB are out) a file is a decompression bomb, not records.
MAX_GZIP_RATIO = 200
_RATIO_AFTER = 8 * 2**20
_SHOWN_BAD_LINES = 10


@dataclass
class SavedPayload:
    """What one file held: its kind and its records, split by source and noun."""

    path: str
    kind: str
    openalex_works: list[dict] = field(default_factory=list)
    openalex_authors: list[dict] = field(default_factory=list)
    arxiv_entries: list[dict] = field(default_factory=list)
    bad_lines: list[dict] = field(default_factory=list)  # with skip_bad_lines: line, error, text of each refused line


def _entity_kind(obj: dict) -> str | None:
    ident = str(obj.get("id") or "")
    tail = ident.rsplit("/", 1)[-1]
    if tail[:1] == "W" and tail[1:].isdigit():
        return "work"
    if tail[:1] == "A" and tail[1:].isdigit():
        return "author"
    return None


def _unwrap(obj):
    """Return (payload, is_text_body) with recorder wrappers removed."""
    if isinstance(obj, dict) and set(obj) >= {"data", "url"} and isinstance(obj["data"], (dict, list)):
        return obj["data"], False
    if isinstance(obj, dict) and set(obj) >= {"url", "status_code", "body"} and isinstance(obj["body"], str):
        if obj["status_code"] != 200:
            raise ValueError(f"recorded response has HTTP {obj['status_code']}, not a result")
        text = obj["body"]
        try:  # recorders that decoded UTF-8 bytes as Latin-1 ("VÃ¢nia"): undo it
            return text.encode("latin-1").decode("utf-8").encode("utf-8"), True
        except (UnicodeEncodeError, UnicodeDecodeError):
            return text.encode("utf-8"), True
    return obj, False


def _from_json(path: str, obj) -> SavedPayload:
    obj, is_body = _unwrap(obj)
    if is_body:
        return _from_bytes(path, obj)
    if isinstance(obj, dict) and "results" in obj and "meta" in obj:
        payload = SavedPayload(path, "openalex_list")
        for item in obj["results"] or []:
            _add_entity(payload, item)
        return payload
    if isinstance(obj, dict) and _entity_kind(obj):
        payload = SavedPayload(path, f"openalex_{_entity_kind(obj)}")
        _add_entity(payload, obj)
        return payload
    raise ValueError("JSON that is neither an OpenAlex entity nor a list page")


def _add_entity(payload: SavedPayload, obj) -> None:
    kind = _entity_kind(obj) if isinstance(obj, dict) else None
    if kind == "work":
        payload.openalex_works.append(obj)
    elif kind == "author":
        payload.openalex_authors.append(obj)
    else:
        raise ValueError("a record without an OpenAlex work or author id")


def _from_bytes(path: str, data: bytes) -> SavedPayload:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    stripped = data.lstrip()
    if not stripped:
        raise ValueError("empty file")
    if stripped[:1] == b"<":
        try:
            feed = parse_feed(stripped)
        except ET.ParseError as exc:
            raise ValueError(f"malformed XML ({exc})") from None
        if feed.errors:
            raise ValueError(f"an arXiv error feed ({feed.errors[0]})")
        return SavedPayload(path, "arxiv_feed", arxiv_entries=feed.entries)
    if stripped[:1] not in (b"{", b"["):
        raise ValueError("neither JSON nor an Atom feed")
    try:
        return _from_json(path, jsonio.loads(stripped))
    except json.JSONDecodeError:
        pass
    payload = SavedPayload(path, "openalex_jsonl")
    for n, line in enumerate(stripped.splitlines(), 1):
        _add_line(payload, n, line)
    return payload


def _add_line(payload: SavedPayload, n: int, line: bytes) -> None:
    """Add JSON Lines line `n` (a blank one is skipped); raise ValueError naming the line if it is no OpenAlex record."""
    if not line.strip():
        return
    try:
        _add_entity(payload, jsonio.loads(line))
    except (json.JSONDecodeError, ValueError) as exc:
        raise ValueError(f"line {n} is not an OpenAlex record ({exc})") from None


def parse_saved(label: str, data: bytes) -> SavedPayload:
    """Return the records in a response body (as landed, or as saved), or raise InputFileError naming `label`."""
    try:
        return _from_bytes(label, data)
    except (ValueError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise InputFileError(label, f"not a recognised OpenAlex or arXiv response: {exc}") from None


def read_saved(path: str | Path) -> SavedPayload:
    """Return the records in a saved response file, or raise InputFileError naming the file."""
    p = Path(path)
    try:
        if p.stat().st_size > _MAX_BYTES:
            raise InputFileError(str(p), "file is over 512 MiB; split it")
        data = p.read_bytes()
    except InputFileError:
        raise
    except OSError as exc:
        raise InputFileError(str(p), f"can't read it ({exc.strerror or exc})") from None
    return parse_saved(str(p), data)


def check_inputs(paths: list[str], author: str | None) -> None:
    """Refuse an ingest's arguments that can't be right, before any file is read."""
    if author is not None and not openalex_author_key(author):
        raise UserError(f"--author '{author}' is not an OpenAlex author id (A…)")
    if not paths:
        raise UserError("give at least one file to ingest")


def check_file(path: str | Path) -> None:
    """Refuse at once a path that is not a readable, regular file that starts like a response (reads its first bytes only)."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError(str(p), "not a regular file (a folder, device or pipe)")
        with p.open("rb") as raw:
            head = raw.read(4096)
            if head[:2] == b"\x1f\x8b":
                raw.seek(0)
                head = gzip.GzipFile(fileobj=raw).read(4096)
    except InputFileError:
        raise
    except (OSError, EOFError) as exc:
        raise InputFileError(str(p), f"can't read it ({getattr(exc, 'strerror', None) or exc})") from None
    stripped = head.lstrip()
    if not stripped:
        raise InputFileError(str(p), "not a recognised OpenAlex or arXiv response: empty file")
    if stripped[:1] not in (b"{", b"[", b"<"):
        raise InputFileError(str(p), "not a recognised OpenAlex or arXiv response: neither JSON nor an Atom feed")


class Sink(Protocol):
    def write(self, data: bytes) -> object: ...


class _Tee(io.RawIOBase):
    """A file read through, every byte also written to `sink` (the raw landing) as it is read."""

    def __init__(self, fh: BinaryIO, sink: Sink | None):
        self.fh, self.sink, self.read_bytes = fh, sink, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.fh.read(len(buffer))
        if self.sink is not None and data:
            self.sink.write(data)
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


class _Capped(io.RawIOBase):
    """A decompressed stream that refuses to go past MAX_INPUT_BYTES, or past MAX_GZIP_RATIO x what it read."""

    def __init__(self, stream: BinaryIO, tee: _Tee, label: str):
        self.stream, self.tee, self.label, self.out = stream, tee, label, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        self.out += len(data)
        if self.out > MAX_INPUT_BYTES:
            raise InputFileError(self.label, f"decompresses to over {MAX_INPUT_BYTES // 2**30} GiB (the cap); split it")
        if self.out > _RATIO_AFTER and self.out > MAX_GZIP_RATIO * max(self.tee.read_bytes, 1):
            raise InputFileError(self.label, f"decompresses over {MAX_GZIP_RATIO}x ({self.tee.read_bytes:,} bytes gave "
                                             f"{self.out:,}): a decompression bomb, not records; refused")
        buffer[: len(data)] = data
        return len(data)


def iter_saved(path: str | Path, sink: Sink | None = None, batch: int = BATCH_RECORDS,
               skip_bad_lines: bool = False) -> Iterator[SavedPayload]:
    """Yield a saved file's records, reading it once: JSON Lines in chunks of `batch` records, any other kind whole.

    Every byte of the file is written to `sink` as it is read (the raw landing), so the file is
    landed and parsed in one pass. The input limits are checked as it is read. A bad JSON Lines
    line raises InputFileError naming the file and every bad line (the rest is scanned, not
    loaded), after the chunks before it were yielded: the caller loads them in a transaction it
    rolls back. With `skip_bad_lines` the bad lines ride along in each chunk's `bad_lines` instead.
    """
    p = Path(path)
    check_file(p)
    label = str(p)
    try:
        with p.open("rb") as raw:
            tee = _Tee(raw, sink)
            buffered = io.BufferedReader(tee, _READ)
            gz = buffered.peek(2)[:2] == b"\x1f\x8b"
            stream = io.BufferedReader(_Capped(gzip.GzipFile(fileobj=buffered) if gz else buffered, tee, label), _READ)
            yield from _chunks(label, stream, batch, skip_bad_lines)
            while buffered.read(_READ):  # land the rest (bytes after a gzip member, say)
                pass
    except InputFileError:
        raise
    except (ValueError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        raise InputFileError(label, f"not a recognised OpenAlex or arXiv response: {exc}") from None
    except OSError as exc:
        raise InputFileError(label, f"can't read it ({exc.strerror or exc})") from None


def _lines(label: str, stream: BinaryIO, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """Yield (number, line) of a stream, refusing a line over MAX_RECORD_BYTES as soon as it gets there."""
    n = start
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        n += 1
        if len(line) > MAX_RECORD_BYTES:
            raise InputFileError(label, f"line {n} is over {MAX_RECORD_BYTES // 2**20} MiB (the cap for one record)")
        if n > MAX_RECORDS:
            raise InputFileError(label, f"over {MAX_RECORDS:,} lines (the cap for one file); split it")
        yield n, line


def _chunks(label: str, stream: BinaryIO, batch: int, skip_bad_lines: bool) -> Iterator[SavedPayload]:
    lines = _lines(label, stream)
    n, first = 0, b""
    for n, first in lines:
        if first.strip():
            break
    try:
        entity = jsonio.loads(first) if first.lstrip()[:1] == b"{" else None
    except json.JSONDecodeError:
        entity = None
    if not isinstance(entity, dict) or not _entity_kind(entity):
        # A JSON document (a list page, an entity over several lines, a wrapper) or an Atom feed: read whole.
        rest = stream.read(_MAX_BYTES + 1 - len(first))
        if len(first) + len(rest) > _MAX_BYTES:
            raise InputFileError(label, "a JSON document or feed over 512 MiB; save it as JSON Lines")
        yield parse_saved(label, first + rest)
        return
    chunk = SavedPayload(label, "openalex_jsonl")
    _add_entity(chunk, entity)
    for n, line in lines:
        try:
            _add_line(chunk, n, line)
        except ValueError as exc:
            if not skip_bad_lines:
                _refuse_bad_lines(label, n, str(exc), lines)
            chunk.bad_lines.append({"line": n, "error": str(exc), "text": line[:4096].decode("utf-8", "replace")})
        if len(chunk.openalex_works) + len(chunk.openalex_authors) >= batch:
            yield chunk
            chunk = SavedPayload(label, "openalex_jsonl")
    if chunk.openalex_works or chunk.openalex_authors or chunk.bad_lines:
        yield chunk


def _refuse_bad_lines(label: str, n: int, first_error: str, rest: Iterator[tuple[int, bytes]]) -> None:
    """Raise InputFileError naming bad line `n` and every other bad line after it (scanned, not loaded)."""
    bad = [n]
    for m, line in rest:
        try:
            _add_line(SavedPayload(label, "scan"), m, line)
        except ValueError:
            bad.append(m)
    shown = ", ".join(map(str, bad[:_SHOWN_BAD_LINES])) + (f" and {len(bad) - _SHOWN_BAD_LINES:,} more" if len(bad) > _SHOWN_BAD_LINES else "")
    raise InputFileError(label, f"{len(bad):,} bad line(s) ({shown}); {first_error}; nothing was loaded "
                                "(--skip-bad-lines loads the good ones and quarantines the rest)")
