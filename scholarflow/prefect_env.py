"""How a command that runs a flow reaches Prefect, set up before Prefect is imported.

- A configured server wins: `PREFECT_API_URL` in the environment or in the active Prefect
  profile (`prefect profile`, `prefect cloud login`). Flow runs, logs and artifacts go there.
- Otherwise Prefect starts a temporary server for the command. Its start-up gets minutes, not
  Prefect's default 20 s (a first start migrates a new database, which on a 2-core machine
  under load takes longer), and two commands at once never share its SQLite file: the first
  uses Prefect's own database, a second one (while the first runs) the next free database of
  `$PREFECT_HOME/scholarflow-ephemeral/`, each held by a lock for the life of its command.
  Two temporary servers migrating or writing one SQLite file is what failed before.
- A temporary server whose command was killed (SIGKILL, a stopped container) outlives it. The
  next command that takes its database's lock stops it: whoever held the lock is gone.
- Prefect's own console logs are off unless `--verbose`: the command prints what it did.
"""

from __future__ import annotations

import fcntl
import os
import signal
import time
import tomllib
from pathlib import Path

__all__ = ["configure_prefect", "stop_orphan_servers", "STARTUP_TIMEOUT_SECONDS"]

STARTUP_TIMEOUT_SECONDS = 300
MAX_DATABASES = 16
_held: list = []  # lock files kept open (and so held) until the process ends


def _prefect_home(env) -> Path:
    return Path(env.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


def configured_api_url(env=os.environ) -> str | None:
    """Return the Prefect API this command would use: PREFECT_API_URL, else the active profile's, else None."""
    if env.get("PREFECT_API_URL"):
        return env["PREFECT_API_URL"]
    path = Path(env.get("PREFECT_PROFILES_PATH") or _prefect_home(env) / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    active = env.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    return (profiles.get("profiles", {}).get(active) or {}).get("PREFECT_API_URL") or None


def _take(lock_path: Path) -> bool:
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _held.append(handle)
    return True


def configure_prefect(verbose: bool = False, env=os.environ) -> str:
    """Set Prefect's environment for this command; return where its flow runs are recorded (one phrase)."""
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no phoning home from our temporary server
    if not verbose:
        for handler in ("CONSOLE", "DEBUG"):
            env.setdefault(f"PREFECT_LOGGING_HANDLERS_{handler}_LEVEL", "CRITICAL")
    url = configured_api_url(env)
    if url:
        return f"Prefect server {url}"
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(STARTUP_TIMEOUT_SECONDS))
    if env.get("PREFECT_API_DATABASE_CONNECTION_URL") or env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        return "a temporary Prefect server on the configured database"
    home = _prefect_home(env)
    spare = home / "scholarflow-ephemeral"
    try:
        spare.mkdir(parents=True, exist_ok=True)
        if _take(spare / "0.lock"):
            stop_orphan_servers(home, None)
            return f"a temporary Prefect server on {home / 'prefect.db'}"
        for n in range(1, MAX_DATABASES):
            if _take(spare / f"{n}.lock"):
                env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{spare / f'{n}.db'}"
                stop_orphan_servers(home, env["PREFECT_SERVER_DATABASE_CONNECTION_URL"])
                return f"a temporary Prefect server on {spare / f'{n}.db'} (another command holds Prefect's own database)"
    except OSError:
        pass  # an unwritable Prefect home: Prefect says so itself when it starts
    return "a temporary Prefect server"


def _environ(pid: str) -> dict[str, str] | None:
    """The environment of a temporary Prefect server process, or None for any other process (Linux /proc)."""
    try:
        if b"prefect.server.api.server:create_app" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
        raw = Path(f"/proc/{pid}/environ").read_bytes().decode("utf-8", "replace")
    except OSError:
        return None
    env = dict(kv.split("=", 1) for kv in raw.split("\0") if "=" in kv)
    return env if env.get("PREFECT__SERVER_EPHEMERAL") == "1" else None


def stop_orphan_servers(home: Path, database: str | None) -> list[int]:
    """Stop the temporary Prefect servers on this Prefect home's `database` (None: Prefect's own); return their pids.

    Call holding that database's lock: every command that starts a server on it holds the lock
    for its life, so a server on it now belongs to a command that died.
    """
    orphans = []
    for proc in Path("/proc").glob("[0-9]*"):
        env = _environ(proc.name)
        if env is None or int(proc.name) == os.getpid() or _prefect_home(env) != home:
            continue
        if (env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL") or env.get("PREFECT_API_DATABASE_CONNECTION_URL")) != database:
            continue
        orphans.append(int(proc.name))
    for pid in orphans:
        _stop(pid)
    return orphans


def _stop(pid: int, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + grace
        while time.monotonic() < end:
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
