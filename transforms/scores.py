"""Every score on a profile card, computed from the warehouse's own attributed works. Pure.

`score()` takes the stored frames (ScoringInputs) and the scoring configuration
(core/scoring.toml) and returns every derived table (Scores), components included, so
each number can be explained. The formulas are documented in README.md, "Scores"; a change to
them bumps FORMULA_VERSION, which makes the warehouse assign a new scoring version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import pandas as pd

from transforms.curation import apply_curation
from transforms.embed import Embedder, make_embedder
from transforms.metrics import author_citations_by_year, author_metrics, quality_checks
from transforms.normalize import fold, name_match_score, subfield_of_category
from transforms.nearest import top_k
from transforms.novelty import midrank_percentiles, novelty_percentiles, work_novelty

__all__ = ["FORMULA_VERSION", "ScoringInputs", "Scores", "score", "trust_score", "trust_label", "profile_score",
           "PROFILE_COMPONENTS", "TRUST_COMPONENTS"]

FORMULA_VERSION = "2026.12.2"
PROFILE_COMPONENTS = ("impact", "h_index", "novelty", "activity")
TRUST_COMPONENTS = ("orcid", "orcid_consistent", "openalex_id", "high_confidence", "coauthor_overlap",
                    "institution", "name_match")


@dataclass
class ScoringInputs:
    """The stored frames scoring reads (see Warehouse.scoring_inputs)."""

    authors: pd.DataFrame
    works: pd.DataFrame
    author_works: pd.DataFrame
    authorships: pd.DataFrame
    work_topics: pd.DataFrame
    topics: pd.DataFrame
    citations_by_year: pd.DataFrame
    work_references: pd.DataFrame
    reference_texts: pd.DataFrame
    curation: pd.DataFrame
    author_listings: pd.DataFrame | None = None  # the latest listing check per author and source


@dataclass
class Scores:
    """Every table scoring writes (each replaced whole)."""

    author_works: pd.DataFrame
    work_metrics: pd.DataFrame
    work_neighbours: pd.DataFrame
    novelty_neighbours: pd.DataFrame
    author_metrics: pd.DataFrame
    author_citations_by_year: pd.DataFrame
    author_topics: pd.DataFrame
    author_collaborators: pd.DataFrame
    author_institutions: pd.DataFrame
    data_quality: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- small formulas (golden-tested) ----------------------------------------------------------
def profile_score(components: dict[str, float | None], weights: dict[str, float]) -> tuple[float | None, dict]:
    """Return (weighted mean of the known percentile components, the explanation).

    Unknown components (None) drop out and the remaining weights are renormalized; with none
    known, the score is None.
    """
    known = {k: v for k, v in components.items() if v is not None and not pd.isna(v)}
    total = sum(weights[k] for k in known)
    explained = {k: {"percentile": None if k not in known else round(float(known[k]), 1), "weight": weights[k],
                     "used_weight": round(weights[k] / total, 4) if k in known and total else 0.0}
                 for k in components}
    if not total:
        return None, explained
    return round(sum(weights[k] * float(v) for k, v in known.items()) / total, 1), explained


def trust_score(evidence: dict[str, float], weights: dict[str, float]) -> float:
    """Return sum(weight x evidence in 0..1) over TRUST_COMPONENTS, 0..100."""
    return round(sum(float(weights[k]) * min(max(float(evidence.get(k, 0.0)), 0.0), 1.0) for k in TRUST_COMPONENTS), 1)


def trust_label(trust: float, claimed: bool, cfg: dict) -> str:
    if claimed:
        return "Verified"
    return "Verified" if trust >= cfg["verified_at"] else "Plausible" if trust >= cfg["plausible_at"] else "Unverified"


def _mode(values: pd.Series):
    """The most frequent value (ties: alphabetical first), or None."""
    v = values.dropna()
    return v.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[0] if len(v) else None


def _median(values: pd.Series) -> float | None:
    v = values.dropna().astype(float)
    return float(v.median()) if len(v) else None


def _person(openalex_id, name) -> str | None:
    if isinstance(openalex_id, str) and openalex_id:
        return openalex_id
    f = fold(name)
    return f"name:{f}" if f else None


# -- the pass ----------------------------------------------------------------------------
def score(inputs: ScoringInputs, config: dict, computed_on: date, version: int, embedder: Embedder | None = None) -> Scores:
    """Return every derived table for the whole warehouse (texts embedded by `embedder`, else the configured one)."""
    nov_cfg, prof_cfg, trust_cfg, graph_cfg = config["novelty"], config["profile"], config["trust"], config["graph"]
    curated = apply_curation(inputs.author_works, inputs.curation)
    aw = curated.author_works
    works = _works_with_field(inputs.works, inputs.topics)

    # Works: citations, field-normalized impact, novelty and its percentile among comparable texts.
    novelty = work_novelty(
        works, inputs.work_references, inputs.reference_texts, embedder or make_embedder(nov_cfg["embedder"]),
        distance_percentile=nov_cfg["distance_percentile"], min_cited_texts=nov_cfg["min_cited_texts"],
        nearest_earlier=nov_cfg["nearest_earlier"],
    )
    vectors = novelty.vectors
    wm = works[["work_id", "field", "publication_year", "cited_by_count", "fwci", "citation_normalized_percentile"]].merge(
        novelty.works, on="work_id", how="left")
    wm["is_top10"] = (wm["citation_normalized_percentile"].astype("Float64") >= 0.9).astype("boolean")
    ranked = novelty_percentiles(wm, novelty.cited, int(nov_cfg["min_cohort"]))
    wm[list(ranked.columns)] = ranked
    wm["scoring_version"] = version

    # Authors.
    author_ids = sorted(set(inputs.authors["author_id"]))
    active = [a for a in author_ids if a not in curated.merged_into]
    base = author_metrics(aw, works, author_ids)
    attributed = aw.loc[aw["is_attributed"], ["author_id", "work_id", "confidence"]].merge(
        wm.merge(works[["work_id", "category_short"]], on="work_id"), on="work_id")
    per_author = {a: g for a, g in attributed.groupby("author_id")}
    empty = attributed.iloc[0:0]
    me = inputs.authorships[inputs.authorships["resolved_author_id"].notna()]
    ships_by_author = {a: g for a, g in me.groupby("resolved_author_id")}
    links = _coauthor_links(attributed, inputs.authorships)
    links_by_author = {a: g for a, g in links.groupby("author_id")}
    institutions = _institutions(attributed, me)
    recent_from = computed_on.year - int(prof_cfg["recent_years"]) + 1

    rows = []
    authors = inputs.authors.set_index("author_id")
    for aid in author_ids:
        g = per_author.get(aid, empty)
        row = {"author_id": aid, "merged_into": curated.merged_into.get(aid)}
        row["field"] = row["cohort_field"] = _mode(g["field"])
        row["arxiv_category"] = _mode(g["category_short"])
        row["median_fwci"] = _median(g["fwci"])
        row["fwci_works"] = int(g["fwci"].notna().sum())
        cnp = g["citation_normalized_percentile"].dropna().astype(float)
        row["impact_pct"] = round(float(cnp.median()) * 100, 1) if len(cnp) else None
        top10 = g["is_top10"].dropna().astype(bool)
        row["top10_share"] = round(float(top10.mean()), 3) if len(top10) else None
        row["recent_works"] = int((g["publication_year"].astype("Float64") >= recent_from).sum())
        row.update(_author_novelty(g))
        a = authors.loc[aid]
        evidence = _trust_evidence(aid, a, g, ships_by_author.get(aid, me.iloc[0:0]), links_by_author.get(aid, links.iloc[0:0]),
                                   institutions, trust_cfg)
        claim = curated.claims.get(aid)
        row["trust_score"] = trust_score(evidence, trust_cfg)
        row["trust_label"] = trust_label(row["trust_score"], bool(claim), trust_cfg)
        row["trust_components"] = json.dumps({k: round(float(evidence[k]), 3) for k in TRUST_COMPONENTS})
        row["is_claimed"] = bool(claim)
        row["claimed_by"] = claim["claimed_by"] if claim else None
        row["verification_level"] = (
            "L3" if claim else "L2" if evidence["orcid_consistent"] > 0 else "L1" if evidence["openalex_id"] or len(g) else "L0")
        rows.append(row)
    # Records with no author yet (an ingest without --author into a new warehouse) score no author.
    derived = pd.DataFrame(rows) if rows else pd.DataFrame(columns=[
        "author_id", "merged_into", "field", "cohort_field", "arxiv_category", "median_fwci", "fwci_works", "impact_pct",
        "top10_share", "recent_works", *_author_novelty(empty), "trust_score", "trust_label", "trust_components",
        "is_claimed", "claimed_by", "verification_level"])
    metrics = base.merge(derived, on="author_id")

    # Percentiles among tracked authors of the same field; then the blend.
    live = metrics["author_id"].isin(active)
    for col, out in (("h_index", "h_pct"), ("recent_works", "activity_pct")):
        p, cohort = midrank_percentiles(metrics.loc[live, col], metrics.loc[live, ["cohort_field"]])
        metrics.loc[live, out] = p.round(1)
    metrics.loc[live, "field_cohort_size"] = cohort  # the same cohorts for both
    weights = {k: float(prof_cfg[k]) for k in PROFILE_COMPONENTS}
    scores, explained = [], []
    for m in metrics.to_dict("records"):
        s, e = profile_score({"impact": m["impact_pct"], "h_index": m.get("h_pct"), "novelty": m["novelty_pct"],
                              "activity": m.get("activity_pct")}, weights)
        scores.append(s)
        explained.append(json.dumps(e, sort_keys=True))
    metrics["profile_score"] = scores
    metrics["profile_components"] = explained
    metrics["field_cohort_size"] = metrics["field_cohort_size"].astype("Int64")
    metrics["computed_on"] = computed_on
    metrics["scoring_version"] = version

    return Scores(
        author_works=aw,
        work_metrics=wm,
        work_neighbours=_neighbours(works, attributed, vectors, inputs.work_references, graph_cfg),
        novelty_neighbours=novelty.neighbours,
        author_metrics=metrics,
        author_citations_by_year=author_citations_by_year(aw, inputs.citations_by_year),
        author_topics=_topics(attributed, inputs.work_topics),
        author_collaborators=_coauthors(links),
        author_institutions=institutions,
        data_quality=quality_checks(base, inputs.authors, inputs.author_listings),
    )


def _works_with_field(works: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """Works with `field`: the OpenAlex subfield of the primary topic, else the subfield of the
    arXiv category, else the category. It is both the comparison cohort and the field a card shows."""
    sub = topics.set_index("topic_id")["subfield"] if len(topics) else pd.Series(dtype=object)
    out = works.copy()
    by_topic = out["primary_topic_id"].map(sub)
    by_category = out["category"].map(subfield_of_category)
    field = by_topic.where(by_topic.notna(), by_category)
    out["field"] = field.astype(object).where(field.notna(), None)
    return out.reset_index(drop=True)


def _author_novelty(g: pd.DataFrame) -> dict:
    """Author Novelty %: the mean Novelty % of their works that have one (each ranked among the texts
    of its field and year). Indicative when fewer than half of the works with a novelty value are ranked."""
    valued = g[g["novelty"].notna()]
    ranked = valued[valued["novelty_pct"].notna()]
    if not len(ranked):
        return {"novelty_pct": None, "novelty_works": 0, "novelty_cohort_size": 0, "novelty_indicative": None,
                "novelty_note": "not enough comparable works" if len(valued) else "no work with enough text to score"}
    cohort = int(ranked.drop_duplicates("novelty_cohort")["novelty_cohort_size"].sum())
    indicative = 2 * len(ranked) < len(valued)
    return {
        "novelty_pct": round(float(ranked["novelty_pct"].mean()), 1),
        "novelty_works": int(len(ranked)),
        "novelty_cohort_size": cohort,
        "novelty_indicative": indicative,
        "novelty_note": (f"{len(ranked)} of {len(valued)} works ranked, among {cohort:,} comparable texts"
                         + ("; indicative" if indicative else "")),
    }


def _coauthor_links(attributed: pd.DataFrame, authorships: pd.DataFrame) -> pd.DataFrame:
    """One row per (author, attributed work, co-author): everyone else on the author list."""
    j = attributed[["author_id", "work_id", "publication_year"]].merge(authorships, on="work_id")
    j = j[(j["resolved_author_id"] != j["author_id"]).fillna(True) & (j["openalex_author_id"] != j["author_id"]).fillna(True)]
    j = j.assign(coauthor_key=[_person(o, n) for o, n in zip(j["openalex_author_id"], j["author_name"])])
    j = j[j["coauthor_key"].notna()].drop_duplicates(["author_id", "work_id", "coauthor_key"])
    shared = j.groupby(["author_id", "coauthor_key"])["work_id"].transform("nunique")
    return j.assign(is_close=shared >= 2).reset_index(drop=True)


def _coauthors(j: pd.DataFrame) -> pd.DataFrame:
    """Every co-author of each author on attributed works: shared works, last year, rank; close = 2+ shared."""
    cols = ["author_id", "coauthor_key", "coauthor_name", "coauthor_author_id", "shared_works", "last_year", "rank", "is_close"]
    if not len(j):
        return pd.DataFrame(columns=cols)
    g = j.groupby(["author_id", "coauthor_key"]).agg(
        coauthor_name=("author_name", lambda s: s.dropna().mode().iloc[0] if len(s.dropna()) else None),
        coauthor_author_id=("resolved_author_id", lambda s: s.dropna().iloc[0] if len(s.dropna()) else None),
        shared_works=("work_id", "nunique"), last_year=("publication_year", "max"),
    ).reset_index()
    g = g.sort_values(["author_id", "shared_works", "last_year", "coauthor_name"], ascending=[True, False, False, True])
    g["rank"] = g.groupby("author_id").cumcount() + 1
    g["is_close"] = g["shared_works"] >= 2
    g["last_year"] = g["last_year"].astype("Int64")
    return g[cols].reset_index(drop=True)


def _institutions(attributed: pd.DataFrame, me: pd.DataFrame) -> pd.DataFrame:
    """Affiliation history: institutions printed on the author's own authorships, with years and works."""
    cols = ["author_id", "institution_id", "first_year", "last_year", "works"]
    j = attributed[["author_id", "work_id", "publication_year"]].merge(
        me[["work_id", "resolved_author_id", "institution_ids"]], left_on=["author_id", "work_id"],
        right_on=["resolved_author_id", "work_id"])
    j = j.explode("institution_ids").dropna(subset=["institution_ids"])
    if not len(j):
        return pd.DataFrame(columns=cols)
    out = j.groupby(["author_id", "institution_ids"]).agg(
        first_year=("publication_year", "min"), last_year=("publication_year", "max"), works=("work_id", "nunique"),
    ).reset_index().rename(columns={"institution_ids": "institution_id"})
    for c in ("first_year", "last_year"):
        out[c] = out[c].astype("Int64")
    return out[cols].sort_values(["author_id", "last_year", "works"], ascending=[True, False, False]).reset_index(drop=True)


