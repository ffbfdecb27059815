"""Shared fixtures: offline by default, a real DuckDB in tmp, recorded responses only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.http import HttpClient, RetryPolicy
from connectors.landing import RawLanding

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SAMPLE_AUTHORS = ["A5000000001", "A5000000002", "A5000000003"]


def realdata(rel: str) -> Path:
    """Return a path under ../shared/realdata, skipping the test cleanly where it is absent."""
    path = REALDATA / rel
    if not path.exists():
        pytest.skip(f"../shared/realdata not present ({rel})")
    return path


@pytest.fixture(scope="session", autouse=True)
def _prefect_home(tmp_path_factory):
    """The commands the tests run keep their Prefect database in the session's tmp, not in ~/.prefect."""
    home = tmp_path_factory.mktemp("prefect-home")
    before = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    yield home
    if before is None:
        os.environ.pop("PREFECT_HOME", None)
    else:
        os.environ["PREFECT_HOME"] = before


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Every test gets its own SCHOLARFLOW_HOME and no OpenAlex key from the machine."""
    monkeypatch.setenv("SCHOLARFLOW_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("SCHOLARFLOW_WAREHOUSE", raising=False)
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def http(tmp_path, sleeps):
    """An HttpClient that records its sleeps instead of sleeping."""
    return HttpClient(
        landing=RawLanding(tmp_path / "raw", "test-run"),
        policy=RetryPolicy(max_attempts=4, backoff_seconds=1.0, max_retry_after_seconds=60),
        sleep=sleeps.append,
        timeout=5,
    )


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for flow tests (one per session: it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_harness) -> str:
    """The session's Prefect server's API address, for commands run as subprocesses (they then start no
    temporary server of their own, ~10 s a command)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()
