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
    scoring_version   INTEGER,
    errors            JSON,
    flow_run_id       VARCHAR,
    openalex_requests INTEGER DEFAULT 0,
    arxiv_requests    INTEGER DEFAULT 0
);
COMMENT ON TABLE runs IS 'One row per pipeline run: who started it, when, its status and counts (fetched, new, changed, failed, requests made in all and to OpenAlex and arXiv), the scoring version it scored with, and its errors (failed authors, unfetched references); flow_run_id is its Prefect flow run.';
COMMENT ON COLUMN runs.openalex_requests IS 'Of requests_made, those to OpenAlex (a nightly lists up to 100 authors'' works per call).';
COMMENT ON COLUMN runs.arxiv_requests IS 'Of requests_made, those to arXiv.';

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
COMMENT ON COLUMN authors.display_name IS 'The name as OpenAlex displays it (normalized).';
COMMENT ON COLUMN authors.affiliation IS 'Last known institution (OpenAlex).';
COMMENT ON COLUMN authors.orcid IS 'Bare ORCID (0000-0000-0000-000X), check digit verified.';
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

CREATE TABLE IF NOT EXISTS source_records (
    record_key     VARCHAR PRIMARY KEY,
    source         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    payload        JSON NOT NULL,
    response_id    VARCHAR,
    first_run_id   VARCHAR NOT NULL,
    last_run_id    VARCHAR NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE source_records IS 'Every source record ever fetched or ingested, once: an OpenAlex work (openalex:W…) or an arXiv entry (arxiv:<id>), as the source gave it (payload), with the raw response it came from. The truth works are derived from; a run upserts the records it fetched and never touches another record.';
COMMENT ON COLUMN source_records.payload IS 'The record as parsed from the response (OpenAlex work JSON, or the arXiv entry as a JSON object).';
COMMENT ON COLUMN source_records.response_id IS 'raw_responses row of the response the latest version came from (NULL for records stored before responses were linked).';

CREATE TABLE IF NOT EXISTS record_keys (
    record_key VARCHAR NOT NULL,
    key        VARCHAR NOT NULL,
    PRIMARY KEY (record_key, key)
);
COMMENT ON TABLE record_keys IS 'Values through which a stored record could be linked to another (scheme:value identifiers, title keys): a new record finds the stored records, and so the works, it may belong with, without reading the whole warehouse.';

CREATE TABLE IF NOT EXISTS record_works (
    record_key VARCHAR PRIMARY KEY,
    work_id    VARCHAR NOT NULL,
    link_rule  VARCHAR
);
COMMENT ON TABLE record_works IS 'Which work each stored record belongs to (derived; link_rule = the rule that first joined it to its cluster, NULL for the first record).';

CREATE TABLE IF NOT EXISTS work_links (
    record_a VARCHAR NOT NULL,
    record_b VARCHAR NOT NULL,
    work_id  VARCHAR NOT NULL,
    rule     VARCHAR NOT NULL,
    score    DOUBLE NOT NULL,
    evidence JSON NOT NULL,
    PRIMARY KEY (record_a, record_b)
);
COMMENT ON TABLE work_links IS 'Why records are one work: every link the merge found between two records (record_a < record_b), its rule, score and evidence (scholarflow explain work WORK prints them).';

CREATE TABLE IF NOT EXISTS work_aliases (
    alias_id   VARCHAR PRIMARY KEY,
    work_id    VARCHAR NOT NULL,
    aliased_at TIMESTAMPTZ NOT NULL,
    run_id     VARCHAR NOT NULL
);
COMMENT ON TABLE work_aliases IS 'Work ids that no longer name a work of their own because their records joined another work; alias_id resolves to work_id, so links and curation that name the old id keep working.';

CREATE TABLE IF NOT EXISTS author_records (
    author_id    VARCHAR NOT NULL,
    record_key   VARCHAR NOT NULL,
    via          VARCHAR NOT NULL,
    first_run_id VARCHAR NOT NULL,
    last_run_id  VARCHAR NOT NULL,
    PRIMARY KEY (author_id, record_key)
);
COMMENT ON TABLE author_records IS 'Candidate records of an author: fetched for them (their OpenAlex works list, the arXiv search of their name, an ingest with --author). Attribution (author_works) weighs every candidate ever fetched, not one run''s.';

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
COMMENT ON COLUMN works.title IS 'Title as readable text (TeX turned into Unicode).';
COMMENT ON COLUMN works.work_type IS 'article | preprint | book-chapter | … (an arXiv-hosted OpenAlex article counts as a preprint).';
COMMENT ON COLUMN works.venue IS 'Where the published version appeared, else arXiv.';
COMMENT ON COLUMN works.published_on IS 'Date of the first version (arXiv v1 when there is one).';
COMMENT ON COLUMN works.has_code IS 'A code repository link (GitHub, GitLab, Bitbucket, …) was found in the abstract or arXiv comment; project pages do not count.';
COMMENT ON COLUMN works.code_url IS 'That repository link (the Code badge).';
COMMENT ON COLUMN works.cited_by_count IS 'Citations: the largest count among the merged copies, never their sum.';
COMMENT ON COLUMN works.abstract IS 'The longest abstract among the copies (OpenAlex inverted index rebuilt, or arXiv summary).';
COMMENT ON COLUMN works.arxiv_id IS 'arXiv id without version.';
COMMENT ON COLUMN works.doi IS 'DOI, lower case, no resolver prefix.';
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
    pdf_url      VARCHAR,
    is_oa        BOOLEAN,
    PRIMARY KEY (work_id, record_id, url)
);
COMMENT ON TABLE work_locations IS 'Each place a version of a work lives (preprint, accepted, published), with the source record that reported it.';
COMMENT ON COLUMN work_locations.url IS 'The landing page of that version (else its PDF).';
COMMENT ON COLUMN work_locations.pdf_url IS 'A direct PDF link, where the source gives one.';
COMMENT ON COLUMN work_locations.is_oa IS 'Free to read there (OpenAlex is_oa; every arXiv version).';

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
    author_id           VARCHAR NOT NULL,
    computed_on         DATE NOT NULL,
    scoring_version     INTEGER NOT NULL,
    merged_into         VARCHAR,
    works_count         INTEGER NOT NULL,
    cited_by_count      INTEGER NOT NULL,
    h_index             INTEGER NOT NULL,
    i10_index           INTEGER NOT NULL,
    first_year          INTEGER,
    last_year           INTEGER,
    preprint_count      INTEGER NOT NULL,
    code_count          INTEGER NOT NULL,
    field               VARCHAR,
    cohort_field        VARCHAR,
    arxiv_category      VARCHAR,
    median_fwci         DOUBLE,
    fwci_works          INTEGER NOT NULL,
    impact_pct          DOUBLE,
    top10_share         DOUBLE,
    recent_works        INTEGER NOT NULL,
    field_cohort_size   INTEGER,
    h_pct               DOUBLE,
    activity_pct        DOUBLE,
    novelty_pct         DOUBLE,
    novelty_works       INTEGER NOT NULL,
    novelty_cohort_size INTEGER NOT NULL,
    novelty_indicative  BOOLEAN,
    novelty_note        VARCHAR,
    profile_score       DOUBLE,
    profile_components  JSON NOT NULL,
    trust_score         DOUBLE NOT NULL,
    trust_label         VARCHAR NOT NULL,
    trust_components    JSON NOT NULL,
    verification_level  VARCHAR NOT NULL,
    is_claimed          BOOLEAN NOT NULL,
    claimed_by          VARCHAR,
    PRIMARY KEY (author_id)
);
COMMENT ON TABLE author_metrics IS 'Every number of an author''s card, with its components, from the latest scoring pass (transforms/scores.py) over attributed distinct works only. h <= works, h^2 <= citations, i10 <= works hold by construction. README "Scores" documents each formula.';
COMMENT ON COLUMN author_metrics.scoring_version IS 'The scoring_versions row (weights + formula) these figures come from.';
COMMENT ON COLUMN author_metrics.merged_into IS 'Set when a curator merged this author id into another: it then has no page of its own.';
COMMENT ON COLUMN author_metrics.field IS 'Dominant field shown on the card: the OpenAlex subfield of the attributed works (an arXiv category mapped onto its subfield), one vocabulary for every author.';
COMMENT ON COLUMN author_metrics.arxiv_category IS 'Dominant arXiv short category of the attributed works on arXiv (CV, hep-lat), shown as a badge beside the field; NULL when none is on arXiv.';
COMMENT ON COLUMN author_metrics.cohort_field IS 'Dominant comparison field: OpenAlex subfield (arXiv categories mapped onto subfields); h_pct and activity_pct rank within it.';
COMMENT ON COLUMN author_metrics.works_count IS 'Attributed distinct works (versions of one paper count once).';
COMMENT ON COLUMN author_metrics.cited_by_count IS 'Citations of those works.';
COMMENT ON COLUMN author_metrics.h_index IS 'Largest h such that h works have h or more citations each.';
COMMENT ON COLUMN author_metrics.i10_index IS 'Works with 10 or more citations.';
COMMENT ON COLUMN author_metrics.computed_on IS 'Day of the scoring pass.';
COMMENT ON COLUMN author_metrics.novelty_indicative IS 'True when fewer than half of the author''s works with a novelty value could be ranked (their cohorts are below novelty.min_cohort): the Novelty % is indicative only.';
COMMENT ON COLUMN author_metrics.novelty_note IS 'What a page says beside the Novelty % (cohort size, indicative or not).';
COMMENT ON COLUMN author_metrics.trust_label IS 'Verified (>= 75, or claimed) | Plausible (>= 45) | Unverified.';
COMMENT ON COLUMN author_metrics.is_claimed IS 'The researcher claimed the profile (curation).';
COMMENT ON COLUMN author_metrics.median_fwci IS 'Median OpenAlex field-weighted citation impact of the works that have one (fwci_works of them).';
COMMENT ON COLUMN author_metrics.impact_pct IS 'Median OpenAlex citation_normalized_percentile of the works x 100: field-normalized impact, 0-100.';
COMMENT ON COLUMN author_metrics.top10_share IS 'Share of the works (with a percentile) in the top 10% of their field and year.';
COMMENT ON COLUMN author_metrics.recent_works IS 'Attributed works in the last profile.recent_years years.';
COMMENT ON COLUMN author_metrics.field_cohort_size IS 'Tracked authors of the same cohort_field that h_pct and activity_pct rank against.';
COMMENT ON COLUMN author_metrics.h_pct IS 'Mid-rank percentile of the h-index among tracked authors of the same field.';
COMMENT ON COLUMN author_metrics.activity_pct IS 'Mid-rank percentile of recent_works among tracked authors of the same field.';
COMMENT ON COLUMN author_metrics.novelty_pct IS 'Novelty %: mean Novelty % of the author''s works that have one (work_metrics.novelty_pct); NULL when none of them has a cohort of novelty.min_cohort texts.';
COMMENT ON COLUMN author_metrics.novelty_cohort_size IS 'How many texts (works and cited works of the same field and year) the ranked works were compared with, summed over their cohorts.';
COMMENT ON COLUMN author_metrics.profile_score IS 'Profile score 0-100: weighted mean of impact_pct, h_pct, novelty_pct, activity_pct (weights renormalized over the known ones; see profile_components).';
COMMENT ON COLUMN author_metrics.profile_components IS 'JSON: each component''s percentile, configured weight and the weight it carried.';
COMMENT ON COLUMN author_metrics.trust_score IS 'Identity trust 0-100: weighted evidence (trust_components, each 0..1).';
COMMENT ON COLUMN author_metrics.verification_level IS 'L0 name only; L1 linked to a source record; L2 ORCID confirmed on its authorships; L3 claimed by the researcher.';