def _topics(attributed: pd.DataFrame, work_topics: pd.DataFrame) -> pd.DataFrame:
    """Topics per author: works carrying the topic, share of the author's works with topics, rank."""
    cols = ["author_id", "topic_id", "works", "share", "rank"]
    j = attributed[["author_id", "work_id"]].merge(work_topics, on="work_id")
    if not len(j):
        return pd.DataFrame(columns=cols)
    with_topics = j.groupby("author_id")["work_id"].nunique()
    out = j.groupby(["author_id", "topic_id"])["work_id"].nunique().rename("works").reset_index()
    out["share"] = (out["works"] / out["author_id"].map(with_topics)).round(3)
    out = out.sort_values(["author_id", "works", "topic_id"], ascending=[True, False, True])
    out["rank"] = out.groupby("author_id").cumcount() + 1
    return out[cols].reset_index(drop=True)


def _trust_evidence(aid: str, author: pd.Series, g: pd.DataFrame, ships: pd.DataFrame, links: pd.DataFrame,
                    institutions: pd.DataFrame, cfg: dict) -> dict[str, float]:
    """Each piece of identity evidence for one author, scaled 0..1."""
    orcid = author.get("orcid")
    has_orcid = isinstance(orcid, str) and bool(orcid)
    mine = ships[ships["work_id"].isin(set(g["work_id"]))]
    printed = set(mine["orcid"].dropna())
    consistent = 1.0 if has_orcid and printed == {orcid} else 0.0
    n = len(g)
    high = float((g["confidence"] >= float(cfg["high_confidence_at"])).mean()) if n else 0.0
    # A work overlaps when one of its co-authors is also on another of the author's works.
    overlap = float(links.loc[links["is_close"], "work_id"].nunique() / n) if n and len(links) else 0.0
    known_inst = bool((isinstance(author.get("affiliation"), str) and author.get("affiliation"))
                      or (institutions["author_id"] == aid).any())
    name = author.get("display_name")
    matches = [name_match_score(p, name) for p in mine["author_name"].dropna()] if isinstance(name, str) else []
    return {
        "orcid": 1.0 if has_orcid else 0.0,
        "orcid_consistent": consistent,
        "openalex_id": 1.0 if str(aid).startswith("A") else 0.0,
        "high_confidence": high,
        "coauthor_overlap": overlap,
        "institution": 1.0 if known_inst else 0.0,
        "name_match": float(np.mean(matches)) if matches else 0.0,
    }


