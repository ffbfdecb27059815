"""One base exception, specific subclasses; every one survives pickling (Prefect serialises failures)."""

from __future__ import annotations

import errno
import os
import re

__all__ = [
    "ScholarflowError",
    "UserError",
    "ConfigError",
    "InputFileError",
    "AuthorNotFoundError",
    "AmbiguousAuthorError",
    "WarehouseError",
    "FetchError",
    "TransientFetchError",
    "RateLimitedError",
    "SourceRejectedError",
    "SourceDownError",
    "SuspectAnswerError",
    "RunStopped",
    "StorageError",
    "storage_error",
    "redact",
    "redact_bytes",
    "register_secret",
]

_SECRET_PARAM = re.compile(r"(api_key|mailto)=[^&\s]*", re.IGNORECASE)
# Secret values in use in this process (the OpenAlex key): removed wherever they appear, not only after `api_key=`.
_SECRETS: set[str] = set()
_SHORTEST_SECRET = 6  # shorter values would blank ordinary words


def register_secret(value: str | None) -> None:
    """Have `redact` remove this value (and its URL-quoted form) from every text from now on."""
    from urllib.parse import quote

    if value and len(value) >= _SHORTEST_SECRET:
        _SECRETS.update({value, quote(value, safe="")})


def redact(text: str) -> str:
    """Return text with any api_key / mailto query value, and every registered secret, replaced by '***'."""
    text = _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", text)
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


def redact_bytes(body: bytes) -> bytes:
    """Return a body with every registered secret replaced by b'***' (what a server echoed back)."""
    for secret in _SECRETS:
        body = body.replace(secret.encode(), b"***")
    return body


class ScholarflowError(Exception):
    """Base of every error scholarflow raises on purpose."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(redact(message))
        self.message = redact(message)

    def __reduce__(self):
        return (self.__class__, (self.message,))

    def __str__(self) -> str:
        return self.message


class UserError(ScholarflowError):
    """Bad input from the person at the keyboard: one clear line, exit 2."""

    exit_code = 2


class ConfigError(UserError):
    """A setting is missing or invalid (for example no OPENALEX_API_KEY on a live run)."""


class InputFileError(UserError):
    """A file given to `ingest` is unreadable, unknown or malformed."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):
        return (self.__class__, (self.path, self.reason))


class AuthorNotFoundError(UserError):
    """No author matches the given OpenAlex id, ORCID or name."""


class AmbiguousAuthorError(UserError):
    """A name matches several authors; the candidates are listed instead of guessing."""

    def __init__(self, query: str, candidates: list[dict]):
        self.query, self.candidates = query, candidates
        lines = "; ".join(
            f"{c['author_id']} {c['display_name']} ({c.get('affiliation') or 'no affiliation'}, "
            f"{c.get('works_count', 0)} works)"
            for c in candidates
        )
        super().__init__(
            f"'{query}' matches {len(candidates)} authors, pick one by id: {lines}"
        )

    def __reduce__(self):
        return (self.__class__, (self.query, self.candidates))


class WarehouseError(UserError):
    """The warehouse can't be opened, written or published."""


class FetchError(ScholarflowError):
    """A request failed for good; carries the URL (without secrets), the attempt and the status."""

    def __init__(self, url: str, attempt: int, status: int | None, reason: str):
        self.url, self.attempt, self.status, self.reason = redact(url), attempt, status, reason
        status_text = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{reason} ({status_text}, attempt {attempt}) for {self.url}")

    def __reduce__(self):
        return (self.__class__, (self.url, self.attempt, self.status, self.reason))


class TransientFetchError(FetchError):
    """Worth retrying: 429, 5xx, timeouts, connection errors, arXiv error feeds and empty pages."""

    def __init__(self, url, attempt, status, reason, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(url, attempt, status, reason)

    def __reduce__(self):
        return (self.__class__, (self.url, self.attempt, self.status, self.reason, self.retry_after))


class RateLimitedError(FetchError):
    """The source asked us to wait longer than we are willing to (for example a spent daily budget)."""


class SourceRejectedError(FetchError):
    """The source refused the request (4xx other than 429): retrying can't help."""


class SourceDownError(FetchError):
    """A host already gave up on in this run (retries spent): its other requests are skipped, not retried again."""

    def __init__(self, url: str, attempt: int, status: int | None, reason: str):
        super().__init__(url, attempt, status, reason)
        self.message = redact(f"{reason}; not asked for {self.url}")


class SuspectAnswerError(ScholarflowError):
    """A source's answer was whole but not believable (an empty or sharply shorter works list), twice:
    the author fails for this run and keeps every stored work."""


class SharedLimitError(ScholarflowError):
    """A slot of a rate shared through the Prefect server could not be taken (the server is unreachable, or the
    limit was deleted mid-run): the request is not made, since it might break the source's rules."""


class RunStopped(ScholarflowError):
    """The process was told to stop (SIGTERM, SIGINT) during a run: the run is recorded as cancelled and
    nothing is published. Exits 128 + the signal's number, as a process killed by it would."""

    def __init__(self, message: str, signum: int = 15):
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum

    def __reduce__(self):
        return (self.__class__, (self.message, self.signum))


class StorageError(ScholarflowError):
    """A disk the pipeline writes to refused a write: full, read-only or not this user's to write. The run
    failed with the published warehouse as it was; once the disk can be written, the next run succeeds."""


# errno -> (what happened, what to do); DuckDB reports these as text, so they are matched by their strerror too.
_STORAGE_FAULTS = {
    errno.ENOSPC: ("no space left on its device", "free some space there (or point SCHOLARFLOW_HOME at a larger disk)"),
    errno.EDQUOT: ("the disk quota is used up", "free some space there or raise the quota"),
    errno.EROFS: ("it is on a read-only file system", "mount it writable (or point SCHOLARFLOW_HOME at a writable disk)"),
    errno.EACCES: ("permission denied", "give this user write access to it"),
    errno.EPERM: ("operation not permitted", "give this user write access to it"),
    errno.EFBIG: ("a file grew over the file system's (or ulimit's) size limit", "raise the limit or use another disk"),
}


def storage_error(path, exc: BaseException) -> StorageError | None:
    """Return the one-line StorageError for a write under `path` that failed on a full, read-only or
    forbidden disk (an OSError, or a DuckDB error carrying one's text); None for any other failure."""
    fault = _STORAGE_FAULTS.get(getattr(exc, "errno", None))
    if fault is None:
        text = str(exc)
        fault = next((f for code, f in _STORAGE_FAULTS.items() if os.strerror(code) in text), None)
    if fault is None:
        return None
    what, advice = fault
    return StorageError(f"can't write {path}: {what}; {advice}, then run again (the published warehouse is unchanged)")