CREATE TABLE IF NOT EXISTS author_metrics_history (
    author_id           VARCHAR NOT NULL,
    computed_on         DATE NOT NULL,
    scoring_version     INTEGER NOT NULL,
    merged_into         VARCHAR,
    works_count         INTEGER NOT NULL,
    cited_by_count      INTEGER NOT NULL,
    h_index             INTEGER NOT NULL,
    i10_index           INTEGER NOT NULL,
    first_year          INTEGER,
    last_year           INTEGER,
    preprint_count      INTEGER NOT NULL,
    code_count          INTEGER NOT NULL,
    field               VARCHAR,
    cohort_field        VARCHAR,
    arxiv_category      VARCHAR,
    median_fwci         DOUBLE,
    fwci_works          INTEGER NOT NULL,
    impact_pct          DOUBLE,
    top10_share         DOUBLE,
    recent_works        INTEGER NOT NULL,
    field_cohort_size   INTEGER,
    h_pct               DOUBLE,
    activity_pct        DOUBLE,
    novelty_pct         DOUBLE,
    novelty_works       INTEGER NOT NULL,
    novelty_cohort_size INTEGER NOT NULL,
    novelty_indicative  BOOLEAN,
    novelty_note        VARCHAR,
    profile_score       DOUBLE,
    profile_components  JSON NOT NULL,
    trust_score         DOUBLE NOT NULL,
    trust_label         VARCHAR NOT NULL,
    trust_components    JSON NOT NULL,
    verification_level  VARCHAR NOT NULL,
    is_claimed          BOOLEAN NOT NULL,
    claimed_by          VARCHAR,
    PRIMARY KEY (author_id, computed_on, scoring_version)
);
COMMENT ON TABLE author_metrics_history IS 'author_metrics as each scoring pass left it, per day and scoring version: a rescore with new weights adds rows and never rewrites old ones.';

