"""`rescore`: every score recomputed from the warehouse alone, no network (after a weight or formula change,
or a curation decision). A new configuration gets the next scoring version; history keeps the old rows."""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow

from flows.steps import new_run_id, recorded_run, score_warehouse
from scholarflow.settings import Settings, load_scoring_config
from warehouse import Warehouse

__all__ = ["rescore"]


@flow(name="rescore", log_prints=True)
def rescore(warehouse: str | None = None, config_path: str | None = None, note: str | None = None,
            triggered_by: str = "operator") -> dict:
    """Recompute every score (with the configuration at `config_path`, else the active one) and publish."""
    settings = Settings().with_warehouse(warehouse)
    config = load_scoring_config(config_path) if config_path else None
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    run = {"status": "succeeded", "counts": {}, "errors": []}
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        wh.start_run(run_id, "rescore", triggered_by, started, 0)
        with recorded_run(wh, run_id, run, "score"):
            run["counts"].update(score_warehouse(wh, started.date(), config, note))
    return {"run_id": run_id, "status": run["status"], **run["counts"]}
