"""The one retry policy: every request of every connector goes through `HttpClient.get`.

It retries only what can get better by waiting (429, 5xx, timeouts, connection errors, and
whatever a connector's `check` calls transient, such as arXiv's HTTP-200 error feeds), honours
`Retry-After` (also when the 429 body is HTML), backs off exponentially with jitter, keeps a
minimum interval per host, lands every body before anyone parses it, and finally raises an
error that names the URL (secrets removed), the attempt and the status. No library retries sit
under it (pyalex and arxiv are used for their nouns, not their transports) and no Prefect task
retries sit over it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable, ContextManager
from urllib.parse import urlsplit

import requests
import urllib3

from connectors.landing import LandedResponse, RawLanding
from core.errors import (
    RateLimitedError,
    SourceDownError,
    SourceRejectedError,
    TransientFetchError,
    redact,
    redact_bytes,
)

__all__ = ["HttpClient", "RetryPolicy", "Check"]

log = logging.getLogger("scholarflow.http")

# check(landed, attempt) returns the parsed body, raises TransientFetchError to ask for a
# retry, or any other FetchError to stop. Parsing once, here, serves both the check and the caller.
Check = Callable[[LandedResponse, int], Any]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 524})
# No answer of either source comes near this; a bigger one (or a compressed bomb) is refused while it is read.
MAX_BODY_BYTES = 256 * 2**20
_READ_CHUNK = 2**16


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff; a Retry-After beyond the cap fails now."""

    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 120.0
    max_retry_after_seconds: float = 300.0

    def wait_before(self, attempt: int, retry_after: float | None) -> float:
        """Return the seconds to sleep before `attempt` (2, 3, ...)."""
        backoff = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 2))
        backoff *= 1 + random.uniform(0, 0.25)
        return max(backoff, retry_after or 0.0)


def _retry_after_seconds(headers, body: bytes) -> float | None:
    """Return the wait a 429/503 asks for, from the header or from OpenAlex's JSON body."""
    value = headers.get("Retry-After")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max(0.0, when.timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    if body[:1] == b"{" and b"retryAfter" in body:
        try:
            return float(json.loads(body)["retryAfter"])
        except (ValueError, KeyError, TypeError):
            return None
    return None


@dataclass
class HttpClient:
    """A polite, retrying, landing HTTP GET shared by all connectors."""

    landing: RawLanding
    session: requests.Session = field(default_factory=requests.Session)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    min_interval: dict[str, float] = field(default_factory=dict)
    # Seconds for connecting plus reading the whole answer: a server that drips bytes ends here too.
    timeout: float = 30.0
    max_body_bytes: int = MAX_BODY_BYTES
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests_made: int = 0
    requests_by_source: dict[str, int] = field(default_factory=dict)  # of requests_made, per source ('openalex', 'arxiv')
    # Told the source of every landed response (a progress bar counts pages with it).
    on_landed: Callable[[str], None] | None = None
    # gate(host) is entered around every request: a rate shared with other processes (flows/limits.py).
    gate: Callable[[str], ContextManager[None]] | None = None

    def __post_init__(self):
        self._last_request: dict[str, float] = {}
        # One connection per host at a time: arXiv's terms ask for exactly that.
        self._host_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # Hosts whose retries were spent in this run: asking again would only spend them again.
        self._down: dict[str, str] = {}

    def _host_lock(self, host: str) -> threading.Lock:
        with self._locks_guard:
            return self._host_locks.setdefault(host, threading.Lock())

    def _throttle(self, host: str) -> None:
        interval = self.min_interval.get(host, 0.0)
        last = self._last_request.get(host)
        if interval and last is not None:
            wait = interval - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = self.clock()

    def get(
        self,
        url: str,
        *,
        source: str,
        secret_params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        check: Check | None = None,
    ) -> LandedResponse:
        """Return the landed 2xx response for `url`, retrying transient failures.

        `url` must not contain secrets: they go in `secret_params`, are added on the wire
        only, and never reach the landing, the logs or an error.
        """
        return self.get_parsed(url, source=source, secret_params=secret_params, headers=headers, check=check)[0]

    def get_parsed(
        self,
        url: str,
        *,
        source: str,
        check: Check | None,
        secret_params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[LandedResponse, Any]:
        """Return (landed response, what `check` parsed from it), retrying as `get` does."""
        host = urlsplit(url).netloc
        attempt = 0
        with self._host_lock(host):
            if host in self._down:
                raise SourceDownError(url, 0, None, f"skipped: {host} is down in this run ({self._down[host]})")
            while True:
                attempt += 1
                try:
                    return self._attempt(url, host, attempt, source, secret_params, headers, check)
                except TransientFetchError as exc:
                    if attempt >= self.policy.max_attempts:
                        self._down[host] = f"{exc.reason}, {attempt} attempts"
                        raise
                    if exc.retry_after is not None and exc.retry_after > self.policy.max_retry_after_seconds:
                        self._down[host] = f"asks to wait {exc.retry_after:.0f} s"
                        raise RateLimitedError(
                            url, attempt, exc.status,
                            f"source asks to wait {exc.retry_after:.0f} s (over the "
                            f"{self.policy.max_retry_after_seconds:.0f} s cap)",
                        ) from None
                    wait = self.policy.wait_before(attempt + 1, exc.retry_after)
                    log.warning("retrying in %.1f s: %s", wait, exc)
                    self.sleep(wait)

    def _attempt(self, url, host, attempt, source, secret_params, headers, check) -> tuple[LandedResponse, Any]:
        self._throttle(host)
        self.requests_made += 1
        self.requests_by_source[source] = self.requests_by_source.get(source, 0) + 1
        try:
            with self.gate(host) if self.gate else nullcontext():
                deadline = time.monotonic() + self.timeout
                resp = self.session.get(url, params=secret_params or None, headers=headers, timeout=self.timeout, stream=True)
                body = self._read_body(resp, url, attempt, deadline)
        except requests.Timeout:
            raise TransientFetchError(url, attempt, None, "timed out") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            # A reset, a refused connection, a body shorter than its Content-Length: the library's
            # message embeds the full URL (with the key), so keep only the class name.
            raise TransientFetchError(url, attempt, None, f"connection failed ({type(exc).__name__})") from None
        # A server that echoes the key back must not get it into the landing.
        landed = self.landing.land(source, url, resp.status_code, redact_bytes(body))
        if self.on_landed is not None:
            self.on_landed(source)
        status = resp.status_code
        if status in RETRY_STATUSES:
            raise TransientFetchError(
                url, attempt, status, "source busy or failing",
                retry_after=_retry_after_seconds(resp.headers, body),
            )
        if status >= 400:
            detail = redact(body[:200].decode("utf-8", "replace")).replace("\n", " ")
            raise SourceRejectedError(url, attempt, status, f"request refused: {detail}")
        return landed, (check(landed, attempt) if check is not None else None)

    def _read_body(self, resp: requests.Response, url: str, attempt: int, deadline: float) -> bytes:
        """Return the whole (decoded) body, read as it arrives, by `deadline` and within `max_body_bytes`."""
        raw = resp.raw
        if not hasattr(raw, "read1"):  # an adapter that answers from memory (the offline replay)
            return resp.content
        chunks, size = [], 0
        try:
            while chunk := raw.read1(_READ_CHUNK, decode_content=True):
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise SourceRejectedError(url, attempt, resp.status_code,
                                              f"answer larger than {self.max_body_bytes // 2**20} MB; refused")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TransientFetchError(url, attempt, resp.status_code,
                                              f"answer not complete within {self.timeout:g} s")
        finally:
            resp.close()
        return b"".join(chunks)
