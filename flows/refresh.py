"""The two flows: `backfill_author` (one author, by an operator) and `nightly_refresh` (all tracked).

Both read like a table of contents: resolve → fetch (land raw) → look up arXiv-only candidates in OpenAlex →
transform → load → publish.
One author's failure is recorded and never stops the others; a failed load rolls back whole,
so yesterday's data stays as it was.
"""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed, State
from prefect.utilities.annotations import quote  # clients and records reach a task unwalked (flows/steps.py)

from flows.progress import watcher
from flows.steps import (begin_run, fetch_arxiv_counterparts, fetch_author, fetch_reference_texts, harvest_arxiv, list_openalex_works,
                         load_and_publish, new_run_id, resolve_author, restore_records)
from flows.stopping import stop_guard
from core.errors import ScholarflowError
from core.settings import SAMPLE_DIR, Settings
from flows.wiring import make_clients
from transforms.normalize import normalize_person_name, openalex_short_id
from warehouse import Warehouse

__all__ = ["backfill_author", "nightly_refresh", "refresh_authors", "fetch_authors", "summary_markdown", "final_state"]


def summary_markdown(summary: dict) -> str:
    """Return the run summary as a markdown table (the Prefect artifact)."""
    lines = [f"# scholarflow run `{summary['run_id']}`: {summary['status']}", "", "| figure | value |", "|---|---|"]
    for key in ("authors_requested", "authors_failed", "records_fetched", "works_new", "works_changed",
                "merged_duplicates", "arxiv_attributed", "arxiv_rejected", "requests_made", "openalex_requests",
                "arxiv_requests", "scoring_version",
                "authors_scored"):
        lines.append(f"| {key.replace('_', ' ')} | {summary.get(key, 0)} |")
    for err in summary.get("errors", []):
        lines.append(f"\n- **{err['author']}** ({err.get('kind', 'error')}): {err['error']}")
    return "\n".join(lines)


def final_state(summary: dict) -> dict | State:
    """Return what a run's flow ends in: Completed for a run that succeeded; a Completed state
    named "Partial" that says who failed for a partial one; Failed for a failed one. The summary
    is the state's result either way, so a caller still reads what the run did."""
    errors = summary.get("errors", [])
    said = "; ".join(f"{e['author']}: {e['error']}" for e in errors[:3]) + (f"; and {len(errors) - 3} more" if len(errors) > 3 else "")
    if summary["status"] == "failed":
        return Failed(message=f"run {summary['run_id']} failed: {said or 'see the runs table'}", data=summary)
    if summary["status"] == "partial":
        return Completed(name="Partial", message=f"run {summary['run_id']} partial: {said}", data=summary)
    return summary


def refresh_authors(author_keys: list[str], flow_name: str, triggered_by: str,
                    warehouse: str | None, offline_sample: bool, stop_on_error: bool, arxiv: str = "search") -> dict | State:
    """Run resolve → fetch → transform → load → publish for the authors; return the run summary
    (as the flow's final state when the run did not succeed)."""
    settings = Settings().with_warehouse(warehouse)
    started = datetime.now(timezone.utc)
    run_id = new_run_id(started)
    # Fails here, before any work, when a live run has no key.
    clients = make_clients(settings, run_id, replay_dir=SAMPLE_DIR if offline_sample else None, on_landed=watcher().page)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        begin_run(wh, run_id, flow_name, triggered_by, started, len(author_keys))
        with stop_guard(wh, run_id):  # a stop while fetching cancels the run too
            restored = restore_records(wh, settings.raw_dir, run_id, started) if wh.needs_records() else {}
            inputs, errors, failures = fetch_authors(clients, wh, author_keys, run_id, settings, stop_on_error, arxiv)
            references = fetch_reference_texts(quote(clients), wh, quote(inputs), started.date(), errors) if inputs else None
            counterparts = fetch_arxiv_counterparts(quote(clients), wh, quote(inputs), errors) if inputs else []
            wh.load_raw_index(clients.landing.index_rows())
            counts = {"authors_failed": len(failures), "requests_made": clients.http.requests_made,
                      **{f"{source}_requests": n for source, n in clients.http.requests_by_source.items()},
                      "records_fetched": sum(len(a.openalex_works) + len(a.arxiv_entries) for a in inputs), **restored}
            status = "failed" if failures and not inputs else "partial" if errors else "succeeded"
            status = load_and_publish(wh, run_id, started, status, counts, errors, inputs, extra_openalex_works=counterparts,
                                      reference_texts=references)
    summary = {"run_id": run_id, "status": status, "authors_requested": len(author_keys), "errors": errors,
               "warehouse": str(settings.warehouse), **counts}
    create_markdown_artifact(markdown=summary_markdown(summary), key="scholarflow-run-summary",
                             description=f"{flow_name} {status}")
    if stop_on_error and failures:
        # A returned Failed state fails the flow run without a traceback in the logs: the
        # error is the operator's to read in one line (the CLI prints it).
        return Failed(message=str(failures[0]), data=failures[0])
    return final_state(summary)


