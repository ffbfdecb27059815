"""The nightly on a real Prefect server, as an operator runs it.

One `prefect server start` on 127.0.0.1 (killed when the module ends, and by `timeout` whatever
happens): the work pool is created and `prefect.yaml` deployed with Prefect's own CLI, the
listing commands answer, the cron schedule creates runs, and triggered nightlies are executed by
a process worker on the offline sample: a good one ends Completed, a partial one "Partial", a
failed one Failed, each with its run summary artifact and its `runs` row. Then `scholarflow
serve` registers its own deployment beside it and runs a triggered nightly itself.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_LIFETIME_SECONDS = 1200  # the server is killed after this even if the test run dies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, home: Path, port: int):
        self.home, self.url = home, f"http://127.0.0.1:{port}/api"
        self.log = home / "server.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SCHOLARFLOW_"))}
        self.env.update(PREFECT_HOME=str(home), PREFECT_API_URL=self.url, PREFECT_SERVER_ANALYTICS_ENABLED="false",
                        DO_NOT_TRACK="1", COLUMNS="200", PWD=str(REPO), SCHOLARFLOW_HOME=str(home / "data"))

    def api(self, method: str, path: str, body: dict | None = None):
        req = urllib.request.Request(f"{self.url}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def run(self, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=REPO, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc

    def flow_run(self, run_id: str) -> dict:
        return self.api("GET", f"/flow_runs/{run_id}")

    def wait_for(self, what: str, probe, seconds: float = 240):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = probe()
            if got:
                return got
            time.sleep(2)
        pytest.fail(f"{what} did not happen within {seconds:.0f} s; server log tail:\n{self.log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen, sig: int) -> None:
    """End a process group we started: `sig` first, SIGKILL if it lingers."""
    os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-server")
    srv = Server(home, _free_port())
    with open(srv.log, "w") as log:
        proc = subprocess.Popen(["timeout", str(SERVER_LIFETIME_SECONDS), str(BIN / "prefect"), "server", "start",
                                 "--host", "127.0.0.1", "--port", srv.url.split(":")[2].split("/")[0]],
                                env=srv.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def healthy():
            if proc.poll() is not None:
                pytest.fail(f"prefect server exited {proc.returncode}:\n{srv.log.read_text()[-3000:]}")
            try:
                return srv.api("GET", "/health") is True
            except OSError:
                return False
        srv.wait_for("the Prefect server answering /api/health", healthy, seconds=300)
        yield srv
    finally:
        _stop(proc, signal.SIGTERM)


def _runs_row(warehouse: Path) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT flow_name, triggered_by, status, authors_requested FROM runs "
                           "ORDER BY started_at DESC LIMIT 1").fetchone()
    finally:
        con.close()


def _summary_artifact(srv: Server, run_id: str) -> str:
    found = srv.api("POST", "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    return "\n".join(a["data"] for a in found if a["key"] == "scholarflow-run-summary")


def _trigger(srv: Server, warehouse: Path) -> str:
    out = srv.run("prefect", "deployment", "run", "nightly-refresh/nightly", "--param", "offline_sample=true",
                  "--param", f"warehouse={warehouse}").stdout
    return re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)


def test_the_nightly_deployment_runs_on_a_real_server_by_a_worker(server, tmp_path):
    server.run("prefect", "work-pool", "create", "scholarflow", "--type", "process")
    deployed = server.run("prefect", "--no-prompt", "deploy", "--all")
    assert "nightly-refresh/nightly" in deployed.stdout
    # Prefect's listing commands answer (no 422s), and show what was deployed.
    assert "nightly-refresh/nightly" in server.run("prefect", "deployment", "ls").stdout
    assert "scholarflow" in server.run("prefect", "work-pool", "ls").stdout
    for listing in (("flow-run", "ls"), ("artifact", "ls")):
        server.run("prefect", *listing)
    # The UI lists deployments with POST /deployments/paginate, and its pages are served.
    page = server.api("POST", "/deployments/paginate", {"page": 1, "limit": 10, "sort": "NAME_ASC"})
    assert [d["name"] for d in page["results"]] == ["nightly"]
    with urllib.request.urlopen(server.url.removesuffix("/api") + "/", timeout=30) as ui:
        assert ui.status == 200 and b"<html" in ui.read().lower()
    deployment = server.api("GET", "/deployments/name/nightly-refresh/nightly")
    assert deployment["work_pool_name"] == "scholarflow" and deployment["schedules"][0]["schedule"]["cron"] == "0 3 * * *"
    # The scheduler turns the cron schedule into scheduled runs (SQLAlchemy 2.1 stopped exactly this).
    server.wait_for("scheduled runs of the nightly", lambda: server.api("POST", "/flow_runs/filter", {
        "deployments": {"id": {"any_": [deployment["id"]]}},
        "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}))

    warehouses = {name: tmp_path / name / "warehouse.duckdb" for name in ("good", "partial", "failed")}
    tracked = {"good": ["A5000000001", "A5000000002"], "partial": ["A5000000002", "A5999999999"], "failed": ["A5999999999"]}
    for name, keys in tracked.items():
        for key in keys:
            server.run("scholarflow", "authors", "add", key, "--warehouse", str(warehouses[name]))
    runs = {name: _trigger(server, w) for name, w in warehouses.items()}
    # One pass of a process worker picks the three triggered runs up and executes them.
    server.run("prefect", "worker", "start", "--pool", "scholarflow", "--run-once", timeout=600)

    states = {name: server.flow_run(run_id)["state"] for name, run_id in runs.items()}
    assert (states["good"]["type"], states["good"]["name"]) == ("COMPLETED", "Completed")
    assert (states["partial"]["type"], states["partial"]["name"]) == ("COMPLETED", "Partial")
    assert "A5999999999" in states["partial"]["message"]
    assert states["failed"]["type"] == "FAILED" and "A5999999999" in states["failed"]["message"]
    for name, status in (("good", "succeeded"), ("partial", "partial"), ("failed", "failed")):
        assert _runs_row(warehouses[name]) == ("nightly-refresh", "schedule", status, len(tracked[name]))
        assert f": {status}" in _summary_artifact(server, runs[name])
    assert "authors requested | 2" in _summary_artifact(server, runs["good"])
    assert "Can't evaluate bulk DML" not in server.log.read_text()


def _served(srv: Server) -> dict | None:
    try:
        d = srv.api("GET", "/deployments/name/nightly-refresh/nightly-serve")
    except OSError:  # 404 until serve has registered it
        return None
    return d if d["parameters"].get("offline_sample") is True and d["work_pool_name"] is None else None


def test_scholarflow_serve_runs_a_triggered_nightly(server, tmp_path):
    home = tmp_path / "served"
    env = {"SCHOLARFLOW_HOME": str(home)}
    server.run("scholarflow", "authors", "add", "A5000000002", env=env)
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen([str(BIN / "scholarflow"), "-v", "serve", "--offline-sample"], cwd=tmp_path,
                                env={**server.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        served = server.wait_for("`scholarflow serve` registering the nightly", lambda: (
            _served(server)))
        assert served["schedules"][0]["schedule"]["cron"] == "0 3 * * *"
        out = server.run("prefect", "deployment", "run", "nightly-refresh/nightly-serve").stdout
        run_id = re.search(r"UUID: ([0-9a-f-]{36})", out).group(1)
        state = server.wait_for("the served nightly finishing", lambda: (
            (s := server.flow_run(run_id)["state"]) and s["type"] in ("COMPLETED", "FAILED", "CRASHED") and s))
        assert (state["type"], state["name"]) == ("COMPLETED", "Completed"), state["message"] + (tmp_path / "serve.log").read_text()[-4000:]
        assert _runs_row(home / "warehouse.duckdb") == ("nightly-refresh", "schedule", "succeeded", 1)
        assert ": succeeded" in _summary_artifact(server, run_id)
    finally:
        _stop(proc, signal.SIGINT)
