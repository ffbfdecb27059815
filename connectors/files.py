"""Saved responses from disk, recognised by content (never by file name), as plain records.

Accepted: an OpenAlex entity (work or author JSON), an OpenAlex list page ({"meta", "results"}),
OpenAlex snapshot JSON Lines (also gzip), an arXiv API Atom feed; and two common recorder
wrappers around them ({"data", "url"} caches and {"url", "status_code", "body"} recordings).
"""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from connectors.arxiv import parse_feed
from connectors.openalex import openalex_author_key
from core.errors import InputFileError, UserError

__all__ = ["SavedPayload", "read_saved", "parse_saved", "check_inputs", "read_inputs"]

_MAX_BYTES = 512 * 1024 * 1024


@dataclass
class SavedPayload:
    """What one file held: its kind and its records, split by source and noun."""

    path: str
    kind: str
    openalex_works: list[dict] = field(default_factory=list)
    openalex_authors: list[dict] = field(default_factory=list)
    arxiv_entries: list[dict] = field(default_factory=list)
    raw: bytes = b""  # the file's bytes as read, for the raw landing


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
        return _from_json(path, json.loads(stripped))
    except json.JSONDecodeError:
        pass
    payload = SavedPayload(path, "openalex_jsonl")
    for n, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        try:
            _add_entity(payload, json.loads(line))
        except (json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"line {n} is not an OpenAlex record ({exc})") from None
    return payload


def parse_saved(label: str, data: bytes) -> SavedPayload:
    """Return the records in a response body (as landed, or as saved), or raise InputFileError naming `label`."""
    try:
        payload = _from_bytes(label, data)
        payload.raw = data
        return payload
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


def read_inputs(paths: list[str], author: str | None) -> list[SavedPayload]:
    """Return every file's payload, or raise on the first bad one (before anything is written)."""
    check_inputs(paths, author)
    return [read_saved(p) for p in paths]
