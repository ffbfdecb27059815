"""The tasks the flows order: small verbs around connectors, transforms and the warehouse.

No task has Prefect retries: retrying lives in connectors/http.py alone, where it can honour
Retry-After per request. Tasks hold live clients and connections, so caching is off.

Records, batches and clients are passed to tasks `quote()`d: Prefect would otherwise walk every
nested object of them twice per task (to track inputs and to resolve parameters), which took
most of an ingest's time (71 of 112 s for 2,000 works). Quoted, they reach the task as they are.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone

from pathlib import Path
from typing import Iterator

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from connectors.files import BATCH_RECORDS, iter_saved, parse_saved
from connectors.landing import RawLanding, read_landed
from connectors.openalex import openalex_author_key, orcid_key
from core.errors import FetchError, InputFileError, SuspectAnswerError, UserError
from core.settings import load_scoring_config
from flows.stopping import current_flow_run_id, end_flow_runs, stop_guard
from flows.wiring import Clients
from transforms.assemble import (AuthorInput, Batch, arxiv_only_ids, assemble, attribute_authors, author_from_saved,
                                 derive_summary, inputs_from_landing, source_records,
                                 unchanged_summary, without_records)
from transforms.authors import choose_author, listing_doubt, require_live_author
from transforms.curation import work_constraints
from transforms.dedupe import derive_works
from transforms.embed import CachedEmbedder, make_embedder
from transforms.harvest import match_harvest
from transforms.links import MAX_BLOCK
from transforms.metrics import listing_quality
from transforms.normalize import normalize_orcid, normalize_person_name, openalex_short_id
from transforms.scores import FORMULA_VERSION, ScoringInputs, score
from transforms.staging import (Staged, concat_staged, latest_staged, referenced_ids, stage_reference_texts,
                                stage_stored, subset_staged)
from warehouse import LoadResult, Warehouse

__all__ = ["new_run_id", "begin_run", "resolve_author", "list_openalex_works", "harvest_arxiv", "fetch_author", "fetch_reference_texts", "fetch_arxiv_counterparts",
           "transform_run", "store_and_derive", "rederive", "restore_records", "load_run", "store_files", "load_files", "load_counts", "score_warehouse",
           "publish_warehouse", "recorded_run", "timed", "load_and_publish"]


def new_run_id(started: datetime) -> str:
    """Return a run id that sorts by start time and is unique across machines."""
    return f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def begin_run(warehouse: Warehouse, run_id: str, flow_name: str, triggered_by: str, started: datetime,
              authors_requested: int) -> None:
    """Record the run as running (with its Prefect flow run). The runs dead processes left running are marked
    failed and their flow runs Crashed in Prefect; a stopped run's flow run not yet final there is Cancelled."""
    ends = warehouse.start_run(run_id, flow_name, triggered_by, started, authors_requested, current_flow_run_id())
    if ends:
        end_flow_runs(ends, run_id)


@task(name="resolve-author", cache_policy=NO_CACHE)
def resolve_author(clients: Clients, query: str) -> tuple[dict, str | None]:
    """Return (OpenAlex author record, the id asked for if it was redirected)."""
    log = get_run_logger()
    if openalex_author_key(query) or orcid_key(query):
        record = clients.openalex.get_author(query)
    else:
        record = choose_author(query, clients.openalex.search_authors(query))
    require_live_author(query, record)
    returned = openalex_short_id(record.get("id"))
    asked = openalex_author_key(query)
    redirected = asked if asked and asked != returned else None
    if redirected:
        log.info("OpenAlex merged %s into %s; following it", asked, returned)
    log.info("resolved %r to %s %s", query, returned, record.get("display_name"))
    return record, redirected


