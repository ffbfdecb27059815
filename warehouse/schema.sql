-- scholarflow warehouse schema. Applied on every open; every statement is idempotent.
-- Names are a contract with profile pages and analysts (see README "Data model").

CREATE TABLE IF NOT EXISTS runs (
    run_id            VARCHAR PRIMARY KEY,
    flow_name         VARCHAR NOT NULL,
    triggered_by      VARCHAR NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    status            VARCHAR NOT NULL,
    authors_requested INTEGER NOT NULL DEFAULT 0,
    authors_failed    INTEGER NOT NULL DEFAULT 0,
    records_fetched   INTEGER NOT NULL DEFAULT 0,
    works_new         INTEGER NOT NULL DEFAULT 0,
    works_changed     INTEGER NOT NULL DEFAULT 0,
    merged_duplicates INTEGER NOT NULL DEFAULT 0,
    arxiv_attributed  INTEGER NOT NULL DEFAULT 0,
    arxiv_rejected    INTEGER NOT NULL DEFAULT 0,
    requests_made     INTEGER NOT NULL DEFAULT 0,
    errors            JSON
);
COMMENT ON TABLE runs IS 'One row per pipeline run: who started it, when, its status and counts (fetched, new, changed, failed, requests made) and the errors of failed authors.';

CREATE TABLE IF NOT EXISTS raw_responses (
    response_id    VARCHAR PRIMARY KEY,
    run_id         VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    status         INTEGER NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    byte_count     BIGINT NOT NULL,
    path           VARCHAR NOT NULL
);
COMMENT ON TABLE raw_responses IS 'Index of the raw landing area: every response body as fetched (gzip file under raw/, content-addressed by sha256), with URL (no secrets), HTTP status, fetched_at and run. Re-parsing never needs a refetch.';

CREATE TABLE IF NOT EXISTS tracked_authors (
    author_key VARCHAR PRIMARY KEY,
    added_at   TIMESTAMPTZ NOT NULL,
    note       VARCHAR
);
COMMENT ON TABLE tracked_authors IS 'Authors the nightly refresh covers, by OpenAlex id or ORCID (scholarflow authors add|list|remove).';

CREATE TABLE IF NOT EXISTS authors (
    author_id               VARCHAR PRIMARY KEY,
    display_name            VARCHAR,
    orcid                   VARCHAR,
    affiliation             VARCHAR,
    institution_id          VARCHAR,
    requested_id            VARCHAR,
    works_count_reported    BIGINT,
    cited_by_count_reported BIGINT,
    h_index_reported        BIGINT,
    i10_index_reported      BIGINT
);
COMMENT ON TABLE authors IS 'Tracked authors, keyed by OpenAlex author id. *_reported columns are what OpenAlex summary_stats says: provenance only, never shown as our figures (see author_metrics).';
COMMENT ON COLUMN authors.requested_id IS 'The id an operator asked for when OpenAlex redirected a merged id to this one.';

CREATE TABLE IF NOT EXISTS author_identifiers (
    scheme    VARCHAR NOT NULL,
    value     VARCHAR NOT NULL,
    author_id VARCHAR NOT NULL,
    PRIMARY KEY (scheme, value)
);
COMMENT ON TABLE author_identifiers IS 'Identifiers that resolve to an author: openalex, openalex_merged, orcid, name_variant and arxiv_name (a name form printed on an attributed arXiv work).';

CREATE TABLE IF NOT EXISTS institutions (
    institution_id   VARCHAR PRIMARY KEY,
    display_name     VARCHAR,
    ror              VARCHAR,
    country_code     VARCHAR,
    institution_type VARCHAR
);
COMMENT ON TABLE institutions IS 'Institutions named on authorships (OpenAlex I… ids).';

CREATE TABLE IF NOT EXISTS topics (
    topic_id     VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    subfield     VARCHAR,
    field        VARCHAR,
    domain       VARCHAR
);
COMMENT ON TABLE topics IS 'OpenAlex topics of the works, with their subfield, field and domain.';

CREATE TABLE IF NOT EXISTS works (
    work_id                        VARCHAR PRIMARY KEY,
    title                          VARCHAR,
    title_key                      VARCHAR,
    publication_year               INTEGER,
    published_on                   DATE,
    work_type                      VARCHAR NOT NULL,
    venue                          VARCHAR,
    arxiv_id                       VARCHAR,
    doi                            VARCHAR,
    category                       VARCHAR,
    category_short                 VARCHAR,
    abstract                       VARCHAR,
    has_code                       BOOLEAN NOT NULL,
    code_url                       VARCHAR,
    cited_by_count                 INTEGER NOT NULL,
    fwci                           DOUBLE,
    citation_normalized_percentile DOUBLE,
    primary_topic_id               VARCHAR,
    author_count                   INTEGER NOT NULL,
    record_count                   INTEGER NOT NULL
);
COMMENT ON TABLE works IS 'One row per real paper: all copies (OpenAlex records, arXiv versions, preprint and published version) merged. cited_by_count is the largest of the copies, never their sum; published_on is the first version''s date.';
COMMENT ON COLUMN works.work_id IS 'Stable id: arxiv:<id>, else doi:<doi>, else openalex:<W…>, as first seen; later copies join the existing id.';
COMMENT ON COLUMN works.record_count IS 'How many source records were merged into this work.';
COMMENT ON COLUMN works.category_short IS 'Short arXiv category of the primary category (cs.CV -> CV).';

