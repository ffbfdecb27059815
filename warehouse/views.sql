-- Views that profile pages read. Every number on a page comes from these.

CREATE OR REPLACE VIEW profile_works AS
WITH first_authors AS (
    SELECT work_id,
           string_agg(coalesce(author_name, raw_author_name), ', ' ORDER BY position)
               FILTER (WHERE position <= 3) AS first_three
    FROM authorships
    GROUP BY work_id
),
openalex_ids AS (
    SELECT work_id, min(value) AS openalex_id FROM work_identifiers WHERE scheme = 'openalex' GROUP BY work_id
),
free_copies AS (
    -- The best free copy: a published version's PDF, else any PDF, else a free landing page.
    SELECT work_id,
           first(coalesce(pdf_url, url) ORDER BY pdf_url IS NULL, NOT is_published, source <> 'openalex', url) AS oa_url,
           first(pdf_url IS NOT NULL ORDER BY pdf_url IS NULL, NOT is_published, source <> 'openalex', url) AS oa_is_pdf
    FROM work_locations WHERE is_oa
    GROUP BY work_id
),
any_location AS (
    SELECT work_id, first(url ORDER BY NOT is_published, url) AS url FROM work_locations GROUP BY work_id
)
SELECT aw.author_id,
       w.work_id,
       w.work_type,
       w.publication_year,
       w.venue,
       w.category,
       w.category_short,
       w.published_on,
       w.has_code,
       w.code_url,
       w.title,
       fa.first_three || CASE WHEN w.author_count > 3 THEN ' et al.' ELSE '' END AS authors_display,
       w.author_count,
       w.abstract,
       w.cited_by_count,
       wm.fwci,
       wm.is_top10,
       wm.novelty,
       wm.novelty_method,
       wm.novelty_pct,
       w.arxiv_id,
       w.doi,
       oi.openalex_id,
       CASE WHEN w.doi IS NOT NULL AND NOT starts_with(w.doi, '10.48550/') THEN 'https://doi.org/' || w.doi
            WHEN w.arxiv_id IS NOT NULL THEN 'https://arxiv.org/abs/' || w.arxiv_id
            WHEN oi.openalex_id IS NOT NULL THEN 'https://openalex.org/' || oi.openalex_id
            ELSE al.url END AS landing_url,
       fc.oa_url,
       coalesce(fc.oa_is_pdf, false) AS oa_is_pdf,
       wm.field,
       wm.novelty_cohort_size,
       wm.novelty_cohort,
       CAST(json_extract(sv.config, '$.novelty.min_cohort') AS INTEGER) AS novelty_min_cohort,
       aw.confidence,
       aw.method AS attribution_method
FROM author_works aw
JOIN works w USING (work_id)
LEFT JOIN work_metrics wm USING (work_id)
LEFT JOIN scoring_versions sv ON sv.scoring_version = wm.scoring_version
LEFT JOIN first_authors fa USING (work_id)
LEFT JOIN openalex_ids oi USING (work_id)
LEFT JOIN free_copies fc USING (work_id)
LEFT JOIN any_location al USING (work_id)
WHERE aw.is_attributed;
COMMENT ON VIEW profile_works IS 'The works list of a profile page: attributed works only, with type, year, venue, category short code, first-version date, Code badge, title, "A, B, C et al.", abstract, citations, FWCI and novelty (with its method and percentile).';

CREATE OR REPLACE VIEW profile_card AS
WITH topic_counts AS (
    SELECT author_id, count(*) AS topics_count,
           string_agg(t.display_name, '; ' ORDER BY atp.rank) FILTER (WHERE atp.rank <= 5) AS top_topics
    FROM author_topics atp LEFT JOIN topics t USING (topic_id)
    GROUP BY author_id
),
close_collaborators AS (
    SELECT author_id, count(*) AS close_collaborators_count,
           string_agg(coauthor_name, '; ' ORDER BY rank) FILTER (WHERE rank <= 5) AS top_collaborators
    FROM author_collaborators WHERE is_close
    GROUP BY author_id
),
per_year AS (
    SELECT author_id, list({'year': year, 'cited_by_count': cited_by_count} ORDER BY year) AS citations_by_year
    FROM author_citations_by_year
    GROUP BY author_id
)
SELECT au.author_id,
       au.display_name,
       au.affiliation,
       m.field,
       m.arxiv_category,
       m.h_index,
       m.works_count,
       m.cited_by_count,
       m.i10_index,
       m.median_fwci,
       m.top10_share,
       m.novelty_pct,
       m.novelty_cohort_size,
       m.novelty_indicative,
       m.novelty_note,
       m.profile_score,
       m.trust_score,
       m.trust_label,
       m.verification_level,
       m.is_claimed,
       coalesce(tc.topics_count, 0) AS topics_count,
       tc.top_topics,
       coalesce(cc.close_collaborators_count, 0) AS close_collaborators_count,
       cc.top_collaborators,
       py.citations_by_year,
       au.orcid,
       CASE WHEN starts_with(au.author_id, 'A') THEN 'https://openalex.org/' || au.author_id END AS openalex_url,
       m.scoring_version,
       m.computed_on