@task(name="list-openalex-works", cache_policy=NO_CACHE)
def list_openalex_works(clients: Clients, warehouse: Warehouse, records: list[dict], run_id: str) -> dict[str, list[dict] | SuspectAnswerError]:
    """Return each author's OpenAlex works (landed raw first), listed together in one call (up to 100 authors), each list checked.

    A list that is empty or sharply shorter than what is known of its author (`listing_doubt`),
    or a joint listing that gave fewer works than it announced, is asked for again, the author
    alone; not believed twice, the author gets a SuspectAnswerError for this run and keeps every
    stored work. A believed list is complete: a work it no longer has leaves the author's candidates.
    """
    log = get_run_logger()
    ids = [openalex_short_id(r["id"]) for r in records]
    known = {a: warehouse.listed_records(a) for a in ids}
    distinct = list(dict.fromkeys(ids))  # two tracked keys can name one author
    joint = clients.openalex.list_works_of_authors(distinct) if len(distinct) > 1 else None
    if joint is not None:
        short = listing_doubt(joint.listed, joint.announced, 0, None)
        log.info("%d authors' OpenAlex works listed together: %d works in %d calls%s", len(ids), joint.listed, joint.calls,
                 f" (not believed: {short}; each is asked alone)" if short else "")
        if joint.unplaced:
            log.warning("%d listed works name none of the authors asked for (e.g. %s)", len(joint.unplaced), joint.unplaced[0])
        joint = None if short else joint
    out = {}
    for record, author_id in zip(records, ids):
        stored, works_count = known[author_id]["openalex"], record.get("works_count")
        works, doubt = (joint.works[author_id], None) if joint is not None else (None, None)
        if works is not None and (doubt := listing_doubt(len(works), None, stored, works_count)):
            log.warning("%s: its %d works in the joint listing not believed (%s); asking for it alone", author_id, len(works), doubt)
        if works is None or doubt:
            works, doubt = _listed_alone(clients, author_id, stored, works_count)
        _record_listing(warehouse, author_id, "openalex", run_id, len(works), max(stored, works_count or 0), doubt)
        if doubt:
            out[author_id] = SuspectAnswerError(f"{author_id}: OpenAlex's works list was not believed twice ({doubt}); "
                                                f"the {stored} stored works are kept and it is asked again next run")
        else:
            log.info("%s: %d OpenAlex works", author_id, len(works))
            out[author_id] = works
    return out


@task(name="harvest-arxiv", cache_policy=NO_CACHE)
def harvest_arxiv(clients: Clients, warehouse: Warehouse, names: dict[str, str], since: date, run_id: str,
                  errors: list[dict]) -> dict[str, list[dict]] | None:
    """Return, per author, the arXiv records created or changed since `since` that name them (OAI-PMH, every
    page landed raw; matched by name page by page, so only candidates stay in memory), or None if it failed.

    A failure costs this run its arXiv news, not the run: it is recorded in `errors`, and as the
    authors' coverage does not move, the next harvest asks for the same days again.
    """
    log = get_run_logger()
    matched: dict[str, list[dict]] = {a: [] for a in names}
    pages = records = deleted = 0
    try:
        for page in clients.harvester.pages(since):
            pages, records, deleted = pages + 1, records + len(page.entries), deleted + len(page.deleted)
            for author_id, found in match_harvest(page.entries, names).items():
                matched[author_id] += found
    except FetchError as exc:
        log.warning("arXiv harvest since %s failed (asked again next run): %s", since, exc)
        errors.append({"author": "*", "error": str(exc), "kind": "arxiv_harvest"})
        return None
    hits = sum(len(found) for found in matched.values())
    warehouse.record_harvest({"run_id": run_id, "from_date": since, "until_date": datetime.now(timezone.utc).date(),
                              "pages": pages, "records": records, "deleted": deleted, "matched": hits,
                              "finished_at": datetime.now(timezone.utc)})
    log.info("arXiv harvest since %s: %d records in %d pages, %d name matches for %d authors", since, records, pages, hits, len(names))
    return matched


