"""What a run tells whoever watches it as it goes (the command line's progress bars); nobody, by default.

A flow run in a worker or under `serve` has no watcher; the command line sets one for the
flow run it starts in its own process (`watching`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

__all__ = ["Watcher", "watcher", "watching"]


class Watcher:
    """The events a run reports; each does nothing here."""

    def authors(self, total: int) -> None:
        """The run will fetch `total` authors."""

    def author(self, key: str) -> None:
        """The run starts fetching the author `key`."""

    def page(self, source: str) -> None:
        """A response from `source` ('openalex', 'arxiv') was landed."""

    def author_done(self, key: str, failed: str | None) -> None:
        """The author `key` was fetched (or failed, with the reason)."""


_current: Watcher = Watcher()


def watcher() -> Watcher:
    """Return the run's watcher (a silent one when nobody watches)."""
    return _current


@contextmanager
def watching(w: Watcher) -> Iterator[Watcher]:
    """Report to `w` for the duration of the block."""
    global _current
    previous, _current = _current, w
    try:
        yield w
    finally:
        _current = previous
