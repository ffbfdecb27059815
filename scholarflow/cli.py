"""The `scholarflow` command: demo, backfill, nightly, ingest, authors, serve, rescore, curate, profile, site, sql,
export, docs.

User errors end with one line on stderr and a non-zero exit (2 for bad input, 1 for a
source or run failure), never a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from core.errors import ScholarflowError, UserError
from core.settings import Settings

# Prefect is imported only by the commands that run a flow, after scholarflow.prefect_env has set
# it up: bad input is refused, and read-only commands answer, without it.
CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, context_settings=CONTEXT,
                  help="Researcher profiles from arXiv + OpenAlex, kept true in DuckDB.")
authors_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, help="The authors the nightly refresh covers.")
app.add_typer(authors_app, name="authors")
curate_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT,
                         help="Record decisions that win over automatic attribution (who, when, why).")
app.add_typer(curate_app, name="curate")
explain_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, help="Say where a figure or a work on a page comes from.")
app.add_typer(explain_app, name="explain")
_options = {"verbose": False}


def _show_version(value: bool) -> None:
    if value:
        from scholarflow import __version__

        print(f"scholarflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="Print the version and exit."),
          verbose: bool = typer.Option(False, "-v", "--verbose", help="Show Prefect's own logs as well.")) -> None:
    """Researcher profiles from arXiv + OpenAlex, kept true in DuckDB."""
    _options["verbose"] = verbose


# Text from data ("[18F]FDG …", "[Re] …", a column named "[/x]") is never read as rich markup or
# emoji codes: both consoles have them off, and emphasis is given as styled Text (`_bold`).
def _out() -> Console:
    # Made per call, so output follows whatever sys.stdout is now (tests swap it).
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 140, soft_wrap=True,
                   markup=False, emoji=False, highlight=False)


def _err() -> Console:
    return Console(file=sys.stderr, width=None if sys.stderr.isatty() else 200, soft_wrap=True,
                   markup=False, emoji=False, highlight=False)


def _bold(head: str, rest: str = "", style: str = "bold") -> Text:
    """`head` emphasised, then `rest`: both plain text, whatever brackets they hold."""
    return Text.assemble((head, style), rest)

WarehouseOpt = typer.Option(None, "--warehouse", help="Published warehouse path (default $SCHOLARFLOW_HOME/warehouse.duckdb).")
OfflineOpt = typer.Option(False, "--offline-sample", help="Answer every request from the bundled sample instead of the network.")
JsonOpt = typer.Option(False, "--json", help="Print JSON on stdout instead of tables.")


def _json_value(value):
    """What json can't write itself: numpy scalars and arrays as Python values, dates as ISO text."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _print_json(value) -> None:
    sys.stdout.write(json.dumps(value, default=_json_value, ensure_ascii=False, indent=2) + "\n")


class _TerminalWatcher:
    """Progress on a terminal: a bar of authors, and one of the current author's pages."""

    def __init__(self, label: str):
        self.label = label
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                            console=_err(), transient=True)
        self.run = self.bar.add_task(label, total=None)
        self.pages = None

    def __enter__(self):
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    def authors(self, total: int) -> None:
        self.bar.update(self.run, total=total, description=f"{self.label}: authors")

    def author(self, key: str) -> None:
        if self.pages is not None:
            self.bar.remove_task(self.pages)
        self.pages = self.bar.add_task(f"  {key}: pages", total=None)

    def page(self, source: str) -> None:
        if self.pages is not None:
            self.bar.advance(self.pages)

    def author_done(self, key: str, failed: str | None) -> None:
        self.bar.advance(self.run)


class _PlainWatcher:
    """Progress when stderr is not a terminal: one line per author."""

    def __init__(self, label: str):
        self.label, self.total, self.done, self.pages = label, 0, 0, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def authors(self, total: int) -> None:
        self.total = total

    def author(self, key: str) -> None:
        pass

    def page(self, source: str) -> None:
        self.pages += 1

    def author_done(self, key: str, failed: str | None) -> None:
        self.done += 1
        # Pages of the run so far: several authors' works come in one listing, so pages are not any one author's.
        said = "failed (the reason follows the summary)" if failed else f"done ({self.pages} page(s) fetched so far)"
        # Not print(): flows run with log_prints, which would hand the line to Prefect's logger.
        sys.stderr.write(f"{self.label}: author {self.done}/{self.total} {key}: {said}\n")
        sys.stderr.flush()


