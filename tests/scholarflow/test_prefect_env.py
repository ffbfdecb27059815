"""Where a command's flow runs go: a configured server, else a temporary one that neither times out nor collides."""

import pytest

from scholarflow import prefect_env
from scholarflow.prefect_env import STARTUP_TIMEOUT_SECONDS, configure_prefect, configured_api_url


@pytest.fixture
def held(monkeypatch):
    """Locks taken by configure_prefect in a test, released after it."""
    handles = []
    monkeypatch.setattr(prefect_env, "_held", handles)
    yield handles
    for h in handles:
        h.close()


def test_the_api_url_comes_from_the_environment_then_the_active_profile(tmp_path):
    assert configured_api_url({"PREFECT_HOME": str(tmp_path)}) is None
    (tmp_path / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect.internal:4200/api"\n[profiles.local]\n')
    assert configured_api_url({"PREFECT_HOME": str(tmp_path)}) == "http://prefect.internal:4200/api"
    assert configured_api_url({"PREFECT_HOME": str(tmp_path), "PREFECT_PROFILE": "local"}) is None
    env = {"PREFECT_HOME": str(tmp_path), "PREFECT_API_URL": "http://127.0.0.1:4200/api"}
    assert configured_api_url(env) == "http://127.0.0.1:4200/api"
    (tmp_path / "profiles.toml").write_text("not [toml")
    assert configured_api_url({"PREFECT_HOME": str(tmp_path)}) is None


def test_a_configured_server_is_used_as_it_is(tmp_path, held):
    env = {"PREFECT_HOME": str(tmp_path), "PREFECT_API_URL": "http://127.0.0.1:4200/api"}
    assert configure_prefect(env=env) == "Prefect server http://127.0.0.1:4200/api"
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" not in env and "PREFECT_SERVER_DATABASE_CONNECTION_URL" not in env
    assert env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "CRITICAL" and env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_temporary_servers_get_time_to_start_and_a_database_each(tmp_path, held):
    first, second, third = ({"PREFECT_HOME": str(tmp_path)} for _ in range(3))
    assert configure_prefect(env=first) == f"a temporary Prefect server on {tmp_path / 'prefect.db'}"
    assert first["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == str(STARTUP_TIMEOUT_SECONDS)
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL" not in first  # Prefect's own database, history and all
    # While the first command holds it, the next ones get databases of their own.
    configure_prefect(env=second)
    configure_prefect(env=third)
    spare = tmp_path / "scholarflow-ephemeral"
    assert second["PREFECT_SERVER_DATABASE_CONNECTION_URL"] == f"sqlite+aiosqlite:///{spare / '1.db'}"
    assert third["PREFECT_SERVER_DATABASE_CONNECTION_URL"] == f"sqlite+aiosqlite:///{spare / '2.db'}"
    # When the first command ends, its database is free again.
    held.pop(0).close()
    again = {"PREFECT_HOME": str(tmp_path)}
    configure_prefect(env=again)
    assert "PREFECT_SERVER_DATABASE_CONNECTION_URL" not in again


def test_verbose_keeps_prefects_logs_and_a_users_settings_win(tmp_path, held):
    env = {"PREFECT_HOME": str(tmp_path), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "900",
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": "postgresql+asyncpg://prefect@127.0.0.1/prefect"}
    assert configure_prefect(verbose=True, env=env) == "a temporary Prefect server on the configured database"
    assert "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL" not in env
    assert env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "900"
    assert env["PREFECT_SERVER_DATABASE_CONNECTION_URL"].startswith("postgresql")