FROM authors au
JOIN author_metrics m USING (author_id)
LEFT JOIN topic_counts tc ON tc.author_id = au.author_id
LEFT JOIN close_collaborators cc ON cc.author_id = au.author_id
LEFT JOIN per_year py ON py.author_id = au.author_id
WHERE m.merged_into IS NULL;
COMMENT ON VIEW profile_card IS 'The header of a profile page: name, affiliation, field, h-index, works, citations, Novelty % (with its cohort), profile score, trust with label and verification level, claimed, topics and close collaborators (2+ shared works), and citations per year (a list of {year, cited_by_count}; OpenAlex covers the last 10 years). Merged-away author ids have no card.';

CREATE OR REPLACE VIEW profile_graph AS
SELECT m.author_id, 'coauthor' AS edge_type, c.coauthor_key AS target_id, c.coauthor_name AS target_label,
       CAST(c.shared_works AS DOUBLE) AS weight, c.is_close AS is_strong
FROM author_metrics m JOIN author_collaborators c USING (author_id)
WHERE m.merged_into IS NULL
UNION ALL
SELECT m.author_id, 'topic', t.topic_id, tp.display_name, t.share, t.rank <= 3
FROM author_metrics m JOIN author_topics t USING (author_id) LEFT JOIN topics tp USING (topic_id)
WHERE m.merged_into IS NULL
UNION ALL
SELECT m.author_id, 'institution', i.institution_id, inst.display_name, CAST(i.works AS DOUBLE), i.last_year = max(i.last_year) OVER (PARTITION BY i.author_id)
FROM author_metrics m JOIN author_institutions i USING (author_id) LEFT JOIN institutions inst USING (institution_id)
WHERE m.merged_into IS NULL
UNION ALL
SELECT aw.author_id, 'nearby_work:' || n.work_id, n.neighbour_id, w.title, n.similarity,
       n.similarity >= 0.5 OR coalesce(n.shared_references, 0) >= 5
FROM author_works aw JOIN work_neighbours n USING (work_id) JOIN works w ON w.work_id = n.neighbour_id
JOIN author_metrics m ON m.author_id = aw.author_id
WHERE aw.is_attributed AND m.merged_into IS NULL;
COMMENT ON VIEW profile_graph IS 'Edges of an author''s research graph: author-coauthor (weight = shared works; strong = close collaborator), author-topic (share), author-institution (works; strong = latest), and work-work nearby papers (edge_type nearby_work:<work_id>, weight = cosine similarity).';

CREATE OR REPLACE VIEW profile_work_details AS
SELECT w.work_id,
       (SELECT list({'record_key': r.record_key, 'source': s.source, 'source_id': s.source_id,
                     'title': coalesce(s.payload->>'title', s.payload->>'display_name'),
                     'year': CAST(coalesce(s.payload->>'publication_year', substr(s.payload->>'published', 1, 4)) AS INTEGER),
                     'type': coalesce(s.payload->>'type', 'preprint'),
                     'venue': coalesce(s.payload->'primary_location'->'source'->>'display_name',
                                       CASE WHEN s.source = 'arxiv' THEN 'arXiv' END),
                     'doi': s.payload->>'doi',
                     'url': CASE WHEN s.source = 'openalex' THEN 'https://openalex.org/' || s.source_id
                                 ELSE 'https://arxiv.org/abs/' || s.source_id END,
                     'cited_by_count': CAST(s.payload->>'cited_by_count' AS INTEGER),
                     'link_rule': r.link_rule, 'last_seen_at': s.last_seen_at} ORDER BY r.record_key)
        FROM record_works r JOIN source_records s USING (record_key) WHERE r.work_id = w.work_id) AS records,
       (SELECT list({'record_a': l.record_a, 'record_b': l.record_b, 'rule': l.rule, 'score': l.score,
                     'evidence': CAST(l.evidence AS VARCHAR)} ORDER BY l.score DESC, l.record_a, l.record_b)
        FROM work_links l WHERE l.work_id = w.work_id) AS merge_links,
       (SELECT list({'year': c.year, 'cited_by_count': c.cited_by_count} ORDER BY c.year)
        FROM citations_by_year c WHERE c.work_id = w.work_id) AS citations_by_year,
       (SELECT list({'position': a.position, 'name': coalesce(a.author_name, a.raw_author_name),
                     'openalex_author_id': a.openalex_author_id, 'orcid': a.orcid} ORDER BY a.position)
        FROM authorships a WHERE a.work_id = w.work_id) AS authors,
       (SELECT list({'rank': n.rank, 'kind': n.neighbour_kind, 'id': n.neighbour_id,
                     'title': coalesce(nw.title, rt.title), 'year': coalesce(nw.publication_year, rt.publication_year),
                     'similarity': n.similarity,
                     'url': CASE WHEN n.neighbour_kind = 'cited_work' THEN 'https://openalex.org/' || n.neighbour_id END}
                    ORDER BY n.rank)
        FROM novelty_neighbours n LEFT JOIN works nw ON n.neighbour_kind = 'work' AND nw.work_id = n.neighbour_id
        LEFT JOIN reference_texts rt ON n.neighbour_kind = 'cited_work' AND rt.openalex_id = n.neighbour_id
        WHERE n.work_id = w.work_id) AS novelty_basis,
       (SELECT list({'id': n.neighbour_id, 'title': nw.title, 'year': nw.publication_year, 'similarity': n.similarity,
                     'shared_references': n.shared_references, 'basis': n.basis}
                    ORDER BY coalesce(n.shared_references, 0) DESC, n.similarity DESC, n.neighbour_id)
        FROM work_neighbours n JOIN works nw ON nw.work_id = n.neighbour_id WHERE n.work_id = w.work_id) AS nearby,
       wm.novelty_spread,
       wm.novelty_spread_basis,
       wm.novelty_basis AS novelty_texts,
       (SELECT count(*) FROM work_references r WHERE r.work_id = w.work_id) AS references_count