def _neighbours(works: pd.DataFrame, attributed: pd.DataFrame, vectors: np.ndarray, references: pd.DataFrame,
                cfg: dict) -> pd.DataFrame:
    """Work-work edges of every attributed work: its `neighbours` most similar works by text (cosine >=
    `min_similarity`) and its `shared_references` works sharing the most references (>= `min_shared`;
    a reference cited by more than `common_reference` stored works does not count: it is everyone's)."""
    cols = ["work_id", "neighbour_id", "similarity", "shared_references", "basis"]
    ids = works["work_id"].tolist()
    pos = {w: i for i, w in enumerate(ids)}
    sources = sorted(set(attributed["work_id"]) & set(pos))
    if not sources:
        return pd.DataFrame(columns=cols)
    by_text = pd.DataFrame(columns=["work_id", "neighbour_id", "similarity"])
    if vectors.shape[0] >= 2:
        found, sims = top_k(vectors, np.array([pos[w] for w in sources]), int(cfg["neighbours"]))
        by_text = pd.DataFrame([(w, ids[j], round(float(s), 4)) for w, row, row_sims in zip(sources, found, sims)
                                for j, s in zip(row, row_sims) if j >= 0 and s >= float(cfg["min_similarity"])],
                               columns=["work_id", "neighbour_id", "similarity"])
    refs = references[references["work_id"].isin(pos)]
    refs = refs[refs.groupby("referenced_id")["work_id"].transform("size") <= int(cfg["common_reference"])]
    mine = refs[refs["work_id"].isin(set(sources))]
    pairs = mine.merge(refs, on="referenced_id", suffixes=("", "_other"))
    pairs = pairs[pairs["work_id"] != pairs["work_id_other"]]
    counts = (pairs.groupby(["work_id", "work_id_other"]).size().rename("shared_references").reset_index()
              .rename(columns={"work_id_other": "neighbour_id"}))
    shared = counts[counts["shared_references"] >= int(cfg["min_shared"])]
    shared = shared.sort_values(["work_id", "shared_references", "neighbour_id"], ascending=[True, False, True])
    shared = shared.groupby("work_id").head(int(cfg["shared_references"]))
    edges = by_text.merge(shared, on=["work_id", "neighbour_id"], how="outer")
    if not len(edges):
        return pd.DataFrame(columns=cols)
    text, refd = edges["similarity"].notna(), edges["shared_references"].notna()
    # A text edge still says how many references the pair shares, below min_shared too.
    edges = edges.drop(columns="shared_references").merge(counts, on=["work_id", "neighbour_id"], how="left")
    edges["basis"] = np.where(text & refd, "text+shared_references", np.where(text, "text", "shared_references"))
    a = np.array([pos[w] for w in edges["work_id"]])
    b = np.array([pos[w] for w in edges["neighbour_id"]])
    edges["similarity"] = edges["similarity"].fillna(pd.Series(np.einsum("ij,ij->i", vectors[a], vectors[b]).round(4)))
    edges["shared_references"] = edges["shared_references"].fillna(0).astype(int)
    return edges[cols].sort_values(["work_id", "neighbour_id"]).reset_index(drop=True)