def _run_flow(module: str, name: str, label: str, **params) -> dict:
    """Run a flow as a Prefect flow run in this process, progress on stderr; return its summary.

    Prefect is set up (scholarflow.prefect_env) and imported here, not before. A flow that
    failed on an error of ours raises it (one line, its exit code); a run that ended partial or
    failed still returns its summary, whose status sets the exit code.
    """
    import importlib

    from scholarflow.prefect_env import configure_prefect

    configure_prefect(_options["verbose"])
    from flows.progress import watching

    flow = getattr(importlib.import_module(f"flows.{module}"), name)
    watch = _TerminalWatcher(label) if sys.stderr.isatty() else _PlainWatcher(label)
    with watch, watching(watch):
        state = flow(**params, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        # Its traceback holds the flow's frames, and with them the warehouse's connection: dropped,
        # so the connection is closed now and not reported as leaked when the interpreter ends.
        result.__traceback__ = result.__context__ = result.__cause__ = None
        del state
        raise result from None
    return result


def _finish(summary: dict, as_json: bool, show=None) -> None:
    """Print a run's summary (as JSON, or with `show`, else as the summary table); a run that did not succeed exits 1."""
    if as_json:
        _print_json(summary)
    else:
        (show or _print_summary)(summary)
    if summary["status"] != "succeeded":
        raise typer.Exit(1)


def _settings(warehouse: Optional[Path]) -> Settings:
    return Settings().with_warehouse(warehouse)


def _require_warehouse(settings: Settings) -> None:
    """Stop before a command that changes the warehouse creates an empty one."""
    if not settings.working_warehouse.exists():
        raise UserError(f"no warehouse at {settings.warehouse}: run `scholarflow demo` or a backfill first")


def _check_writer(settings: Settings) -> None:
    """Refuse at once, before Prefect starts, when another process is writing the warehouse."""
    from warehouse.store import check_writer_free

    check_writer_free(settings.working_warehouse)


def _validate_author_key(author: str) -> None:
    """Fail before any flow starts on an ORCID that is malformed (names and ids pass through)."""
    from connectors.openalex import orcid_key

    if not author.strip():
        raise UserError("give an OpenAlex author id, an ORCID or a name")
    orcid_key(author)


def _print_summary(summary: dict) -> None:
    table = Table(title=f"run {summary['run_id']}: {summary['status']}", show_header=False)
    for key in ("authors_requested", "authors_failed", "records_fetched", "works_new", "works_changed",
                "merged_duplicates", "arxiv_attributed", "arxiv_rejected", "requests_made", "scoring_version"):
        if key in summary:
            table.add_row(key.replace("_", " "), str(summary[key]))
    _out().print(table)
    for e in summary.get("errors", []):
        _err().print(_bold(f"author {e['author']} failed:", f" {e['error']}", "red"))


def _print_profile(settings: Settings, author: str, limit: int = 50, as_json: bool = False) -> None:
    from warehouse.reads import profile as read_profile, records

    card, works = read_profile(settings.warehouse, author, limit)
    if as_json:
        import pandas as pd

        _print_json({"card": records(pd.DataFrame([card]))[0], "works": records(works)})
        return

    head = Table(title=f"{card['display_name']}  ({card['author_id']})", show_header=False, title_justify="left")
    head.add_row("affiliation", _num(card["affiliation"]))
    head.add_row("field", _num(card["field"]))
    head.add_row("h-index / works / citations", f"{card['h_index']} / {card['works_count']} / {card['cited_by_count']}")
    head.add_row("i10", str(card["i10_index"]))
    head.add_row("novelty", f"{_num(card['novelty_pct'], suffix='%')} ({_num(card['novelty_note'])})")
    head.add_row("profile score", _num(card["profile_score"]))
    head.add_row("trust", f"{_num(card['trust_score'])} {_num(card['trust_label'])}, {card['verification_level']}, "
                          f"{'claimed' if card['is_claimed'] else 'unclaimed'}")
    head.add_row("topics / close collaborators", f"{card['topics_count']} / {card['close_collaborators_count']}")
    _out().print(head)
    table = Table(title=f"{len(works)} works", title_justify="left")
    for col in ("type", "year", "venue", "cat", "first version", "code", "title / authors", "cites"):
        table.add_column(col, overflow="fold")
    for w in records(works):
        table.add_row(
            w["work_type"], _num(w["publication_year"]), _num(w["venue"]), _num(w["category_short"]),
            "not known" if w["published_on"] is None else str(w["published_on"])[:10],
            "Code" if w["has_code"] else "", _bold(w["title"] or "untitled", f"\n{w['authors_display'] or ''}"),
            str(w["cited_by_count"]),
        )
    _out().print(table)


@app.command()
def demo(warehouse: Optional[Path] = typer.Option(Path("data/warehouse.duckdb"), "--warehouse")) -> None:
    """Backfill every sample author offline (a real Prefect flow run), then print one profile."""
    from scholarflow.sample.build_sample import SAMPLE_AUTHORS

    _check_writer(_settings(warehouse))
    summary = _run_flow("refresh", "backfill_authors", "demo", authors=SAMPLE_AUTHORS, warehouse=str(warehouse),
                        offline_sample=True, triggered_by="demo")

    def show(s: dict) -> None:
        _print_summary(s)
        _print_cards(_settings(warehouse))
        _print_profile(_settings(warehouse), SAMPLE_AUTHORS[0])

    _finish(summary, False, show)


def _print_cards(settings: Settings) -> None:
    """One line per author card: every number on it, from profile_card."""
    from warehouse.reads import query, records

    cards = query(settings.warehouse, "SELECT * FROM profile_card ORDER BY author_id")
    table = Table("author", "field", "h", "works", "cites", "novelty", "score", "trust", "level", "topics", "close co.",
                  title="profile cards", title_justify="left")
    for c in records(cards):
        novelty = "not known" if c["novelty_pct"] is None else f"{c['novelty_pct']:.1f}%{'*' if c['novelty_indicative'] else ''}"
        table.add_row(f"{c['display_name']} ({c['author_id']})", c["field"] or "not known", str(c["h_index"]),
                      str(c["works_count"]), str(c["cited_by_count"]), novelty,
                      "not known" if c["profile_score"] is None else f"{c['profile_score']:.1f}",
                      f"{c['trust_score']:.0f} {c['trust_label']}", c["verification_level"] + (" claimed" if c["is_claimed"] else ""),
                      str(c["topics_count"]), str(c["close_collaborators_count"]))
    _out().print(table)
    _out().print("* indicative: fewer than half of the author's works have a cohort large enough to rank in")


@app.command()
def backfill(author: str = typer.Argument(..., help="OpenAlex id (A…), ORCID, or a name."),
             warehouse: Optional[Path] = WarehouseOpt, offline_sample: bool = OfflineOpt, as_json: bool = JsonOpt) -> None:
    """Backfill one author; ambiguous names list the candidates instead of guessing."""
    _validate_author_key(author)
    settings = _settings(warehouse)
    if not offline_sample:
        settings.require_openalex_key()
    _check_writer(settings)
    summary = _run_flow("refresh", "backfill_author", "backfill", author=author, warehouse=str(settings.warehouse),
                        offline_sample=offline_sample)
    _finish(summary, as_json)


@app.command()
def nightly(warehouse: Optional[Path] = WarehouseOpt, offline_sample: bool = OfflineOpt, as_json: bool = JsonOpt) -> None:
    """Refresh every tracked author now (what the schedule runs); exits 1 if any author failed."""
    settings = _settings(warehouse)
    if not offline_sample:
        settings.require_openalex_key()
    _check_writer(settings)
    summary = _run_flow("refresh", "nightly_refresh", "nightly", warehouse=str(settings.warehouse),
                        offline_sample=offline_sample, triggered_by="operator")
    _finish(summary, as_json)


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="Saved OpenAlex JSON / JSONL(.gz) or arXiv Atom files."),
           author: Optional[str] = typer.Option(None, "--author", help="OpenAlex id whose works these are."),
           skip_bad_lines: bool = typer.Option(False, "--skip-bad-lines", help="Load a JSON Lines file's good lines and "
                                               "keep its bad ones in quarantined_lines (default: refuse the file)."),
           warehouse: Optional[Path] = WarehouseOpt, as_json: bool = JsonOpt) -> None:
    """Load saved responses through the same path as a fetch; a bad file writes nothing."""
    from connectors.files import check_file, check_inputs

    # Arguments, and that each path is a file that starts like a response, before Prefect starts; the
    # flow reads each file once (a bad line deep in a file is refused there, and nothing is written).
    check_inputs([str(p) for p in paths], author)
    for p in paths:
        check_file(p)
    settings = _settings(warehouse)
    _check_writer(settings)
    summary = _run_flow("ingest", "ingest_files", "ingest", paths=[str(p) for p in paths], author=author,
                        warehouse=str(settings.warehouse), skip_bad_lines=skip_bad_lines)
    _finish(summary, as_json, lambda s: _out().print(
        f"ingested {s['files']} file(s): {s.get('records_fetched', 0)} records, {s.get('works_new', 0)} new works, "
        f"{s.get('works_changed', 0)} changed, run {s['run_id']}"
        + (f"; {s['lines_quarantined']} bad line(s) kept in quarantined_lines" if s.get("lines_quarantined") else "")))


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
def authors_list(warehouse: Optional[Path] = WarehouseOpt, as_json: bool = JsonOpt) -> None:
    """List tracked authors (as last published: no lock taken, nothing created)."""
    from warehouse.reads import records, tracked

    rows = tracked(_settings(warehouse).warehouse)
    if as_json:
        _print_json(records(rows))
        return
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
    _require_warehouse(settings)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        if not wh.untrack(key):
            raise UserError(f"{key} is not tracked (see `scholarflow authors list`)")
        wh.publish()
    _out().print(f"no longer tracking {key}")