FROM works w
LEFT JOIN work_metrics wm USING (work_id)
WHERE w.work_id IN (SELECT aw.work_id FROM author_works aw JOIN author_metrics m USING (author_id)
                    WHERE aw.is_attributed AND m.merged_into IS NULL);
COMMENT ON VIEW profile_work_details IS 'What a work page shows beside its profile_works row: every source record merged into it (with a link to the record at its source), every merge link with rule, score and evidence, citations per year, the full author list, and the earlier texts its novelty rests on.';

-- What the columns a view computes itself mean (pass-through columns say it on their table).
COMMENT ON COLUMN profile_card.topics_count IS 'OpenAlex topics among the attributed works (author_topics).';
COMMENT ON COLUMN profile_card.top_topics IS 'The five leading topics, "; "-separated.';
COMMENT ON COLUMN profile_card.close_collaborators_count IS 'Co-authors with 2 or more shared attributed works.';
COMMENT ON COLUMN profile_card.top_collaborators IS 'The five closest collaborators, "; "-separated.';
COMMENT ON COLUMN profile_card.citations_by_year IS 'Citations received per year, oldest first (OpenAlex counts the last 10 years only).';
COMMENT ON COLUMN profile_works.landing_url IS 'Where the title links: https://doi.org/<doi> (not an arXiv DOI), else the arXiv abstract page, else the OpenAlex work, else a stored location.';
COMMENT ON COLUMN profile_works.oa_url IS 'A free copy: an open-access PDF (a published version first), else a free landing page; NULL when no source knows one.';
COMMENT ON COLUMN profile_works.oa_is_pdf IS 'oa_url is a PDF.';
COMMENT ON COLUMN profile_works.novelty_min_cohort IS 'The smallest cohort the scoring pass ranked novelty in (novelty.min_cohort of its configuration); below it novelty_pct is NULL.';
COMMENT ON COLUMN profile_card.arxiv_category IS 'The dominant arXiv short category of the attributed works on arXiv (a badge beside the field).';
COMMENT ON COLUMN profile_card.openalex_url IS 'The author''s OpenAlex page (ids A…); NULL for an author known only to arXiv.';
COMMENT ON COLUMN profile_works.authors_display IS 'The first three authors as printed, then "et al." when there are more.';
COMMENT ON COLUMN profile_works.confidence IS 'Attribution confidence 0..1 (1 = an OpenAlex author id, ORCID or a curator decided).';
COMMENT ON COLUMN profile_works.attribution_method IS 'openalex_authorship | orcid | arxiv_name_evidence | curated_include.';
COMMENT ON COLUMN profile_graph.edge_type IS 'coauthor | topic | institution | nearby_work:<work_id of the author''s work>.';
COMMENT ON COLUMN profile_graph.target_id IS 'The other end: coauthor key (OpenAlex A… or name:<folded name>), topic id, institution id or work id.';
COMMENT ON COLUMN profile_graph.weight IS 'Shared works (coauthor), share of works (topic), works (institution) or cosine similarity (nearby_work).';
COMMENT ON COLUMN profile_graph.is_strong IS 'Close collaborator; a top-3 topic; the latest institution; nearby work: similarity >= 0.5 or 5+ shared references.';