CREATE TABLE IF NOT EXISTS scoring_versions (
    scoring_version INTEGER PRIMARY KEY,
    fingerprint     VARCHAR NOT NULL UNIQUE,
    formula_version VARCHAR NOT NULL,
    config          JSON NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    note            VARCHAR
);
COMMENT ON TABLE scoring_versions IS 'Each scoring configuration (weights, thresholds, embedder) and formula version ever used; the newest is the active one.';

CREATE TABLE IF NOT EXISTS curation (
    curation_id     VARCHAR PRIMARY KEY,
    action          VARCHAR NOT NULL,
    author_id       VARCHAR NOT NULL,
    work_id         VARCHAR,
    other_author_id VARCHAR,
    curated_by      VARCHAR NOT NULL,
    curated_at      TIMESTAMPTZ NOT NULL,
    reason          VARCHAR NOT NULL,
    record_keys       VARCHAR[],
    other_record_keys VARCHAR[],
    CHECK (action IN ('claim', 'unclaim', 'include', 'exclude', 'merge', 'split_work', 'merge_works'))
);
COMMENT ON TABLE curation IS 'Decisions people recorded (scholarflow curate): claim/unclaim an author, include/exclude a work, merge an author id into another, split records out of a work or merge two works; who, when, why. Author decisions apply on every scoring pass, work decisions on every derivation of works; both win over what the pipeline inferred.';
COMMENT ON COLUMN curation.record_keys IS 'split_work: the records split out of work_id into a work of their own; merge_works: every record of the two works, which stay one work.';
COMMENT ON COLUMN curation.other_record_keys IS 'split_work: the records of work_id they must stay apart from (the rest of it when the decision was made).';