@app.command()
def serve(cron: str = typer.Option("0 3 * * *", help="When the nightly refresh runs (UTC cron)."),
          offline_sample: bool = OfflineOpt) -> None:
    """Serve the nightly deployment on its cron schedule from this process (against PREFECT_API_URL, else a temporary server)."""
    from scholarflow.prefect_env import configure_prefect

    if not offline_sample:
        Settings().require_openalex_key()
    where = configure_prefect(_options["verbose"])
    from prefect import serve as prefect_serve

    from flows.deploy import nightly_deployment

    _err().print(f"serving the nightly deployment ({cron} UTC) on {where}; Ctrl-C stops")
    prefect_serve(nightly_deployment(cron=cron, offline_sample=offline_sample), print_starting_message=False)


@app.command()
def profile(author: str = typer.Argument(..., help="OpenAlex id, ORCID or a stored name form."),
            warehouse: Optional[Path] = WarehouseOpt, limit: int = typer.Option(50, min=1),
            explain: bool = typer.Option(False, "--explain", help="Show every score with its components instead."),
            as_json: bool = JsonOpt) -> None:
    """Print an author's profile card and works list (or, with --explain, how each score was made)."""
    if explain:
        _print_explanation(_settings(warehouse), author)
    else:
        _print_profile(_settings(warehouse), author, limit, as_json)