@task(name="fetch-author", cache_policy=NO_CACHE)
def fetch_author(clients: Clients, warehouse: Warehouse, record: dict, redirected: str | None, run_id: str,
                 works: list[dict] | SuspectAnswerError, harvested: list[dict] | None = None,
                 harvest_failed: bool = False) -> AuthorInput:
    """Return the author's OpenAlex works (`list_openalex_works`) and arXiv entries (landed raw first).

    The arXiv entries are this run's harvest matches when given (`harvest_arxiv`; none when it
    failed), else the entries of a name search. A works list that was not believed fails the
    author here. A doubtful arXiv answer adds what it has and removes nothing.
    """
    log = get_run_logger()
    author_id = openalex_short_id(record["id"])
    if isinstance(works, SuspectAnswerError):
        raise works
    name = normalize_person_name(record.get("display_name"))
    doubts, via = [], None
    if harvested is not None or harvest_failed:
        entries, via = harvested or [], None if harvest_failed else "harvest"
        log.info("%s: %d harvested arXiv records name %r", author_id, len(entries), name)
    else:
        known = warehouse.listed_records(author_id)
        entries = list(clients.arxiv.search_author(name)) if name else []
        log.info("%s: %d arXiv entries for the name %r (homonyms included)", author_id, len(entries), name)
        arxiv_doubt = listing_doubt(len(entries), None, known["arxiv"], None) if name else None
        _record_listing(warehouse, author_id, "arxiv", run_id, len(entries), known["arxiv"], arxiv_doubt)
        if arxiv_doubt:
            log.warning("%s: arXiv's answer for %r not believed (%s): nothing is removed", author_id, name, arxiv_doubt)
            doubts.append(f"arXiv's answer for {name!r} not believed ({arxiv_doubt}); the stored arXiv records are kept")
        via = None if arxiv_doubt or not name else "name_search"
    return AuthorInput(
        author_id=author_id,
        display_name=name,
        orcid=normalize_orcid(record.get("orcid")),
        record=record,
        requested_id=redirected,
        openalex_works=works,
        arxiv_entries=entries,
        listing_complete=True,
        doubts=doubts,
        arxiv_via=via,
    )


def _listed_alone(clients: Clients, author_id: str, stored: int, works_count: int | None) -> tuple[list[dict], str | None]:
    """Return (the author's works listed alone, why they are still not believed or None), asking twice at most."""
    for asked in (1, 2):
        works, announced = clients.openalex.list_author_works(author_id)
        doubt = listing_doubt(len(works), announced, stored, works_count)
        if not doubt:
            break
        get_run_logger().warning("%s: OpenAlex works list not believed (%s)%s", author_id, doubt, "; asking again" if asked == 1 else "")
    return works, doubt


def _record_listing(warehouse: Warehouse, author_id: str, source: str, run_id: str, listed: int, known: int,
                    doubt: str | None) -> None:
    listing = {"author_id": author_id, "source": source, "run_id": run_id, "checked_at": datetime.now(timezone.utc),
               "listed": listed, "known": known, "verdict": "suspect" if doubt else "complete", "detail": doubt}
    warehouse.record_listing(listing, listing_quality(pd.DataFrame([listing])))


@task(name="fetch-reference-texts", cache_policy=NO_CACHE)
def fetch_reference_texts(clients: Clients, warehouse: Warehouse, inputs: list[AuthorInput], today: date,
                          errors: list[dict]) -> pd.DataFrame | None:
    """Return the texts of cited works never fetched before (100 per request), for novelty.

    A failure here costs novelty data, not the run: it is recorded in `errors` and the missing
    references are asked for again next run.
    """
    log = get_run_logger()
    missing = warehouse.missing_references(referenced_ids([w for a in inputs for w in a.openalex_works]))
    if not missing:
        return None
    try:
        found = list(clients.openalex.iter_work_texts(missing))
    except FetchError as exc:
        log.warning("cited works' texts not fetched (novelty falls back until next run): %s", exc)
        errors.append({"author": "*", "error": str(exc), "kind": "references"})
        return None
    log.info("texts of %d cited works fetched (%d not in OpenAlex)", len(found), len(missing) - len(found))
    return stage_reference_texts(missing, found, today)


