"""`ingest`: saved responses through the same land → transform → load → publish path."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger

from connectors.files import read_inputs
from connectors.landing import RawLanding
from connectors.openalex import openalex_author_key
from flows.steps import load_and_publish, new_run_id, restore_records
from core.settings import Settings
from transforms.assemble import author_from_saved
from warehouse import Warehouse

__all__ = ["ingest_files"]


@flow(name="ingest-files", log_prints=True)
def ingest_files(paths: list[str], author: str | None = None, warehouse: str | None = None) -> dict:
    """Ingest saved OpenAlex / arXiv responses; with `author`, attribute them to that author."""
    log = get_run_logger()
    payloads = read_inputs(paths, author)
    settings = Settings().with_warehouse(warehouse)
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    landing = RawLanding(settings.raw_dir, run_id)
    for p in payloads:
        landed = landing.land("file", Path(p.path).resolve().as_uri(), 200, p.raw)
        for record in p.openalex_works + p.arxiv_entries:
            record["_response_id"] = landed.response_id
    author_id = openalex_author_key(author) if author else None
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        wh.start_run(run_id, "ingest-files", "operator", started, 1 if author_id else 0)
        if wh.needs_records():  # an older warehouse: its records first, from its own raw landing
            restore_records(wh, settings.raw_dir, run_id, started)
        wh.load_raw_index(landing.index_rows())
        works = [w for p in payloads for w in p.openalex_works]
        entries = [e for p in payloads for e in p.arxiv_entries]
        counts = {"records_fetched": len(works) + len(entries)}
        if author_id:
            authors = [a for p in payloads for a in p.openalex_authors]
            inputs = [author_from_saved(author_id, works, entries, authors, wh.author_row(author_id))]
            status = load_and_publish(wh, run_id, started, "succeeded", counts, [], inputs)
        else:
            status = load_and_publish(wh, run_id, started, "succeeded", counts, [], [], works, entries)
    log.info("ingested %d file(s): %s", len(paths), counts)
    return {"run_id": run_id, "status": status, "files": len(paths), **counts}