def fetch_authors(clients, wh: Warehouse, author_keys: list[str], run_id: str, settings: Settings,
                  stop_on_error: bool, arxiv: str = "search") -> tuple[list, list[dict], list[ScholarflowError]]:
    """Resolve every author, list their OpenAlex works `openalex_authors_per_call` authors a call, fetch each
    one's arXiv entries (with `arxiv="harvest"`, one OAI-PMH harvest matched by name serves every author
    covered within `arxiv_harvest_max_days`; the others are searched by name); return (the fetched authors,
    the run's errors, the failures). One author's failure stops the rest only with `stop_on_error`."""
    log = get_run_logger()
    watch = watcher()
    inputs, errors, failures = [], [], []

    def failed(key: str, exc: ScholarflowError) -> None:
        log.error("author %s failed: %s", key, exc)
        watch.author_done(key, str(exc))
        errors.append({"author": key, "error": str(exc), "kind": type(exc).__name__})
        failures.append(exc)

    watch.authors(len(author_keys))
    resolved = []
    for key in author_keys:
        watch.author(key)
        try:
            resolved.append((key, *resolve_author(quote(clients), key)))
        except ScholarflowError as exc:
            failed(key, exc)
            if stop_on_error:
                return inputs, errors, failures
    harvested, harvest_failed = _harvest(clients, wh, resolved, run_id, settings, errors) if arxiv == "harvest" else ({}, False)
    # Up to `per_call` authors' works come in one listing: a night's calls follow its works, not its authors.
    for group in _groups(resolved, settings.openalex_authors_per_call):
        try:
            listed = list_openalex_works(quote(clients), wh, quote([record for _, record, _ in group]), run_id)
        except ScholarflowError as exc:
            for key, _, _ in group:
                failed(key, exc)
            continue
        for key, record, redirected in group:
            watch.author(key)
            try:
                author_id = openalex_short_id(record["id"])
                served = author_id in harvested
                fetched = fetch_author(quote(clients), wh, record, redirected, run_id, quote(listed[author_id]),
                                       quote(harvested.get(author_id)), harvest_failed and served)
                inputs.append(fetched)
                errors += [{"author": key, "error": d, "kind": "suspect_listing"} for d in fetched.doubts]
                watch.author_done(key, None)
            except ScholarflowError as exc:
                failed(key, exc)
                if stop_on_error:
                    return inputs, errors, failures
    return inputs, errors, failures


def _harvest(clients, wh: Warehouse, resolved: list[tuple], run_id: str, settings: Settings,
             errors: list[dict]) -> tuple[dict[str, list[dict] | None], bool]:
    """Harvest arXiv once for the authors covered recently enough; return ({author id: their matches, or None
    if the harvest failed}, whether it failed). Authors left out are searched by name."""
    today = datetime.now(timezone.utc).date()
    names = {openalex_short_id(r["id"]): normalize_person_name(r.get("display_name")) for _, r, _ in resolved}
    coverage = {a: day for a, day in wh.arxiv_coverage(list(names)).items()
                if (today - day).days <= settings.arxiv_harvest_max_days and names.get(a)}
    if not coverage:
        return {}, False
    matched = harvest_arxiv(quote(clients), wh, {a: names[a] for a in coverage}, min(coverage.values()), run_id, errors)
    if matched is None:
        return {a: None for a in coverage}, True
    return matched, False


def _groups(items: list, size: int) -> list[list]:
    """Return items in consecutive groups of at most `size`."""
    return [items[i:i + size] for i in range(0, len(items), size)]


@flow(name="backfill-author", log_prints=True)
def backfill_author(author: str, warehouse: str | None = None, offline_sample: bool = False,
                    triggered_by: str = "operator") -> dict:
    """Backfill one author by OpenAlex id, ORCID or name; re-running is harmless."""
    return refresh_authors([author], "backfill-author", triggered_by, warehouse, offline_sample, stop_on_error=True)


@flow(name="backfill-authors", log_prints=True)
def backfill_authors(authors: list[str], warehouse: str | None = None, offline_sample: bool = False,
                     triggered_by: str = "operator") -> dict:
    """Backfill several authors in one run (the demo uses it for every sample author)."""
    return refresh_authors(authors, "backfill-authors", triggered_by, warehouse, offline_sample, stop_on_error=False)


@flow(name="nightly-refresh", log_prints=True)
def nightly_refresh(warehouse: str | None = None, offline_sample: bool = False,
                    triggered_by: str = "schedule") -> dict:
    """Refresh every tracked author; one author's failure is recorded and does not stop the others."""
    settings = Settings().with_warehouse(warehouse)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        keys = list(wh.tracked()["author_key"])
    if not keys:
        get_run_logger().warning("no tracked authors: add some with `scholarflow authors add`")
    return refresh_authors(keys, "nightly-refresh", triggered_by, warehouse, offline_sample, stop_on_error=False,
                           arxiv=settings.arxiv_nightly)


if __name__ == "__main__":
    nightly_refresh()