@task(name="fetch-arxiv-counterparts", cache_policy=NO_CACHE)
def fetch_arxiv_counterparts(clients: Clients, warehouse: Warehouse, inputs: list[AuthorInput], errors: list[dict]) -> list[dict]:
    """Return the OpenAlex works of the run's arXiv-only candidates (looked up by their 10.48550 DOIs, 100 a request).

    They are stored as records like any other: who OpenAlex says wrote a paper is evidence
    against a namesake. A failure costs that evidence, not the run; it is recorded in `errors`.
    """
    log = get_run_logger()
    wanted = arxiv_only_ids(inputs)
    known = warehouse.arxiv_ids_with_openalex_record(wanted)
    dois = [f"10.48550/arxiv.{i.lower()}" for i in wanted if i not in known]
    if not dois:
        return []
    try:
        found = list(clients.openalex.iter_works_by_dois(dois))
    except FetchError as exc:
        log.warning("arXiv-only candidates not looked up in OpenAlex (name evidence only until next run): %s", exc)
        errors.append({"author": "*", "error": str(exc), "kind": "arxiv_counterparts"})
        return []
    log.info("%d of %d arXiv-only candidates have an OpenAlex record", len(found), len(dois))
    return found


@task(name="transform-run", cache_policy=NO_CACHE)
def transform_run(inputs: list[AuthorInput], extra_openalex_works: list[dict] | None = None,
                  extra_arxiv_entries: list[dict] | None = None) -> Batch:
    """Return the run's batch: its records staged, and the authors they were fetched for."""
    batch = assemble(inputs, extra_openalex_works, extra_arxiv_entries)
    get_run_logger().info("staged %d records for %d authors", len(batch.source_records), len(batch.authors))
    return batch


def store_and_derive(warehouse: Warehouse, batch: Batch, run_id: str, now: datetime,
                     fail_after: str | None = None, keep_earlier_candidates: bool = False) -> tuple[LoadResult, dict]:
    """Store the batch's records and re-derive every work and attribution their changes touch, in one transaction.

    Only what changed seeds the derivation (`Warehouse.store_batch`): a batch stored before, as
    it is, re-derives nothing, so a re-run costs its parse and compare. Works come from all
    stored records of the clusters the changes touch (a new record can join,
    bridge or split works other runs made); attribution is redone for every author with a
    candidate record among them. `keep_earlier_candidates` (an older warehouse's first records)
    also makes every work an author already had a candidate of theirs. Returns the load result
    and the run summary's figures.
    """
    with warehouse.transaction():
        seeds = warehouse.store_batch(batch, run_id, now)
        if keep_earlier_candidates:
            warehouse.keep_earlier_candidates(run_id)
        return _derive(warehouse, seeds, batch.staged, run_id, now, fail_after)


def restore_records(warehouse: Warehouse, raw_dir: Path, run_id: str, now: datetime) -> dict:
    """Store the records of every landed response and derive works from them, once, in an older warehouse.

    A warehouse written before records were stored holds works but no records; its raw landing
    holds every response it ever fetched. Re-parsing those (no network) stores the records and the
    authors they were fetched for; works keep their ids; attribution keeps every work an author had.
    """
    log = get_run_logger()
    responses, unreadable = [], 0
    for row in warehouse.landed_responses().to_dict("records"):
        try:
            payload = parse_saved(row["url"], read_landed(raw_dir, row["path"]))
        except (InputFileError, OSError) as exc:
            unreadable += 1
            log.warning("landed response not re-parsed: %s", exc)
            continue
        responses.append({"url": row["url"], "fetched_at": row["fetched_at"], "openalex_works": payload.openalex_works,
                          "openalex_authors": payload.openalex_authors, "arxiv_entries": payload.arxiv_entries})
    inputs, works, entries = inputs_from_landing(responses, warehouse.author_names())
    batch = assemble(inputs, works, entries)
    _, stats = store_and_derive(warehouse, batch, run_id, now, keep_earlier_candidates=True)
    log.info("records restored from %d landed responses (%d unreadable): %d records, %d works",
             len(responses), unreadable, len(batch.source_records), stats["works"])
    return {"responses_reparsed": len(responses), "responses_unreadable": unreadable,
            "records_restored": len(batch.source_records), "works": stats["works"]}


