"""JSON at the speed records need: orjson where it can, the standard library where it can't.

Records are parsed once per file and written once per store, ~15 KB each; orjson does both
3-10x faster than `json`. It refuses what the standard library accepts (NaN, integers past 64
bits), so those fall back to `json`: no input that parsed before is refused now.
"""

from __future__ import annotations

import json

import orjson

__all__ = ["loads", "dumps_sorted", "MAX_DEPTH"]

MAX_DEPTH = 1024  # orjson's nesting limit; deeper input is refused, never handed to the recursive stdlib parser


def loads(data: bytes | str):
    """Parse JSON text; raise json.JSONDecodeError (a ValueError) on malformed input."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc).lower():
            raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", "", 0) from None
        try:
            return json.loads(data)
        except RecursionError:
            raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", "", 0) from None


def dumps_sorted(obj) -> str:
    """Serialize with sorted keys, UTF-8 kept as is (one canonical text per value)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # an integer past 64 bits, a non-string key
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
