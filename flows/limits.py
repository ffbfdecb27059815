"""The sources' rate rules, held across every process of a Prefect server: Prefect global concurrency limits.

A per-process pause keeps one process polite; two workers would each keep it and together ask
twice as fast. So every live request first takes a slot of a *rate limit* on the Prefect server
(`scholarflow-rate-<host>`: one slot, decaying at the host's rate, so requests start at most that
often from all processes together), and a request to arXiv also holds the one slot of a
*concurrency limit* (`scholarflow-connection-<host>`) while it runs: arXiv asks for one connection
at a time. The limits are set from the settings at each run's start (`prefect gcl ls` shows them).
"""

from __future__ import annotations

import re
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from typing import ContextManager, Iterator

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency, rate_limit
from prefect.exceptions import ObjectAlreadyExists

from core.errors import SharedLimitError

__all__ = ["HostRule", "SharedLimits", "limit_name"]

# The shortest lease Prefect allows: a killed process's connection slot is free again within it.
CONNECTION_LEASE_SECONDS = 60.0


@dataclass(frozen=True)
class HostRule:
    """What one host allows: a request every `interval` seconds, and one connection at a time or not."""

    interval: float
    one_connection: bool = False


def limit_name(kind: str, host: str) -> str:
    """The Prefect limit's name for a host (`scholarflow-rate-export.arxiv.org`); names can't hold / % & > <."""
    return f"scholarflow-{kind}-" + re.sub(r"[^A-Za-z0-9._-]", "-", host)


class SharedLimits:
    """A gate for `HttpClient`: entered around each request, it waits for the host's shared slots."""

    def __init__(self, rules: list[tuple[str, HostRule]]):
        # Two sources behind one host (a mirror) share the stricter rule; a host without a pause has nothing to share.
        self.rules: dict[str, HostRule] = {}
        for host, rule in rules:
            had = self.rules.get(host, rule)
            self.rules[host] = HostRule(max(had.interval, rule.interval), had.one_connection or rule.one_connection)
        self.rules = {host: rule for host, rule in self.rules.items() if rule.interval > 0}

    def ensure(self) -> None:
        """Create or update the limits on the Prefect server to match the rules."""
        if not self.rules:
            return
        with get_client(sync_client=True) as client:
            for host, rule in self.rules.items():
                rate = limit_name("rate", host)
                _taking(rate, lambda: _upsert(client, rate, 1 / rule.interval), "set")
                if rule.one_connection:
                    one = limit_name("connection", host)
                    _taking(one, lambda: _upsert(client, one, None), "set")

    def __call__(self, host: str) -> ContextManager[None]:
        rule = self.rules.get(host)
        return nullcontext() if rule is None else self._held(host, rule)

    @contextmanager
    def _held(self, host: str, rule: HostRule) -> Iterator[None]:
        # strict: a limit missing on the server is an error, never an unlimited request.
        with ExitStack() as held:
            if rule.one_connection:
                name = limit_name("connection", host)
                _taking(name, lambda: held.enter_context(
                    concurrency(name, occupy=1, strict=True, lease_duration=CONNECTION_LEASE_SECONDS)))
            name = limit_name("rate", host)
            _taking(name, lambda: rate_limit(name, strict=True))
            yield


def _upsert(client, name: str, decay: float | None) -> None:
    """Create the one-slot limit, or update it to this decay; another process creating it first is no error."""
    try:
        client.upsert_global_concurrency_limit_by_name(name, 1, slot_decay_per_second=decay)
    except ObjectAlreadyExists:  # created between our read and our create: now it is there to update
        client.upsert_global_concurrency_limit_by_name(name, 1, slot_decay_per_second=decay)


def _taking(name: str, take, doing: str = "take") -> None:
    try:
        take()
    except Exception as exc:  # Prefect's client raises httpx errors and its own; any of them means no slot
        what = "can't set the Prefect limit" if doing == "set" else "no slot of the Prefect limit"
        raise SharedLimitError(f"{what} {name} ({type(exc).__name__}: {exc}); no request is made (see `prefect gcl ls`, "
                               "or set SCHOLARFLOW_SHARED_RATE_LIMITS=false for a single process)") from None