def rederive(warehouse: Warehouse, record_keys: list[str], run_id: str, now: datetime) -> tuple[LoadResult, dict]:
    """Re-derive the works and attribution of these stored records from the warehouse alone (after a work curation)."""
    with warehouse.transaction():
        return _derive(warehouse, record_keys, None, run_id, now)


def _derive(warehouse: Warehouse, seeds: list[str], fresh: Staged | None, run_id: str, now: datetime,
            fail_after: str | None = None) -> tuple[LoadResult, dict]:
    if not seeds:  # nothing stored changed: every work and attribution stands as derived
        return LoadResult(0, 0, {}), unchanged_summary()
    component = warehouse.component(seeds, max_block=MAX_BLOCK)
    authors = warehouse.authors_of_records(component)
    candidates = warehouse.candidate_records(authors)
    # Every record attribution reads: the re-clustered ones, and those of the authors' other works.
    needed = sorted(set(component) | set(warehouse.records_of_works_of(list(candidates["record_key"]))))
    have = set(fresh.records["record_key"]) if fresh is not None else set()
    stored = stage_stored(*warehouse.stored_records([k for k in needed if k not in have]))
    staged = concat_staged(fresh, stored) if fresh is not None else stored
    together, apart = work_constraints(warehouse.work_decisions(component))
    prior = warehouse.prior_works(component)
    derived = derive_works(subset_staged(staged, set(component)), prior, warehouse.work_ids_in_use(), together, apart)
    result = warehouse.replace_works(derived, component, prior, run_id, now, fail_after=fail_after)
    author_works, names = attribute_authors(warehouse.identities(authors), candidates, warehouse.record_works(needed), staged)
    warehouse.replace_attribution(authors, author_works, names)
    if fail_after == "author_works":
        raise RuntimeError("injected failure after loading author_works")
    return result, derive_summary(derived, author_works, len(component), len(authors))


@task(name="load-run", cache_policy=NO_CACHE)
def load_run(warehouse: Warehouse, batch: Batch, run_id: str, now: datetime) -> tuple[LoadResult, dict]:
    """Store the run's records and re-derive what they touch in the working warehouse (one transaction)."""
    result, stats = store_and_derive(warehouse, batch, run_id, now)
    get_run_logger().info("loaded: %d new works, %d changed; %s", result.works_new, result.works_changed, stats)
    return result, stats


def store_files(warehouse: Warehouse, landing: RawLanding, paths: list[str], author_id: str | None, run_id: str,
                now: datetime, batch: int = BATCH_RECORDS, on_chunk=None, skip_bad_lines: bool = False) -> tuple[LoadResult, dict]:
    """Land, parse and store saved files chunk by chunk, then derive what they touch: each file read once, one transaction.

    Only one chunk's records (`batch`) are Python objects at a time; the derivation reads the
    chunks' staged frames, so nothing is parsed twice. With `author_id` the records are that
    author's candidates. A bad file (a bad line anywhere) rolls the whole ingest back.
    `on_chunk(file name, records so far)` is told after each chunk is stored. With `skip_bad_lines`
    a bad JSON Lines line is kept in `quarantined_lines` (with its error) and the rest loads.
    """
    parts, seeds, records, quarantined = [], [], 0, 0
    with warehouse.transaction():
        for path in paths:
            url = Path(path).resolve().as_uri()
            with landing.land_stream("file", url) as sink:
                for chunk in iter_saved(path, sink, batch, skip_bad_lines):
                    if chunk.bad_lines:
                        quarantined += warehouse.quarantine(run_id, sink.response_id, url, chunk.bad_lines)
                    for record in chunk.openalex_works + chunk.arxiv_entries:
                        record["_response_id"] = sink.response_id
                    # Records stored before exactly as they are are marked seen and go no further.
                    same = warehouse.mark_unchanged(source_records(chunk.openalex_works, chunk.arxiv_entries),
                                                    author_id, run_id, now)
                    works, entries = without_records(chunk.openalex_works, chunk.arxiv_entries, same)
                    if author_id:
                        inputs = [author_from_saved(author_id, works, entries, chunk.openalex_authors,
                                                    warehouse.author_row(author_id))]
                        loaded = assemble(inputs)
                    else:
                        loaded = assemble([], works, entries)
                    seeds += warehouse.store_batch(loaded, run_id, now)
                    parts.append(loaded.staged)
                    records += len(chunk.openalex_works) + len(chunk.arxiv_entries)
                    if on_chunk:
                        on_chunk(Path(path).name, records)
        result, stats = _derive(warehouse, seeds, latest_staged(parts), run_id, now)
    return result, {**stats, "records_fetched": records, **({"lines_quarantined": quarantined} if quarantined else {})}


