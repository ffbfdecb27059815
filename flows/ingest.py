"""`ingest`: saved responses through the same land → transform → load → publish path.

Each file is read once, in chunks: landed raw as it is read, parsed, staged and stored chunk
by chunk inside one transaction (`steps.load_files`), so memory holds one chunk of records and
a bad line anywhere writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger

from connectors.files import check_inputs
from connectors.landing import RawLanding
from connectors.openalex import openalex_author_key
from core.settings import Settings
from flows.steps import begin_run, load_counts, load_files, new_run_id, recorded_run, restore_records, score_warehouse, timed
from warehouse import Warehouse

__all__ = ["ingest_files"]


@flow(name="ingest-files", log_prints=True)
def ingest_files(paths: list[str], author: str | None = None, warehouse: str | None = None,
                 skip_bad_lines: bool = False) -> dict:
    """Ingest saved OpenAlex / arXiv responses; with `author`, attribute them to that author.
    With `skip_bad_lines`, a JSON Lines file's bad lines are quarantined instead of refusing the file."""
    log = get_run_logger()
    check_inputs(paths, author)
    settings = Settings().with_warehouse(warehouse)
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    landing = RawLanding(settings.raw_dir, run_id)
    author_id = openalex_author_key(author) if author else None
    counts: dict = {}
    run = {"status": "succeeded", "counts": counts, "errors": []}
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        begin_run(wh, run_id, "ingest-files", "operator", started, 1 if author_id else 0)
        with recorded_run(wh, run_id, run, "load"):
            if wh.needs_records():  # an older warehouse: its records first, from its own raw landing
                restore_records(wh, settings.raw_dir, run_id, started)
            with timed(run, "load"):
                result, stats = load_files(wh, landing, paths, author_id, run_id, datetime.now(timezone.utc), skip_bad_lines)
            wh.load_raw_index(landing.index_rows())
            counts.update(load_counts(result, stats))
            with timed(run, "score"):
                counts.update(score_warehouse(wh, started.date()))
    log.info("ingested %d file(s): %s", len(paths), counts)
    return {"run_id": run_id, "status": run["status"], "files": len(paths), **counts, "seconds": run["seconds"]}