CREATE TABLE IF NOT EXISTS work_identifiers (
    scheme  VARCHAR NOT NULL,
    value   VARCHAR NOT NULL,
    work_id VARCHAR NOT NULL,
    PRIMARY KEY (scheme, value)
);
COMMENT ON TABLE work_identifiers IS 'Every identifier of a work: openalex (W…), doi (lower case, no resolver), arxiv (no version), pmid, pmcid. Several per work.';

CREATE TABLE IF NOT EXISTS work_locations (
    work_id      VARCHAR NOT NULL,
    record_id    VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    venue        VARCHAR,
    version      VARCHAR,
    is_published BOOLEAN NOT NULL,
    PRIMARY KEY (work_id, record_id, url)
);
COMMENT ON TABLE work_locations IS 'Each place a version of a work lives (preprint, accepted, published), with the source record that reported it.';

CREATE TABLE IF NOT EXISTS work_topics (
    work_id  VARCHAR NOT NULL,
    topic_id VARCHAR NOT NULL,
    score    DOUBLE,
    PRIMARY KEY (work_id, topic_id)
);
COMMENT ON TABLE work_topics IS 'OpenAlex topics assigned to a work, with OpenAlex''s score.';

CREATE TABLE IF NOT EXISTS authorships (
    work_id            VARCHAR NOT NULL,
    position           INTEGER NOT NULL,
    raw_author_name    VARCHAR,
    author_name        VARCHAR,
    openalex_author_id VARCHAR,
    orcid              VARCHAR,
    institution_ids    VARCHAR[],
    resolved_author_id VARCHAR,
    PRIMARY KEY (work_id, position)
);
COMMENT ON TABLE authorships IS 'Author list of each work (1-based position), the name as printed, the normalized name, and the tracked author it resolves to, if any.';

CREATE TABLE IF NOT EXISTS citations_by_year (
    work_id        VARCHAR NOT NULL,
    year           INTEGER NOT NULL,
    cited_by_count INTEGER NOT NULL,
    PRIMARY KEY (work_id, year)
);
COMMENT ON TABLE citations_by_year IS 'Citations a work received per year (OpenAlex counts_by_year: the last 10 years only; older years are absent, not zero).';

CREATE TABLE IF NOT EXISTS author_works (
    author_id     VARCHAR NOT NULL,
    work_id       VARCHAR NOT NULL,
    confidence    DOUBLE NOT NULL,
    is_attributed BOOLEAN NOT NULL,
    method        VARCHAR NOT NULL,
    evidence      JSON,
    matched_name  VARCHAR,
    PRIMARY KEY (author_id, work_id)
);
COMMENT ON TABLE author_works IS 'Attribution: every candidate work of an author with confidence and evidence. Only is_attributed rows show on a page; the rest (homonyms, weak matches) stay reviewable.';

CREATE TABLE IF NOT EXISTS author_metrics (
    author_id      VARCHAR PRIMARY KEY,
    computed_on    DATE NOT NULL,
    works_count    INTEGER NOT NULL,
    cited_by_count INTEGER NOT NULL,
    h_index        INTEGER NOT NULL,
    i10_index      INTEGER NOT NULL,
    first_year     INTEGER,
    last_year      INTEGER,
    preprint_count INTEGER NOT NULL,
    code_count     INTEGER NOT NULL
);
COMMENT ON TABLE author_metrics IS 'Current metrics of each author, computed from attributed distinct works only (h <= works, h^2 <= citations hold by construction).';

CREATE TABLE IF NOT EXISTS author_metrics_history (
    author_id      VARCHAR NOT NULL,
    computed_on    DATE NOT NULL,
    works_count    INTEGER NOT NULL,
    cited_by_count INTEGER NOT NULL,
    h_index        INTEGER NOT NULL,
    i10_index      INTEGER NOT NULL,
    first_year     INTEGER,
    last_year      INTEGER,
    preprint_count INTEGER NOT NULL,
    code_count     INTEGER NOT NULL,
    PRIMARY KEY (author_id, computed_on)
);
COMMENT ON TABLE author_metrics_history IS 'One row per author per run day (a second run on one day replaces that day''s row).';

CREATE TABLE IF NOT EXISTS author_citations_by_year (
    author_id      VARCHAR NOT NULL,
    year           INTEGER NOT NULL,
    cited_by_count INTEGER NOT NULL,
    PRIMARY KEY (author_id, year)
);
COMMENT ON TABLE author_citations_by_year IS 'Citations per year received by an author''s attributed works (10-year window of OpenAlex counts_by_year).';

CREATE TABLE IF NOT EXISTS work_metrics (
    work_id                        VARCHAR PRIMARY KEY,
    cited_by_count                 INTEGER NOT NULL,
    fwci                           DOUBLE,
    citation_normalized_percentile DOUBLE
);
COMMENT ON TABLE work_metrics IS 'Per-work citation metrics (merged copies counted once).';

CREATE TABLE IF NOT EXISTS data_quality (
    author_id  VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    severity   VARCHAR NOT NULL,
    ours       VARCHAR,
    reported   VARCHAR,
    detail     VARCHAR,
    PRIMARY KEY (author_id, check_name)
);
COMMENT ON TABLE data_quality IS 'Invariant violations and source disagreements (for example OpenAlex summary_stats h-index vs ours), current per author.';
