"""`rescore`: every score recomputed from the warehouse alone, no network (after a weight or formula change,
or a curation decision). A new configuration gets the next scoring version; history keeps the old rows.
`rederive-works`: the works of some stored records derived again (after a work curation), then rescored."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from prefect import flow

from flows.steps import begin_run, load_counts, new_run_id, recorded_run, rederive, score_warehouse, timed
from core.settings import Settings, load_scoring_config
from warehouse import Warehouse

__all__ = ["rescore", "rederive_works"]


@contextmanager
def _offline_run(warehouse: str | None, flow_name: str, triggered_by: str, kind: str) -> Iterator[tuple[Warehouse, str, dict, datetime]]:
    """Open the working warehouse for a run that needs no network; record it in `runs` and publish when it ends."""
    settings = Settings().with_warehouse(warehouse)
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    run = {"status": "succeeded", "counts": {}, "errors": []}
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        begin_run(wh, run_id, flow_name, triggered_by, started, 0)
        with recorded_run(wh, run_id, run, kind):
            yield wh, run_id, run, started


@flow(name="rescore", log_prints=True)
def rescore(warehouse: str | None = None, config_path: str | None = None, note: str | None = None,
            triggered_by: str = "operator") -> dict:
    """Recompute every score (with the configuration at `config_path`, else the active one) and publish."""
    config = load_scoring_config(config_path) if config_path else None
    with _offline_run(warehouse, "rescore", triggered_by, "score") as (wh, run_id, run, started):
        with timed(run, "score"):
            run["counts"].update(score_warehouse(wh, started.date(), config, note))
    return {"run_id": run_id, "status": run["status"], **run["counts"], "seconds": run["seconds"]}


@flow(name="rederive-works", log_prints=True)
def rederive_works(record_keys: list[str], warehouse: str | None = None, triggered_by: str = "operator") -> dict:
    """Re-derive the works of these stored records (a work curation just recorded), rescore and publish; no network."""
    with _offline_run(warehouse, "rederive-works", triggered_by, "derive") as (wh, run_id, run, started):
        result, stats = rederive(wh, record_keys, run_id, started)
        run["counts"].update(load_counts(result, stats))
        run["counts"].update(score_warehouse(wh, started.date()))
    return {"run_id": run_id, "status": run["status"], **run["counts"]}
