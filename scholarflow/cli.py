"""The `scholarflow` command: demo, backfill, nightly, ingest, authors, serve, profile, sql.

User errors end with one line on stderr and a non-zero exit (2 for bad input, 1 for a
source or run failure), never a traceback.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from scholarflow.errors import ScholarflowError, UserError
from scholarflow.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Researcher profiles from arXiv + OpenAlex, kept true in DuckDB.")
authors_app = typer.Typer(no_args_is_help=True, help="The authors the nightly refresh covers.")
app.add_typer(authors_app, name="authors")


def _out() -> Console:
    # Made per call, so output follows whatever sys.stdout is now (tests swap it).
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 140)


def _err() -> Console:
    return Console(file=sys.stderr, width=None if sys.stderr.isatty() else 200)

WarehouseOpt = typer.Option(None, "--warehouse", help="Published warehouse path (default $SCHOLARFLOW_HOME/warehouse.duckdb).")
OfflineOpt = typer.Option(False, "--offline-sample", help="Answer every request from the bundled sample instead of the network.")


def _settings(warehouse: Optional[Path]) -> Settings:
    return Settings().with_warehouse(warehouse)


def _validate_author_key(author: str) -> None:
    """Fail before any flow starts on an ORCID that is malformed (names and ids pass through)."""
    from connectors.openalex import orcid_key

    if not author.strip():
        raise UserError("give an OpenAlex author id, an ORCID or a name")
    orcid_key(author)


def _print_summary(summary: dict) -> None:
    table = Table(title=f"run {summary['run_id']}: {summary['status']}", show_header=False)
    for key in ("authors_requested", "authors_failed", "records_fetched", "works_new", "works_changed",
                "merged_duplicates", "arxiv_attributed", "arxiv_rejected", "requests_made"):
        if key in summary:
            table.add_row(key.replace("_", " "), str(summary[key]))
    _out().print(table)
    for e in summary.get("errors", []):
        _err().print(f"[red]author {e['author']} failed:[/red] {e['error']}")


def _print_profile(settings: Settings, author: str, limit: int = 50) -> None:
    from warehouse.reads import profile as read_profile

    card, works = read_profile(settings.warehouse, author, limit)

    def shown(value, suffix=""):
        return "not known" if value is None or value != value else f"{value}{suffix}"

    head = Table(title=f"{card['display_name']}  ({card['author_id']})", show_header=False, title_justify="left")
    head.add_row("affiliation", shown(card["affiliation"]))
    head.add_row("field", shown(card["field"]))
    head.add_row("h-index / works / citations", f"{card['h_index']} / {card['works_count']} / {card['cited_by_count']}")
    head.add_row("i10", str(card["i10_index"]))
    head.add_row("novelty / profile score / trust", f"{shown(card['novelty_pct'], '%')} / {shown(card['profile_score'])} / {shown(card['trust_score'])}")
    head.add_row("verification", f"{card['verification_level']}, {'claimed' if card['is_claimed'] else 'unclaimed'}")
    head.add_row("topics / close collaborators", f"{card['topics_count']} / {card['close_collaborators_count']}")
    _out().print(head)
    table = Table(title=f"{len(works)} works", title_justify="left")
    for col in ("type", "year", "venue", "cat", "first version", "code", "title / authors", "cites"):
        table.add_column(col, overflow="fold")
    for w in works.to_dict("records"):
        table.add_row(
            w["work_type"], shown(w["publication_year"]), shown(w["venue"]), shown(w["category_short"]),
            str(w["published_on"])[:10] if w["published_on"] is not None and w["published_on"] == w["published_on"] else "not known",
            "Code" if w["has_code"] else "", f"[bold]{w['title']}[/bold]\n{w['authors_display'] or ''}", str(w["cited_by_count"]),
        )
    _out().print(table)


@app.command()
def demo(warehouse: Optional[Path] = typer.Option(Path("data/warehouse.duckdb"), "--warehouse")) -> None:
    """Backfill every sample author offline (a real Prefect flow run), then print one profile."""
    from flows.refresh import backfill_authors
    from scholarflow.sample.build_sample import SAMPLE_AUTHORS

    with _err().status("backfilling the sample authors (Prefect flow run)…"):
        summary = backfill_authors(SAMPLE_AUTHORS, warehouse=str(warehouse), offline_sample=True, triggered_by="demo")
    _print_summary(summary)
    _print_profile(_settings(warehouse), SAMPLE_AUTHORS[0])


@app.command()
def backfill(author: str = typer.Argument(..., help="OpenAlex id (A…), ORCID, or a name."),
             warehouse: Optional[Path] = WarehouseOpt, offline_sample: bool = OfflineOpt) -> None:
    """Backfill one author; ambiguous names list the candidates instead of guessing."""
    from flows.refresh import backfill_author

    _validate_author_key(author)
    settings = _settings(warehouse)
    if not offline_sample:
        settings.require_openalex_key()
    with _err().status(f"backfilling {author}…"):
        summary = backfill_author(author, warehouse=str(settings.warehouse), offline_sample=offline_sample)
    _print_summary(summary)


@app.command()
def nightly(warehouse: Optional[Path] = WarehouseOpt, offline_sample: bool = OfflineOpt) -> None:
    """Refresh every tracked author now (what the schedule runs)."""
    from flows.refresh import nightly_refresh

    settings = _settings(warehouse)
    if not offline_sample:
        settings.require_openalex_key()
    with _err().status("refreshing tracked authors…"):
        summary = nightly_refresh(warehouse=str(settings.warehouse), offline_sample=offline_sample, triggered_by="operator")
    _print_summary(summary)
    if summary["status"] == "failed":
        raise typer.Exit(1)


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="Saved OpenAlex JSON / JSONL(.gz) or arXiv Atom files."),
           author: Optional[str] = typer.Option(None, "--author", help="OpenAlex id whose works these are."),
           warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Load saved responses through the same path as a fetch; a bad file writes nothing."""
    from flows.ingest import read_inputs, ingest_files

    with Progress(TextColumn("checking files"), BarColumn(), MofNCompleteColumn(), console=_err(), transient=True) as bar:
        task = bar.add_task("check", total=len(paths))
        for p in paths:
            read_inputs([str(p)], author)
            bar.advance(task)
    settings = _settings(warehouse)
    summary = ingest_files([str(p) for p in paths], author=author, warehouse=str(settings.warehouse))
    _out().print(f"ingested {summary['files']} file(s): {summary.get('works', 0)} works "
              f"({summary.get('works_new', 0)} new, {summary.get('works_changed', 0)} changed), run {summary['run_id']}")