CREATE TABLE IF NOT EXISTS work_references (
    work_id       VARCHAR NOT NULL,
    referenced_id VARCHAR NOT NULL,
    PRIMARY KEY (work_id, referenced_id)
);
COMMENT ON TABLE work_references IS 'The works a work cites (OpenAlex referenced_works, W… ids).';

CREATE TABLE IF NOT EXISTS reference_texts (
    openalex_id      VARCHAR PRIMARY KEY,
    title            VARCHAR,
    abstract         VARCHAR,
    publication_year INTEGER,
    found            BOOLEAN NOT NULL,
    fetched_on       DATE NOT NULL
);
COMMENT ON TABLE reference_texts IS 'Title and abstract of every cited work, fetched once ever (100 ids per OpenAlex request). found = false: OpenAlex no longer has it (not asked again).';

CREATE TABLE IF NOT EXISTS text_vectors (
    text_key VARCHAR NOT NULL,
    embedder VARCHAR NOT NULL,
    vector   FLOAT[] NOT NULL,
    PRIMARY KEY (text_key, embedder)
);
COMMENT ON TABLE text_vectors IS 'The embedding of every text novelty has read (a work''s title + abstract, a cited work''s), made once per text and embedder version and reused by every later scoring pass. text_key = first 32 hex digits of the text''s sha256.';
COMMENT ON COLUMN text_vectors.embedder IS 'Embedder name, dimensions, seed and version (hashing-rp-512-1-v1); a vector of another version is never reused.';

CREATE TABLE IF NOT EXISTS work_neighbours (
    work_id           VARCHAR NOT NULL,
    neighbour_id      VARCHAR NOT NULL,
    similarity        DOUBLE NOT NULL,
    shared_references INTEGER,
    basis             VARCHAR,
    PRIMARY KEY (work_id, neighbour_id)
);
COMMENT ON TABLE work_neighbours IS 'Nearby papers, for the research graph: each attributed work''s most similar works by text (cosine) and the works sharing the most of its references.';
COMMENT ON COLUMN work_neighbours.similarity IS 'Cosine similarity of the two texts (0 where either has none).';
COMMENT ON COLUMN work_neighbours.shared_references IS 'References the two works share (references cited by more than graph.common_reference stored works not counted).';
COMMENT ON COLUMN work_neighbours.basis IS 'text | shared_references | text+shared_references: why the pair is an edge.';