def _num(value, digits: int = 1, suffix: str = "") -> str:
    """A value as the terminal shows it: floats to `digits` places, 'not known' where unknown."""
    if value is None or value != value:
        return "not known"
    return f"{value:.{digits}f}{suffix}" if isinstance(value, float) else f"{value}{suffix}"


def _print_explanation(settings: Settings, author: str) -> None:
    import json

    from warehouse.reads import explain

    e = explain(settings.warehouse, author)
    m, cfg, out = e["metrics"], e["config"], _out()
    out.print(_bold(e["display_name"], f" ({e['author_id']}): scoring version {m['scoring_version']}, "
              f"computed {str(m['computed_on'])[:10]}"))
    h, n, c, i10 = m["h_index"], m["works_count"], m["cited_by_count"], m["i10_index"]
    ok = lambda b: "holds" if b else "BROKEN"  # noqa: E731
    out.print(_bold("\nCitations", f" (ours: {n} attributed distinct works; a paper's versions count once)"))
    out.print(f"  citations {c}, h-index {h}, i10 {i10}; h <= works ({h} <= {n}) {ok(h <= n)}, "
              f"h^2 <= citations ({h * h} <= {c}) {ok(h * h <= c)}, i10 <= works {ok(i10 <= n)}")
    out.print(f"  median FWCI {_num(m['median_fwci'], 2)} over {m['fwci_works']} works; "
              f"share in their field's top 10%: {_num(m['top10_share'], 3)}")
    if len(e["data_quality"]):
        t = Table("check", "severity", "ours", "source says", "detail", title="source disagreements (never shown as ours)",
                  title_justify="left")
        for q in e["data_quality"].to_dict("records"):
            t.add_row(q["check_name"], q["severity"], str(q["ours"]), str(q["reported"]), q["detail"] or "")
        out.print(t)

    comps = json.loads(m["profile_components"])
    out.print(_bold(f"\nProfile score {_num(m['profile_score'])}", " = sum(weight x percentile) / sum(weights of the known "
                    f"components)   (field cohort: {_num(m['field_cohort_size'])} tracked authors)"))
    t = Table("component", "percentile", "weight", "weight used", "points")
    for name, comp in comps.items():
        pts = comp["percentile"] * comp["used_weight"] if comp["percentile"] is not None else None
        t.add_row(name, _num(comp["percentile"]), _num(comp["weight"], 2), _num(comp["used_weight"], 3), _num(pts))
    out.print(t)

    out.print(_bold(f"\nNovelty {_num(m['novelty_pct'], 1, '%')}", f": mean Novelty % of {m['novelty_works']} works, "
                    f"each ranked among the works and cited works of its field (same year, else 5 years, else any year); "
                    f"{m['novelty_note']}"))
    t = Table("work", "year", "field", "method", "earlier texts", "novelty", "percentile", "cohort", "spread")
    for w in e["works"].to_dict("records"):
        t.add_row((w["title"] or "")[:60], _num(w["publication_year"]), _num(w["field"]), w["novelty_method"] or "not scored",
                  _num(w["novelty_basis"]), _num(w["novelty"], 3), _num(w["novelty_pct"]),
                  f"{_num(w['novelty_cohort_size'])} ({_num(w['novelty_cohort'])})", _num(w["novelty_spread"], 3))
    out.print(t)

    trust = json.loads(m["trust_components"])
    weights = cfg.get("trust", {})
    out.print(_bold(f"\nTrust {_num(m['trust_score'])} ({m['trust_label']})", f", verification {m['verification_level']}"
                    f"{', claimed by ' + m['claimed_by'] if m['is_claimed'] else ', unclaimed'}"))
    t = Table("evidence", "value 0..1", "weight", "points")
    for name, value in trust.items():
        t.add_row(name, _num(value, 3), _num(weights.get(name)), _num(value * weights.get(name, 0)))
    out.print(t)