@authors_app.command("add")
def authors_add(author: str = typer.Argument(..., help="OpenAlex id (A…) or ORCID."),
                note: Optional[str] = typer.Option(None, "--note"), warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Track an author (by id or ORCID, so the nightly run never has to guess a name)."""
    from connectors.openalex import openalex_author_key, orcid_key
    from warehouse import Warehouse

    key = openalex_author_key(author) or orcid_key(author)
    if not key:
        raise UserError(f"'{author}' is neither an OpenAlex author id nor an ORCID; "
                        "find the id with `scholarflow backfill \"NAME\"`, which lists candidates")
    settings = _settings(warehouse)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        added = wh.track(key, note, datetime.now(timezone.utc))
        wh.publish()
    _out().print(f"{'tracking' if added else 'already tracking'} {key}")


@authors_app.command("list")
def authors_list(warehouse: Optional[Path] = WarehouseOpt) -> None:
    """List tracked authors."""
    from warehouse import Warehouse

    settings = _settings(warehouse)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        rows = wh.tracked()
    table = Table("author", "added at", "note")
    for r in rows.to_dict("records"):
        table.add_row(r["author_key"], str(r["added_at"])[:19], r["note"] or "")
    _out().print(table)


@authors_app.command("remove")
def authors_remove(author: str, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Stop tracking an author (their data stays)."""
    from connectors.openalex import openalex_author_key, orcid_key
    from warehouse import Warehouse

    key = openalex_author_key(author) or orcid_key(author) or author
    settings = _settings(warehouse)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        removed = wh.untrack(key)
        wh.publish()
    if not removed:
        raise UserError(f"{key} is not tracked")
    _out().print(f"no longer tracking {key}")


@app.command()
def serve(cron: str = typer.Option("0 3 * * *", help="When the nightly refresh runs (UTC cron)."),
          offline_sample: bool = OfflineOpt) -> None:
    """Serve the nightly deployment on its cron schedule (against PREFECT_API_URL)."""
    from prefect import serve as prefect_serve

    from flows.deploy import nightly_deployment

    if not offline_sample:
        Settings().require_openalex_key()
    prefect_serve(nightly_deployment(cron=cron, offline_sample=offline_sample))


@app.command()
def profile(author: str = typer.Argument(..., help="OpenAlex id, ORCID or a stored name form."),
            warehouse: Optional[Path] = WarehouseOpt, limit: int = typer.Option(50, min=1)) -> None:
    """Print an author's profile card and works list from the published warehouse."""
    _print_profile(_settings(warehouse), author, limit)


@app.command()
def sql(query: str = typer.Argument(..., help="SQL to run, read-only, on the published warehouse."),
        warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Run a read-only query against the published warehouse and print the result."""
    from warehouse.reads import query as run_query

    df = run_query(_settings(warehouse).warehouse, query)
    table = Table(*[str(c) for c in df.columns])
    for row in df.astype(object).where(df.notna(), None).itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    _out().print(table)
    _out().print(f"{len(df)} row(s)")


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code."""
    try:
        app(standalone_mode=False)
    except ScholarflowError as exc:
        _err().print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _err().print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors arrive here in standalone_mode=False
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