CREATE TABLE IF NOT EXISTS novelty_neighbours (
    work_id        VARCHAR NOT NULL,
    rank           INTEGER NOT NULL,
    neighbour_kind VARCHAR NOT NULL,
    neighbour_id   VARCHAR NOT NULL,
    similarity     DOUBLE NOT NULL,
    PRIMARY KEY (work_id, rank)
);
COMMENT ON TABLE novelty_neighbours IS 'The earlier texts a work''s novelty rests on, most similar first: 1 - the mean of these similarities is work_metrics.novelty.';
COMMENT ON COLUMN novelty_neighbours.neighbour_kind IS 'work (a stored work: neighbour_id is its work_id) | cited_work (a cited work: neighbour_id is its OpenAlex W id in reference_texts).';

CREATE TABLE IF NOT EXISTS author_topics (
    author_id VARCHAR NOT NULL,
    topic_id  VARCHAR NOT NULL,
    works     INTEGER NOT NULL,
    share     DOUBLE NOT NULL,
    rank      INTEGER NOT NULL,
    PRIMARY KEY (author_id, topic_id)
);
COMMENT ON TABLE author_topics IS 'OpenAlex topics of an author''s attributed works: works carrying the topic and their share of the works with topics.';

CREATE TABLE IF NOT EXISTS author_collaborators (
    author_id          VARCHAR NOT NULL,
    coauthor_key       VARCHAR NOT NULL,
    coauthor_name      VARCHAR,
    coauthor_author_id VARCHAR,
    shared_works       INTEGER NOT NULL,
    last_year          INTEGER,
    rank               INTEGER NOT NULL,
    is_close           BOOLEAN NOT NULL,
    PRIMARY KEY (author_id, coauthor_key)
);
COMMENT ON TABLE author_collaborators IS 'Co-authors on attributed works (key: OpenAlex author id, else name:<folded name>), ranked by shared works; close = 2 or more shared works.';

CREATE TABLE IF NOT EXISTS author_institutions (
    author_id      VARCHAR NOT NULL,
    institution_id VARCHAR NOT NULL,
    first_year     INTEGER,
    last_year      INTEGER,
    works          INTEGER NOT NULL,
    PRIMARY KEY (author_id, institution_id)
);
COMMENT ON TABLE author_institutions IS 'Affiliation history: institutions printed on the author''s own authorships, first and last year, works.';

CREATE TABLE IF NOT EXISTS author_citations_by_year (
    author_id      VARCHAR NOT NULL,
    year           INTEGER NOT NULL,
    cited_by_count INTEGER NOT NULL,
    PRIMARY KEY (author_id, year)
);
COMMENT ON TABLE author_citations_by_year IS 'Citations per year received by an author''s attributed works (10-year window of OpenAlex counts_by_year).';

CREATE TABLE IF NOT EXISTS work_metrics (
    work_id                        VARCHAR PRIMARY KEY,
    scoring_version                INTEGER NOT NULL,
    field                          VARCHAR,
    publication_year               INTEGER,
    cited_by_count                 INTEGER NOT NULL,
    fwci                           DOUBLE,
    citation_normalized_percentile DOUBLE,
    is_top10                       BOOLEAN,
    novelty                        DOUBLE,
    novelty_method                 VARCHAR NOT NULL,
    novelty_basis                  INTEGER NOT NULL,
    novelty_pct                    DOUBLE,
    novelty_cohort_size            INTEGER,
    novelty_cohort                 VARCHAR,
    novelty_spread                 DOUBLE,
    novelty_spread_basis           INTEGER
);
COMMENT ON COLUMN work_metrics.field IS 'Comparison field: OpenAlex subfield of the primary topic, else of the arXiv category.';
COMMENT ON TABLE work_metrics IS 'Per-work scores from the latest scoring pass: citations (merged copies counted once), OpenAlex FWCI and percentile, novelty and its percentile among the texts of the same field and year, and the spread of the cited works (Shibayama et al. 2021).';
COMMENT ON COLUMN work_metrics.novelty IS 'Distance from the earlier literature, 0..2: 1 - mean cosine similarity of the title + abstract to the 3 most similar texts published before it among every work and cited work the warehouse keeps (its own references and copies left out; novelty_neighbours lists them). NULL when it has no text, no date or nothing earlier.';
COMMENT ON COLUMN work_metrics.novelty_method IS 'nearest_earlier_works | insufficient_text | no_date | no_earlier_works';
COMMENT ON COLUMN work_metrics.novelty_basis IS 'How many earlier texts the value rests on (up to novelty.nearest_earlier).';
COMMENT ON COLUMN work_metrics.novelty_pct IS 'Novelty %: mid-rank percentile of novelty among the texts (works and cited works) of its field: of its publication year, else of the five years around it, else of any year, the first cohort holding novelty.min_cohort texts; NULL when none does ("not enough comparable works").';
COMMENT ON COLUMN work_metrics.novelty_cohort_size IS 'How many texts novelty_pct ranks against (a cited work''s field: the one most of the works citing it have).';
COMMENT ON COLUMN work_metrics.novelty_cohort IS 'The cohort novelty_pct ranks in: "<field>, <year>", "<field>, <year-2>–<year+2>" or "<field>, any year".';
COMMENT ON COLUMN work_metrics.novelty_spread IS 'Shibayama et al. 2021: the 90th percentile of the pairwise cosine distances between the texts of the works it cites (0..2); high = it draws on distant literatures. NULL below novelty.min_cited_texts cited texts.';
COMMENT ON COLUMN work_metrics.novelty_spread_basis IS 'How many cited works with text novelty_spread rests on.';

