"""Stopping a run on a signal: SIGTERM or SIGINT cancels it, recorded, with nothing published.

Used by `steps.recorded_run` and around a refresh's fetches. A command that runs its own
temporary Prefect server also ends it and exits at once (`_end_here`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from prefect.exceptions import TerminationSignal

from core.errors import RunStopped
from warehouse import Warehouse

__all__ = ["stop_guard", "current_flow_run_id", "end_flow_runs"]


def current_flow_run_id() -> str | None:
    """The id of the Prefect flow run this code runs in (None outside one)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return str(context.flow_run.id) if context is not None and context.flow_run is not None else None


def end_flow_runs(ends: dict[str, str], run_id: str) -> int:
    """End in Prefect the flow runs of earlier runs that could not end themselves: {flow run id: "crashed"} for a
    process that died mid-run, "cancelled" for a stopped one whose Prefect server was gone. A flow run already in
    a final state is left alone. Returns how many were ended; a server that can't be told is logged, not fatal
    (the warehouse has the record)."""
    from prefect import get_run_logger
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled, Crashed

    ended = 0
    try:
        with get_client(sync_client=True) as client:
            for flow_run_id, how in ends.items():
                state = client.read_flow_run(flow_run_id).state
                if state is not None and state.is_final():
                    continue
                final = Crashed if how == "crashed" else Cancelled
                client.set_flow_run_state(flow_run_id, final(
                    message=f"its process ended before the run finished; marked {how} by run {run_id}"), force=True)
                ended += 1
    except Exception as exc:  # noqa: BLE001 - a flow run the server lost, a server gone: the warehouse has the record
        get_run_logger().warning("earlier runs' Prefect flow runs were not ended: %s", exc)
    return ended


def _temporary_servers() -> list:
    """The temporary Prefect servers this process started (none when it reports to a configured server)."""
    try:
        from prefect.server.api.server import SubprocessASGIServer
    except ImportError:
        return []
    return [s for s in getattr(SubprocessASGIServer, "_instances", {}).values() if getattr(s, "server_process", None)]


def _end_here(stopped: RunStopped, warehouse: Warehouse, servers: list) -> None:
    """Exit now, as a stopped command with its own temporary Prefect server must: the signal may have gone to
    the whole process group (Ctrl-C, a container stop) and be taking that server down, and Prefect would then
    spend minutes retrying it. The run is recorded where it matters, in the warehouse; the flow run is told
    Cancelled if the server still answers within seconds; the server is stopped; one line says what happened."""
    warehouse.close()
    # The flow run is this thread's context: read here, the reporter thread has no such context.
    reporter = threading.Thread(target=_report_cancelled, args=(current_flow_run_id(), str(stopped)), daemon=True)
    reporter.start()
    reporter.join(timeout=3)
    for server in servers:
        server.stop()  # Prefect's own: terminate, wait, kill
    sys.stderr.write(f"error: {stopped}\n")
    sys.stderr.flush()
    os._exit(stopped.exit_code)


def _report_cancelled(flow_run_id: str | None, message: str) -> None:
    if flow_run_id is None:
        return
    try:
        from prefect.client.orchestration import get_client
        from prefect.states import Cancelled

        with get_client(sync_client=True) as client:
            client.set_flow_run_state(flow_run_id, Cancelled(message=message), force=True)
    except Exception:  # noqa: BLE001 - the server is gone: the warehouse has the record, the next run tells Prefect
        pass


@contextmanager
def stop_guard(warehouse: Warehouse, run_id: str) -> Iterator[list[int]]:
    """Turn a SIGTERM or SIGINT during the block into `RunStopped`, after recording the run as cancelled.

    Nothing is published: the published copy stays as the last finished run left it, and the
    working warehouse keeps only what committed (a load is one transaction; an unscored one is
    scored by the next run). The handlers chain to the ones before them (Prefect's, Python's)
    so the block unwinds as it would have; a signal is noticed even when DuckDB reports it as
    an interrupted query. Yields the signals received so far (the block must not finish the run once one came).
    """
    received: list[int] = []
    previous = {}

    def noted(signum, frame):
        received.append(signum)
        before = previous.get(signum)
        if callable(before):
            before(signum, frame)
        elif before != signal.SIG_IGN:
            raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, noted)
    try:
        yield received
    except RunStopped:
        raise
    except BaseException as exc:
        if not received and not isinstance(exc, (KeyboardInterrupt, TerminationSignal)):
            raise
        signum = received[0] if received else signal.SIGTERM if isinstance(exc, TerminationSignal) else signal.SIGINT
        name = signal.Signals(signum).name
        warehouse.finish_run(run_id, "cancelled", datetime.now(timezone.utc), {},
                             [{"author": "*", "error": f"stopped by {name}", "kind": "signal"}])
        stopped = RunStopped(f"stopped by {name}: run {run_id} recorded as cancelled; nothing was published "
                             "(the published warehouse is as the last finished run left it)", signum)
        if servers := _temporary_servers():
            _end_here(stopped, warehouse, servers)
        raise stopped from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