@task(name="load-files", cache_policy=NO_CACHE)
def load_files(warehouse: Warehouse, landing: RawLanding, paths: list[str], author_id: str | None, run_id: str,
               now: datetime, skip_bad_lines: bool = False) -> tuple[LoadResult, dict]:
    """Store the saved files' records and derive what they touch (`store_files`), logging each chunk."""
    log = get_run_logger()
    return store_files(warehouse, landing, paths, author_id, run_id, now,
                       on_chunk=lambda name, n: log.info("%s: %d records stored", name, n), skip_bad_lines=skip_bad_lines)


def load_counts(result: LoadResult, stats: dict) -> dict:
    """The figures a load adds to its run's counts (`runs` columns and the summary)."""
    return {**{k: v for k, v in stats.items() if k != "records"}, "works_new": result.works_new,
            "works_changed": result.works_changed}


@task(name="score-warehouse", cache_policy=NO_CACHE)
def score_warehouse(warehouse: Warehouse, today: date, config: dict | None = None, note: str | None = None) -> dict:
    """Recompute every score from the warehouse alone; return the scoring version and figures.

    The configuration is `config` when given (rescore --config), else the active one stored in
    the warehouse, else the packaged scoring.toml. A new (configuration, formula) pair gets the
    next scoring version; history keeps every pass.
    """
    active = warehouse.active_scoring()
    cfg = config or (active[1] if active else load_scoring_config())
    version = warehouse.scoring_version_for(cfg, FORMULA_VERSION, datetime.now(timezone.utc), note)
    get_run_logger().info("scoring with scoring version %d", version["scoring_version"])
    embedder = make_embedder(cfg["novelty"]["embedder"])
    # A text-stable embedder's vectors are kept: only texts never seen before are embedded.
    cached = CachedEmbedder(embedder, warehouse.text_vectors(embedder.version)) if getattr(embedder, "text_stable", False) else None
    scores = score(ScoringInputs(**warehouse.scoring_frames()), cfg, today, version["scoring_version"], cached or embedder)
    warehouse.write_scores(scores.tables(), version, vectors=(cached.version, cached.new) if cached else None)
    m = scores.author_metrics
    get_run_logger().info("scored %d authors and %d works with scoring version %d%s", len(m), len(scores.work_metrics),
                          version["scoring_version"], " (new)" if version["is_new"] else "")
    return {"scoring_version": version["scoring_version"], "new_version": version["is_new"], "authors_scored": len(m),
            "works_scored": len(scores.work_metrics)}


@task(name="publish-warehouse", cache_policy=NO_CACHE)
def publish_warehouse(warehouse: Warehouse) -> str:
    """Publish the working warehouse as the read-only copy; return its path."""
    return str(warehouse.publish())


