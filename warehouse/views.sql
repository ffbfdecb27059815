-- Views that profile pages read. Every number on a page comes from these.

CREATE OR REPLACE VIEW profile_works AS
WITH first_authors AS (
    SELECT work_id,
           string_agg(coalesce(author_name, raw_author_name), ', ' ORDER BY position)
               FILTER (WHERE position <= 3) AS first_three
    FROM authorships
    GROUP BY work_id
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
       w.arxiv_id,
       w.doi,
       aw.confidence
FROM author_works aw
JOIN works w USING (work_id)
LEFT JOIN first_authors fa USING (work_id)
WHERE aw.is_attributed;
COMMENT ON VIEW profile_works IS 'The works list of a profile page: attributed works only, with type, year, venue, category short code, first-version date, Code badge, title, "A, B, C et al.", abstract and citations.';

CREATE OR REPLACE VIEW profile_card AS
WITH attributed AS (
    SELECT author_id, work_id FROM author_works WHERE is_attributed
),
fields AS (
    SELECT a.author_id, w.category_short,
           row_number() OVER (PARTITION BY a.author_id ORDER BY count(*) DESC, w.category_short) AS rn
    FROM attributed a JOIN works w USING (work_id)
    WHERE w.category_short IS NOT NULL
    GROUP BY a.author_id, w.category_short
),
topic_counts AS (
    SELECT a.author_id, count(DISTINCT t.topic_id) AS topics_count
    FROM attributed a JOIN work_topics t USING (work_id)
    GROUP BY a.author_id
),
coauthors AS (
    SELECT a.author_id,
           coalesce(s.openalex_author_id, lower(s.author_name)) AS coauthor,
           count(DISTINCT a.work_id) AS shared_works
    FROM attributed a
    JOIN authorships s USING (work_id)
    WHERE s.resolved_author_id IS DISTINCT FROM a.author_id
      AND s.openalex_author_id IS DISTINCT FROM a.author_id
    GROUP BY ALL
),
close_collaborators AS (
    SELECT author_id, count(*) AS close_collaborators_count
    FROM coauthors WHERE shared_works >= 2
    GROUP BY author_id
)
SELECT au.author_id,
       au.display_name,
       au.affiliation,
       f.category_short AS field,
       m.h_index,
       m.works_count,
       m.cited_by_count,
       m.i10_index,
       CAST(NULL AS DOUBLE) AS novelty_pct,
       CAST(NULL AS DOUBLE) AS profile_score,
       CAST(NULL AS DOUBLE) AS trust_score,
       CAST(NULL AS VARCHAR) AS trust_label,
       CASE WHEN au.orcid IS NOT NULL THEN 'L2' ELSE 'L1' END AS verification_level,
       FALSE AS is_claimed,
       coalesce(tc.topics_count, 0) AS topics_count,
       coalesce(cc.close_collaborators_count, 0) AS close_collaborators_count,
       au.orcid,
       m.computed_on
FROM authors au
JOIN author_metrics m USING (author_id)
LEFT JOIN fields f ON f.author_id = au.author_id AND f.rn = 1
LEFT JOIN topic_counts tc ON tc.author_id = au.author_id
LEFT JOIN close_collaborators cc ON cc.author_id = au.author_id;
COMMENT ON VIEW profile_card IS 'The header of a profile page: name, affiliation, field (dominant arXiv category), h-index, works, citations, verification level, topics and close collaborators (2+ shared works). Novelty, profile score and trust are NULL until scoring lands.';