CREATE TABLE IF NOT EXISTS quarantined_lines (
    run_id      VARCHAR NOT NULL,
    input       VARCHAR NOT NULL,
    line        BIGINT NOT NULL,
    error       VARCHAR NOT NULL,
    text        VARCHAR,
    response_id VARCHAR,
    PRIMARY KEY (run_id, input, line)
);
COMMENT ON TABLE quarantined_lines IS 'JSON Lines lines an `ingest --skip-bad-lines` refused and loaded around: which file and line, why, and the line''s first 4 KB (the whole file is in the raw landing).';
COMMENT ON COLUMN quarantined_lines.input IS 'The file, as a file:// URL (raw_responses.url of its landing).';
COMMENT ON COLUMN quarantined_lines.response_id IS 'raw_responses row of the landed file.';

CREATE TABLE IF NOT EXISTS author_listings (
    author_id  VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    run_id     VARCHAR NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    listed     BIGINT NOT NULL,
    known      BIGINT,
    verdict    VARCHAR NOT NULL,
    detail     VARCHAR,
    PRIMARY KEY (author_id, source)
);
COMMENT ON TABLE author_listings IS 'The latest listing of each author''s records per source (openalex: their works list; arxiv: the search of their name), and whether it was believed. A suspect listing (empty, or sharply shorter than what is known) removes nothing.';
COMMENT ON COLUMN author_listings.listed IS 'Records the listing gave.';
COMMENT ON COLUMN author_listings.known IS 'What was known before it: the records earlier listings gave, or the author''s works_count if larger (OpenAlex).';
COMMENT ON COLUMN author_listings.verdict IS 'complete (believed: an OpenAlex work it no longer has leaves the author''s candidates) or suspect (kept nothing out; see detail).';

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

CREATE TABLE IF NOT EXISTS arxiv_harvests (
    run_id       VARCHAR PRIMARY KEY,
    from_date    DATE,
    until_date   DATE NOT NULL,
    pages        INTEGER NOT NULL,
    records      INTEGER NOT NULL,
    deleted      INTEGER NOT NULL,
    matched      INTEGER NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE arxiv_harvests IS 'Each nightly''s OAI-PMH harvest of arXiv (ListRecords in arXivRaw, from the previous harvest''s until_date): its pages and records (every page is landed raw), and how many records named a tracked author and became candidates. A harvest starts at the oldest arxiv_coverage of the authors it serves.';
COMMENT ON COLUMN arxiv_harvests.from_date IS 'First datestamp asked for (inclusive): the oldest coverage among the authors it serves.';
COMMENT ON COLUMN arxiv_harvests.until_date IS 'The day the harvest ran (UTC): its authors'' arxiv_coverage moves up to it.';
COMMENT ON COLUMN arxiv_harvests.matched IS 'Harvested records one of whose authors could be a tracked author (homonyms included, as with the name search).';

CREATE TABLE IF NOT EXISTS arxiv_coverage (
    author_id     VARCHAR PRIMARY KEY,
    covered_until DATE NOT NULL,
    via           VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL
);
COMMENT ON TABLE arxiv_coverage IS 'Up to which day each author''s arXiv records were fetched: by a believed name search (backfill, or a nightly for an author never searched or not covered for SCHOLARFLOW_ARXIV_HARVEST_MAX_DAYS) or by a nightly''s OAI-PMH harvest matched by name.';
COMMENT ON COLUMN arxiv_coverage.via IS 'name_search or harvest: what fetched them last.';
