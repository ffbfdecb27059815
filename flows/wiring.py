"""The one wiring point: settings in, connected clients out (live, or offline on recordings)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import requests

from connectors.arxiv import ArxivConnector
from connectors.arxiv_oai import ArxivHarvester
from connectors.http import HttpClient, RetryPolicy
from connectors.landing import RawLanding
from connectors.openalex import OpenAlexConnector
from connectors.replay import replay_session
from core.settings import Settings
from flows.limits import HostRule, SharedLimits

__all__ = ["Clients", "make_clients", "shared_limits"]

USER_AGENT = f"scholarflow/{version('scholarflow')} (researcher profile pipeline)"


@dataclass
class Clients:
    """Everything a run fetches with; tests build one around a recorded session."""

    http: HttpClient
    landing: RawLanding
    openalex: OpenAlexConnector
    arxiv: ArxivConnector
    harvester: ArxivHarvester


def shared_limits(settings: Settings) -> SharedLimits | None:
    """Return the gate that holds the sources' rates across every process of the Prefect server (set up there
    now), or None when SCHOLARFLOW_SHARED_RATE_LIMITS is off."""
    if not settings.shared_rate_limits:
        return None
    # arXiv's terms cover its OAI-PMH interface too: one request every 3 s, one connection.
    limits = SharedLimits([(urlsplit(settings.arxiv_api_url).netloc, HostRule(settings.arxiv_delay_seconds, one_connection=True)),
                           (urlsplit(settings.arxiv_oai_url).netloc, HostRule(settings.arxiv_delay_seconds, one_connection=True)),
                           (urlsplit(settings.openalex_base_url).netloc, HostRule(settings.openalex_delay_seconds))])
    limits.ensure()
    return limits


def _pauses(settings: Settings) -> dict[str, float]:
    """Seconds between two requests per host (two sources behind one host keep the longer pause)."""
    pauses: dict[str, float] = {}
    for url, delay in ((settings.arxiv_api_url, settings.arxiv_delay_seconds), (settings.arxiv_oai_url, settings.arxiv_delay_seconds),
                       (settings.openalex_base_url, settings.openalex_delay_seconds)):
        host = urlsplit(url).netloc
        pauses[host] = max(pauses.get(host, 0.0), delay)
    return pauses


def make_clients(settings: Settings, run_id: str, replay_dir: Path | None = None,
                 session: requests.Session | None = None, on_landed: Callable[[str], None] | None = None) -> Clients:
    """Return the run's clients. Live runs need OPENALEX_API_KEY and fail here, before any work."""
    test_session = session is not None
    if replay_dir is not None:
        session, api_key = replay_session(replay_dir), None
    else:
        api_key = settings.require_openalex_key() if session is None else None
        session = session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    landing = RawLanding(settings.raw_dir, run_id)
    offline = replay_dir is not None
    http = HttpClient(
        landing=landing,
        session=session,
        policy=RetryPolicy(
            max_attempts=settings.max_attempts,
            backoff_seconds=settings.backoff_seconds,
            max_retry_after_seconds=settings.max_retry_after_seconds,
        ),
        # Recordings need no politeness; the live sources do.
        min_interval={} if offline else _pauses(settings),
        timeout=settings.timeout_seconds,
        on_landed=on_landed,
        gate=None if offline or test_session else shared_limits(settings),
    )
    return Clients(
        http=http,
        landing=landing,
        # The recordings were made at the real services' addresses.
        openalex=OpenAlexConnector(http, api_key=api_key, email=settings.openalex_email,
                                   **({} if offline else {"base_url": settings.openalex_base_url})),
        arxiv=ArxivConnector(http, page_size=settings.arxiv_page_size, max_results=settings.arxiv_max_results,
                             endpoint=None if offline else settings.arxiv_api_url),
        harvester=ArxivHarvester(http, **({} if offline else {"base_url": settings.arxiv_oai_url})),
    )