@contextmanager
def recorded_run(warehouse: Warehouse, run_id: str, run: dict, kind: str) -> Iterator[dict]:
    """Finish the run in `runs` and publish when the block ends, whatever happens.

    `run` holds status, counts and errors; a failure in the block marks it failed with an
    error of `kind` and is raised again after the record is written. Bad input (a UserError,
    such as a malformed file to ingest) was refused, not run: the run's row is removed and
    nothing is published. A stop signal cancels the run unpublished (`stop_guard`). A disk that refuses
    a write (full, read-only) fails the run with a one-line StorageError, the published copy as it was.
    """
    with stop_guard(warehouse, run_id) as stopping:
        try:
            yield run
        except UserError:
            warehouse.forget_run(run_id)
            raise
        except Exception as exc:  # its load rolled back; the run must not read "succeeded"
            if stopping:  # DuckDB reports a signal as an interrupted query: a stop, not a failure
                raise
            refused = warehouse.refused_write(exc)
            _fail_run(warehouse, run_id, run, refused or exc, kind)
            if refused is not None:
                raise refused from None
            raise
        try:
            _finish_run(warehouse, run_id, run)
        except Exception as exc:
            refused = warehouse.refused_write(exc)
            if refused is None:
                raise
            _fail_run(warehouse, run_id, run, refused, "publish", publish=False)
            raise refused from None


def _finish_run(warehouse: Warehouse, run_id: str, run: dict) -> None:
    warehouse.finish_run(run_id, run["status"], datetime.now(timezone.utc), run["counts"], run["errors"])
    with timed(run, "publish"):
        publish_warehouse(warehouse)


def _fail_run(warehouse: Warehouse, run_id: str, run: dict, exc: BaseException, kind: str, publish: bool = True) -> None:
    """Record the run as failed and publish that record, as far as the disks allow: when they refuse the
    writes (full, read-only), the run stays `running` in the working file and the next run marks it failed."""
    run["status"] = "failed"
    run["errors"].append({"author": "*", "error": f"{type(exc).__name__}: {exc}", "kind": kind})
    try:
        if publish:
            _finish_run(warehouse, run_id, run)
        else:
            warehouse.finish_run(run_id, "failed", datetime.now(timezone.utc), run["counts"], run["errors"])
    except Exception as later:
        if warehouse.refused_write(later) is None:
            raise
        get_run_logger().warning("run %s: its failure is not recorded yet (%s); the next run records it", run_id, later)


@contextmanager
def timed(run: dict, step: str) -> Iterator[None]:
    """Add the block's wall seconds to `run["seconds"][step]` (the run summary's step times)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = run.setdefault("seconds", {})
        seconds[step] = round(seconds.get(step, 0.0) + time.perf_counter() - started, 2)


def load_and_publish(warehouse: Warehouse, run_id: str, started: datetime, status: str, counts: dict, errors: list[dict],
                     inputs: list[AuthorInput], extra_openalex_works: list[dict] | None = None,
                     extra_arxiv_entries: list[dict] | None = None, reference_texts: pd.DataFrame | None = None) -> str:
    """Transform, load and score the run (if it has records), record it in `runs`, publish; return its status.

    A failed load rolls back whole, so publishing afterwards only adds the run's record. A
    failed scoring pass rolls back too: the loaded works stay, with the previous scores.
    """
    run = {"status": status, "counts": counts, "errors": errors}
    with recorded_run(warehouse, run_id, run, "load"):
        if inputs or extra_openalex_works or extra_arxiv_entries:
            batch = transform_run(quote(inputs), quote(extra_openalex_works), quote(extra_arxiv_entries))
            batch.reference_texts = reference_texts
            result, stats = load_run(warehouse, quote(batch), run_id, datetime.now(timezone.utc))
            counts.update(load_counts(result, stats))
            # Only once the records are stored: a failed load must leave the days to be fetched again.
            for via in ("name_search", "harvest"):
                covered = [a.author_id for a in inputs if a.arxiv_via == via]
                if covered:
                    warehouse.cover_arxiv(covered, started.date(), via, run_id)
            counts.update(score_warehouse(warehouse, started.date()))
    return run["status"]
