"""`ingest`: saved responses through the same land → transform → load → publish path."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger

from connectors.files import SavedPayload, read_saved
from connectors.landing import RawLanding
from connectors.openalex import openalex_author_key
from flows.steps import load_run, publish_warehouse, transform_run
from scholarflow.errors import UserError
from scholarflow.settings import Settings
from transforms.assemble import AuthorInput
from transforms.normalize import normalize_person_name, openalex_short_id
from warehouse import Warehouse

__all__ = ["read_inputs", "ingest_files"]


def read_inputs(paths: list[str], author: str | None) -> list[SavedPayload]:
    """Return every file's payload, or raise on the first bad one (before anything is written)."""
    if author is not None and not openalex_author_key(author):
        raise UserError(f"--author '{author}' is not an OpenAlex author id (A…)")
    if not paths:
        raise UserError("give at least one file to ingest")
    return [read_saved(p) for p in paths]


def _author_input(author_id: str, payloads: list[SavedPayload], stored: dict | None) -> AuthorInput:
    records = [a for p in payloads for a in p.openalex_authors if openalex_short_id(a.get("id")) == author_id]
    record = records[-1] if records else None
    name = normalize_person_name(record.get("display_name")) if record else (stored or {}).get("display_name")
    if not name:  # the name as OpenAlex prints it on the author's own authorships
        for p in payloads:
            for w in p.openalex_works:
                for a in w.get("authorships") or []:
                    if openalex_short_id((a.get("author") or {}).get("id")) == author_id:
                        name = normalize_person_name(a["author"].get("display_name"))
    return AuthorInput(
        author_id=author_id, display_name=name, orcid=(stored or {}).get("orcid"), record=record,
        openalex_works=[w for p in payloads for w in p.openalex_works],
        arxiv_entries=[e for p in payloads for e in p.arxiv_entries],
    )


@flow(name="ingest-files", log_prints=True)
def ingest_files(paths: list[str], author: str | None = None, warehouse: str | None = None) -> dict:
    """Ingest saved OpenAlex / arXiv responses; with `author`, attribute them to that author."""
    log = get_run_logger()
    payloads = read_inputs(paths, author)
    settings = Settings().with_warehouse(warehouse)
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    started = datetime.now(timezone.utc)
    landing = RawLanding(settings.raw_dir, run_id)
    for p in paths:
        landing.land("file", Path(p).resolve().as_uri(), 200, Path(p).read_bytes())
    author_id = openalex_author_key(author) if author else None
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        wh.start_run(run_id, "ingest-files", "operator", started, 1 if author_id else 0)
        wh.load_raw_index(landing.index_rows())
        if author_id:
            inputs, extra_oa, extra_ax = [_author_input(author_id, payloads, wh.author_row(author_id))], [], []
        else:
            inputs = []
            extra_oa = [w for p in payloads for w in p.openalex_works]
            extra_ax = [e for p in payloads for e in p.arxiv_entries]
        counts = {"records_fetched": sum(len(p.openalex_works) + len(p.arxiv_entries) for p in payloads)}
        status = "failed"
        try:
            frames = transform_run(inputs, wh.work_identifiers(), extra_oa, extra_ax)
            result = load_run(wh, frames, started.date())
            counts.update({k: v for k, v in frames.stats.items() if k != "records"},
                          works_new=result.works_new, works_changed=result.works_changed)
            status = "succeeded"
        finally:
            wh.finish_run(run_id, status, datetime.now(timezone.utc), counts, [])
            publish_warehouse(wh)
    log.info("ingested %d file(s): %s", len(paths), counts)
    return {"run_id": run_id, "status": status, "files": len(paths), **counts}