@explain_app.command("work")
def explain_work(work: str = typer.Argument(..., help="A work id, an id merged into one, an arXiv id, a DOI or a W… id."),
                 warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Print why a work's records are one work: each record, and every link between them with its rule and evidence."""
    import json

    from warehouse.reads import explain_work as read_work, records

    e = read_work(_settings(warehouse).warehouse, _work_refs(work))
    w, out = e["work"], _out()
    out.print(_bold(w["title"] or "untitled", f" ({w['work_id']}): {w['work_type']}, "
                    f"{_num(w['publication_year'])}, {_num(w['venue'])}; {w['cited_by_count']} citations; "
                    f"{w['record_count']} record(s)"))
    t = Table("record", "source", "type", "year", "DOI", "citations", "joined by", "title", title="records", title_justify="left")
    for r in records(e["records"]):
        t.add_row(r["record_key"], r["source"], _num(r["type"]), _num(r["year"]), _num(r["doi"]), _num(r["cited_by_count"]),
                  r["link_rule"] or "first record", r["title"] or "")
    out.print(t)
    if len(e["links"]):
        t = Table("records", "rule", "score", "evidence", title="why they are one work", title_justify="left")
        for link in records(e["links"]):
            evidence = json.loads(link["evidence"])
            t.add_row(f"{link['record_a']}\n{link['record_b']}", link["rule"], f"{link['score']:.2f}",
                      "; ".join(f"{k}: {v}" for k, v in sorted(evidence.items())))
        out.print(t)
    else:
        out.print("one record: nothing was merged into it")
    for a in records(e["aliases"]):
        out.print(f"also known as {a['alias_id']} (merged into this work in run {a['run_id']})")
    for c in records(e["curation"]):
        out.print(f"curation {str(c['curated_at'])[:19]}: {c['action']} for {c['author_id']} by {c['curated_by']} ({c['reason']})")


@app.command()
def rescore(config: Optional[Path] = typer.Option(None, "--config", help="A scoring TOML (see core/scoring.toml); "
                                                   "default: the active configuration stored in the warehouse."),
            note: Optional[str] = typer.Option(None, "--note", help="Why the configuration changed (kept with the version)."),
            warehouse: Optional[Path] = WarehouseOpt, as_json: bool = JsonOpt) -> None:
    """Recompute every score from the warehouse alone (no network); a new configuration gets a new version."""
    from core.settings import load_scoring_config

    settings = _settings(warehouse)
    if config is not None:
        load_scoring_config(config)  # a bad file fails here, in one line
    _require_warehouse(settings)
    _check_writer(settings)
    summary = _run_flow("rescore", "rescore", "rescore", warehouse=str(settings.warehouse),
                        config_path=str(config) if config else None, note=note)
    _finish(summary, as_json, lambda s: _out().print(
        f"rescored {s['authors_scored']} authors and {s['works_scored']} works: scoring version "
        f"{s['scoring_version']}{' (new)' if s['new_version'] else ' (unchanged)'}, run {s['run_id']}"))


def _work_refs(ref: str) -> list[str]:
    """The ways a user may name a work: its id, an alias, an arXiv id (any version), a DOI, a W… id."""
    from transforms.normalize import arxiv_id, normalize_doi, openalex_short_id

    return [ref, arxiv_id(ref), normalize_doi(ref), openalex_short_id(ref)]


def _find_work(wh, ref: str) -> str:
    """Return the work `ref` names in the working warehouse, or stop with one line."""
    found = wh.find_work(_work_refs(ref))
    if not found:
        raise UserError(f"no work '{ref}' in the warehouse (give a work id, arXiv id, DOI or W… id)")
    return found


def _curate(action: str, author: str, by: str, why: str, warehouse: Optional[Path], work: str | None = None,
            other: str | None = None) -> None:
    from transforms.curation import curation_row
    from warehouse import Warehouse

    settings = _settings(warehouse)
    _require_warehouse(settings)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        author_id = wh.find_author(author)
        if not author_id:
            raise UserError(f"no author '{author}' in the warehouse")
        work_id = other_id = None
        if work is not None:
            work_id = _find_work(wh, work)
        if other is not None:
            other_id = wh.find_author(other)
            if not other_id:
                raise UserError(f"no author '{other}' in the warehouse")
        try:
            row = curation_row(action, author_id, by, why, datetime.now(timezone.utc), work_id, other_id)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        wh.add_curation(row)
    summary = _run_flow("rescore", "rescore", "applying (rescoring)", warehouse=str(settings.warehouse), note=None,
                        triggered_by=f"curate {action}")
    target = f" {work_id}" if work_id else f" {other_id}" if other_id else ""
    _out().print(f"recorded: {action} {author_id}{target} by {row['curated_by']} ({row['reason']}); "
                 f"applied in run {summary['run_id']}")


ByOpt = typer.Option(..., "--by", help="Who decides (kept with the decision).")
WhyOpt = typer.Option(..., "--why", help="Why (kept with the decision).")


@curate_app.command("claim")
def curate_claim(author: str, by: str = ByOpt, why: str = WhyOpt, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """The researcher claims this profile (verification L3)."""
    _curate("claim", author, by, why, warehouse)


@curate_app.command("unclaim")
def curate_unclaim(author: str, by: str = ByOpt, why: str = WhyOpt, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Withdraw a claim."""
    _curate("unclaim", author, by, why, warehouse)


@curate_app.command("include")
def curate_include(author: str, work: str, by: str = ByOpt, why: str = WhyOpt, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Put a work on an author's page whatever attribution decided."""
    _curate("include", author, by, why, warehouse, work=work)


@curate_app.command("exclude")
def curate_exclude(author: str, work: str, by: str = ByOpt, why: str = WhyOpt, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Take a work off an author's page whatever attribution decided."""
    _curate("exclude", author, by, why, warehouse, work=work)


@curate_app.command("merge")
def curate_merge(author: str, other: str, by: str = ByOpt, why: str = WhyOpt, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Merge author id OTHER into AUTHOR: one person, one page."""
    _curate("merge", author, by, why, warehouse, other=other)


def _record_key(ref: str) -> str:
    """A record as the user names it ('W123', 'openalex:W123', '2101.00001', 'arxiv:2101.00001') -> its record key."""
    from transforms.normalize import arxiv_id, openalex_short_id

    ref = ref.strip()
    if ref.startswith(("openalex:", "arxiv:")):
        return ref
    if (short := openalex_short_id(ref)) and short[:1] == "W" and short[1:].isdigit():
        return f"openalex:{short}"
    return f"arxiv:{arxiv_id(ref) or ref}"


def _curate_works(action: str, work: str, refs: list[str], by: str, why: str, warehouse: Optional[Path]) -> None:
    from transforms.curation import curation_row
    from warehouse import Warehouse

    settings = _settings(warehouse)
    _require_warehouse(settings)
    with Warehouse(settings.working_warehouse, settings.warehouse) as wh:
        work_id = _find_work(wh, work)
        members = wh.records_of_work(work_id)
        if action == "split_work":
            keys = [_record_key(r) for r in refs]
            strangers = [k for k in keys if k not in members]
            if strangers:
                raise UserError(f"{', '.join(strangers)} is not a record of {work_id} (its records: {', '.join(members)})")
            keys, others = sorted(set(keys)), [m for m in members if m not in set(keys)]
        else:
            other_id = _find_work(wh, refs[0])
            if other_id == work_id:
                raise UserError(f"{work} and {refs[0]} are already one work ({work_id})")
            keys, others = sorted(set(members) | set(wh.records_of_work(other_id))), None
        try:
            row = curation_row(action, "*", by, why, datetime.now(timezone.utc), work_id=work_id, record_keys=keys,
                               other_record_keys=others)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        wh.add_curation(row)
    summary = _run_flow("rescore", "rederive_works", "applying (deriving the works again, rescoring)",
                        record_keys=keys + (others or []), warehouse=str(settings.warehouse),
                        triggered_by=f"curate {action.replace('_', '-')}")
    _out().print(f"recorded: {action.replace('_', '-')} {work_id} ({', '.join(keys)}) by {row['curated_by']} "
                 f"({row['reason']}); applied in run {summary['run_id']}")


@curate_app.command("split-work")
def curate_split_work(work: str, records: list[str] = typer.Argument(..., help="Records to split out (W…, arXiv id, or record key)."),
                      by: str = ByOpt, why: str = WhyOpt, warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Split records out of a work into a work of their own; every later derivation keeps them apart."""
    _curate_works("split_work", work, records, by, why, warehouse)


@curate_app.command("merge-works")
def curate_merge_works(work: str, other: str, by: str = ByOpt, why: str = WhyOpt,
                       warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Merge two works into one; every later derivation keeps them together."""
    _curate_works("merge_works", work, [other], by, why, warehouse)


@curate_app.command("list")
def curate_list(warehouse: Optional[Path] = WarehouseOpt, as_json: bool = JsonOpt) -> None:
    """List every recorded decision, oldest first (as last published: no lock taken, nothing created)."""
    from warehouse.reads import curation, records

    rows = curation(_settings(warehouse).warehouse)
    if as_json:
        _print_json(records(rows))
        return
    table = Table("when", "action", "author", "work / other author", "records", "by", "why")
    for r in records(rows):
        table.add_row(str(r["curated_at"])[:19], r["action"].replace("_", "-"), r["author_id"],
                      r["work_id"] or r["other_author_id"] or "", ", ".join(r["record_keys"] or []),
                      r["curated_by"], r["reason"])
    _out().print(table)


@app.command()
def site(out: Path = typer.Option(Path("site"), "--out", help="Folder for index.html and authors/*.html (replaced whole)."),
         warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Render static profile pages (self-contained HTML) from the published warehouse's views."""
    from scholarflow.site import render_site

    result = render_site(_settings(warehouse).warehouse, out)
    _out().print(f"wrote {result.pages} pages ({result.authors} authors, {result.works} works listed) to {result.out}/index.html")


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command()
def sql(query: str = typer.Argument(..., help="SQL to run, read-only, on the published warehouse."),
        fmt: Format = typer.Option("table", "--format", help="How to print or save the result (parquet needs --out)."),
        out: Optional[Path] = typer.Option(None, "--out", help="Write the result to this file instead of the terminal."),
        warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Run a read-only query against the published warehouse (no file access from SQL) and print or save the result."""
    from scholarflow.export import write_result
    from warehouse.reads import query as run_query, query_head, records

    fmt = fmt.value
    if fmt == "table" and out is not None:
        raise UserError("--out needs --format csv, json or parquet")
    settings = _settings(warehouse)
    if fmt == "table":
        df, cut = query_head(settings.warehouse, query, settings.sql_max_rows, timeout=settings.sql_timeout_seconds)
        table = Table(*[str(c) for c in df.columns])
        for row in records(df):
            table.add_row(*["" if v is None else str(v) for v in row.values()])
        _out().print(table)
        _out().print(f"the first {len(df)} row(s); more are left out (SCHOLARFLOW_SQL_MAX_ROWS): add LIMIT, or use "
                     "--format csv --out FILE for all of them" if cut else f"{len(df)} row(s)")
        return
    df = run_query(settings.warehouse, query, timeout=settings.sql_timeout_seconds)
    text = write_result(df, fmt, out)
    if text is not None:
        sys.stdout.write(text)
    else:
        _err().print(f"wrote {len(df)} row(s) to {out}")


@app.command()
def export(out: Path = typer.Argument(..., help="Folder for one Parquet file per table and view, schema.json and schema.md."),
           warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Export every table and view of the published warehouse to Parquet, with the schema."""
    from scholarflow.export import export_warehouse

    schema = export_warehouse(_settings(warehouse).warehouse, out)
    rows = sum(v["rows"] for v in schema.values())
    _out().print(f"exported {len(schema)} tables and views ({rows:,} rows) to {out}/ with schema.json and schema.md")


@app.command()
def docs(out: Path = typer.Option(Path("docs/schema.md"), "--out", help="Where to write the schema reference.")) -> None:
    """Regenerate docs/schema.md from the table, view and column comments in the code."""
    from scholarflow.export import schema_markdown
    from warehouse.store import schema_catalog

    text = schema_markdown(schema_catalog())
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"can't write {out}: {exc.strerror or exc}") from None
    _out().print(f"wrote {out} ({text.count(chr(10) + '### ')} tables and views)")


def _fail(message: str, code: int) -> None:
    _err().print(f"error: {message}")
    sys.exit(code)


def main() -> None:
    """Entry point: run the app, turning our errors into one line and an exit code.

    0: done; 1: a run that failed or ended partial, a source failure; 2: bad input.
    """
    try:
        code = app(standalone_mode=False)
    except ScholarflowError as exc:
        _fail(str(exc), exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _err().print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors (click's, or the copy typer vendors) arrive here in standalone_mode=False: one line too.
        if callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int):
            ctx = getattr(exc, "ctx", None)
            hint = f" (see `{ctx.command_path} -h`)" if ctx is not None else ""
            _fail(f"{exc.format_message()}{hint}", exc.exit_code)
        if "ephemeral Prefect API server" in str(exc):
            import os

            waited = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "?")
            _fail(f"Prefect's temporary server did not start within {waited} s; raise "
                  "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or set PREFECT_API_URL to a running Prefect server", 1)
        raise
    # In standalone_mode=False a typer.Exit / click Exit comes back as its code instead of raising.
    sys.exit(code if isinstance(code, int) else 0)
