"""Writes the bundled offline sample: recorded-format OpenAlex and arXiv responses.

The sample is the project's own: ids (A50000000xx, W50000000xx) are invented, abstracts are
written for it; titles and names echo real CV researchers only as realistic shapes. Run
`python -m scholarflow.sample.build_sample` to regenerate; URLs come from the connectors' own
builders so the replay transport matches what a run asks for.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import arxiv
from pyalex import Authors, Works

from connectors.arxiv import author_query, search_url
from connectors.arxiv_oai import OAI_URL
from connectors.openalex import AUTHOR_FIELDS, OR_LIMIT, PAGE_SIZE, REFERENCE_FIELDS, WORK_FIELDS, _with_params

HERE = Path(__file__).parent
OA = "https://openalex.org/"

INST = {
    "I5000000001": ("SenseTime Research", "CN"),
    "I5000000002": ("The Chinese University of Hong Kong", "HK"),
    "I5000000003": ("Uniwersytet Warszawski", "PL"),
    "I5000000004": ("Peking University", "CN"),
}
TOPICS = {
    "T5000000001": ("Advanced Neural Network Applications", "Computer Vision and Pattern Recognition", "Computer Science"),
    "T5000000002": ("Domain Adaptation and Few-Shot Learning", "Artificial Intelligence", "Computer Science"),
    "T5000000003": ("Reinforcement Learning in Robotics", "Artificial Intelligence", "Computer Science"),
    "T5000000004": ("Particle physics theoretical and experimental studies", "Nuclear and High Energy Physics", "Physics and Astronomy"),
}
PEOPLE = {
    "Boxiao Liu": "A5000000001", "Łucja Wróblewska": "A5000000002", "Boxiao Liu (physics)": "A5000000003",
    "Jihao Liu": "A5000000101", "Hang Zhou": "A5000000102", "Hongsheng Li": "A5000000103", "Yu Liu": "A5000000104",
    "Tai Wang": "A5000000105", "Bingqi Ma": "A5000000106", "Guanglu Song": "A5000000107",
    "Marek Nowak": "A5000000201", "Anna Zielińska": "A5000000202", "Piotr Kowalczyk": "A5000000203",
    "Wei Zhang": "A5000000301", "Ming Chen": "A5000000302",
}
INST_OF = {"Boxiao Liu": "I5000000001", "Jihao Liu": "I5000000002", "Hongsheng Li": "I5000000002", "Yu Liu": "I5000000001",
           "Łucja Wróblewska": "I5000000003", "Marek Nowak": "I5000000003", "Boxiao Liu (physics)": "I5000000004"}


# Works the sample papers cite (titles and years of real papers; the one-line abstracts are ours).
# Each author's papers cite their own pool, so any subset of authors asks for a recorded batch.
REFS = {
    # image mixing and vision transformers: TokenMix cites a close-knit literature (low novelty)
    "W5100000001": ("mixup: Beyond Empirical Risk Minimization", 2017, "Training on convex combinations of pairs of images and their labels regularizes image classifiers."),
    "W5100000002": ("CutMix: Regularization Strategy to Train Strong Classifiers with Localizable Features", 2019, "Patches cut from one training image are pasted into another image and the labels mixed by area, regularizing image classifiers."),
    "W5100000003": ("An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale", 2020, "A pure transformer applied to sequences of image patches classifies images as well as convolutional networks."),
    "W5100000004": ("Training data-efficient image transformers & distillation through attention", 2020, "Vision transformers trained on ImageNet alone with strong data augmentation and a distillation token classify images competitively."),
    "W5100000005": ("AutoAugment: Learning Augmentation Strategies from Data", 2018, "A search over image augmentation policies finds data augmentation that improves image classifiers."),
    # GeoMIM: masked image modeling meets 3D driving perception (farther apart)
    "W5100000011": ("Masked Autoencoders Are Scalable Vision Learners", 2021, "Masking random image patches and reconstructing the missing pixels pretrains vision transformers."),
    "W5100000012": ("BEVFormer: Learning Bird's-Eye-View Representation from Multi-Camera Images via Spatiotemporal Transformers", 2022, "Spatiotemporal transformers lift multi-camera driving images to a bird's-eye-view grid for 3D object detection."),
    "W5100000013": ("PointNet: Deep Learning on Point Sets for 3D Classification and Segmentation", 2017, "A network that consumes unordered lidar point clouds directly classifies and segments 3D shapes."),
    "W5100000014": ("Deep Residual Learning for Image Recognition", 2016, "Residual connections let very deep convolutional networks train and recognize images better."),
    # the benchmark: cites across language, vision, reinforcement learning and datasets (high novelty)
    "W5100000021": ("Attention Is All You Need", 2017, "The transformer, built on attention alone, translates text between languages faster and better than recurrent models."),
    "W5100000022": ("Learning Transferable Visual Models From Natural Language Supervision", 2021, "Contrastive training on image and caption pairs from the web yields zero-shot image classifiers."),
    "W5100000023": ("Human-level control through deep reinforcement learning", 2015, "A deep Q-network learns to play Atari games from pixels and game scores alone."),
    "W5100000024": ("ImageNet: A large-scale hierarchical image database", 2009, "A database of millions of labelled images organised by the WordNet hierarchy."),
    "W5100000025": ("The Pascal Visual Object Classes (VOC) Challenge", 2010, None),
    # distillation (MKD)
    "W5100000031": ("Distilling the Knowledge in a Neural Network", 2015, "A small student network learns from the softened outputs of a large teacher ensemble."),
    "W5100000032": ("FitNets: Hints for Thin Deep Nets", 2014, "A thin deep student network is trained from the intermediate hints of a wider teacher network."),
    "W5100000033": ("Model-Agnostic Meta-Learning for Fast Adaptation of Deep Networks", 2017, "Meta-learning an initialization lets a network adapt to a new task in a few gradient steps."),
    # Łucja Wróblewska: exploration, off-policy evaluation
    "W5100000041": ("Finite-time Analysis of the Multiarmed Bandit Problem", 2002, "Upper confidence bound policies achieve logarithmic regret in multi-armed bandits."),
    "W5100000042": ("Near-optimal Regret Bounds for Reinforcement Learning", 2010, "An optimistic exploration algorithm for Markov decision processes achieves near-optimal regret."),
    "W5100000043": ("Count-Based Exploration with Neural Density Models", 2017, "Pseudo-counts from a density model give exploration bonuses to reinforcement learning agents."),
    "W5100000044": ("World Models", 2018, "An agent learns a compressed generative model of its environment and trains its policy inside the dream."),
    "W5100000045": ("Doubly Robust Off-policy Value Evaluation for Reinforcement Learning", 2016, "Combining a learned model with importance sampling estimates the value of a policy from logged data."),
    "W5100000046": ("Dream to Control: Learning Behaviors by Latent Imagination", 2019, "Behaviours are learned by backpropagating through imagined trajectories of a latent world model."),
    "W5100000047": ("Hindsight Experience Replay", 2017, "Relabelling failed episodes with the goals actually reached lets agents learn from sparse rewards."),
    "W5100000048": ("Curriculum learning", 2009, "Presenting training examples from easy to hard speeds up learning and improves generalization."),
    # physics homonym
    "W5100000051": ("The automated computation of tree-level and next-to-leading order differential cross sections, and their matching to parton shower simulations", 2014, "A framework computes collider cross sections at next-to-leading order in QCD and matches them to parton showers."),
    "W5100000052": ("Heavy-quark correlations in hadron collisions at next-to-leading order", 1992, "Next-to-leading order QCD predictions for correlations of heavy quark pairs produced at hadron colliders."),
    "W5100000053": ("Lattice QCD with heavy quarks", 1997, "Heavy quarks on the lattice with effective field theory actions."),
}
# Cited by the sample's papers; W5199999999 is a reference OpenAlex no longer has.
REFS_OF = {
    "W5000000011": ["W5100000001", "W5100000002", "W5100000003", "W5100000004", "W5100000005"],
    "W5000000012": ["W5100000001", "W5100000002", "W5100000003", "W5100000004", "W5100000005"],
    "W5000000013": ["W5100000011", "W5100000012", "W5100000013", "W5100000014", "W5199999999"],
    "W5000000014": ["W5100000031", "W5100000032", "W5100000033"],
    "W5000000016": ["W5100000021", "W5100000022", "W5100000023", "W5100000024", "W5100000025"],
    "W5000000021": ["W5100000041", "W5100000042", "W5100000043"],
    "W5000000022": ["W5100000044", "W5100000045", "W5100000046"],
    "W5000000023": ["W5100000047", "W5100000048"],
    "W5000000031": ["W5100000051", "W5100000052"],
    "W5000000032": ["W5100000053"],
}
WORKS_OF = {"A5000000001": "W500000001", "A5000000002": "W500000002", "A5000000003": "W500000003"}

# The wider literature each author's papers cite. Real papers cite 30-60 works; these do too, so
# novelty has cohorts to rank in and an author's papers share references (nearby papers). Ids
# are invented; titles and one-line abstracts are generated from the word lists below (ours).
LITERATURE = {
    # author: (id prefix, how many, first year, methods, tasks, findings)
    "A5000000001": ("W52000", 96, 2014,
                    ["contrastive pretraining", "masked token modeling", "knowledge distillation", "sparse attention",
                     "multi-scale feature pyramids", "self-supervised augmentation", "vision transformers",
                     "depth-aware fusion", "token pruning", "label smoothing", "deformable convolutions",
                     "neural architecture search", "cross-view consistency", "teacher ensembles", "curriculum sampling",
                     "hierarchical windows", "prototype memories", "adversarial training", "mixed-precision quantization",
                     "optical flow supervision", "instance discrimination", "relative position encoding",
                     "image mixing", "patch-level label mixing", "masked image modeling", "teacher-weighted targets"],
                    ["image classification", "object detection", "semantic segmentation", "face recognition",
                     "multi-view 3D detection", "video recognition", "few-shot recognition", "bird's-eye-view perception",
                     "pedestrian re-identification", "depth estimation", "image retrieval", "pose estimation",
                     "lane detection", "panoptic segmentation", "action localization", "data augmentation of image classifiers",
                     "occlusion-robust recognition"],
                    ["improves accuracy at lower cost", "transfers across datasets", "is robust to label noise",
                     "needs fewer labelled images", "scales with model size", "runs in real time on a phone",
                     "closes the gap to lidar", "halves the training time", "survives heavy occlusion"]),
    "A5000000002": ("W52100", 72, 2012,
                    ["optimistic exploration", "posterior sampling", "importance-weighted estimators", "latent world models",
                     "goal relabelling", "count-based bonuses", "conservative value iteration", "policy gradients",
                     "successor features", "distributional critics", "trust regions", "model predictive control",
                     "intrinsic curiosity", "hierarchical options", "doubly robust estimation", "reward shaping"],
                    ["contextual bandits", "off-policy evaluation", "sparse-reward manipulation", "offline reinforcement learning",
                     "safe exploration", "continuous control", "recommendation", "robot navigation", "multi-agent games",
                     "clinical dosing"],
                    ["has sublinear regret", "is unbiased under weak assumptions", "learns from fewer interactions",
                     "stays within a safe set", "matches the lower bound", "transfers between simulators",
                     "avoids catastrophic forgetting"]),
    "A5000000003": ("W52200", 48, 2008,
                    ["next-to-leading order QCD", "lattice simulations", "effective field theory", "parton shower matching",
                     "heavy-quark symmetry", "dispersion relations", "sum rules", "chiral perturbation theory",
                     "resummation of large logarithms", "Monte Carlo event generation"],
                    ["heavy-quark pair production", "exotic meson spectra", "photon-associated production", "hadron collider cross sections",
                     "top-quark decays", "quarkonium suppression", "jet substructure"],
                    ["agrees with collider data", "reduces scale uncertainty", "predicts a bound state", "fixes the low-energy constants"]),
}
TITLE_FORMS = ["{m} for {t}", "{t} with {m}", "rethinking {t}: {m} meets {o}", "{m} and {o} in {t}",
               "towards {t} by {m}", "on {m} for {t}"]
ABSTRACT_FORMS = ["We apply {m} to {t}; on standard benchmarks it {f}.",
                  "{m} is combined with {o} for {t}, and the result {f}.",
                  "A study of {t}: replacing {o} with {m} {f}.",
                  "For {t}, we show that {m} {f}, unlike {o}.",
                  "This paper revisits {o} and proposes {m} for {t}; it {f}."]
CITING_YEAR = {"W5000000011": 2022, "W5000000012": 2022, "W5000000013": 2023, "W5000000014": 2022, "W5000000016": 2024,
               "W5000000021": 2024, "W5000000022": 2022, "W5000000023": 2020, "W5000000031": 2021, "W5000000032": 2023}
CITES_PER_WORK = {"A5000000001": 36, "A5000000002": 30, "A5000000003": 24}


def literature() -> None:
    """Add each author's generated literature to REFS and cite it from their papers (REFS_OF), the same way every build."""
    import random

    for author, (prefix, count, first, methods, tasks, findings) in LITERATURE.items():
        rng = random.Random(author)
        last = max(y for w, y in CITING_YEAR.items() if w.startswith(WORKS_OF[author]))
        pool = []
        for i in range(count):
            method, other = rng.sample(methods, 2)
            task, finding = rng.choice(tasks), rng.choice(findings)
            # Citations lean to recent years, as they do.
            year = min(last, first + int((last - first + 1) * rng.random() ** 0.6))
            wid = f"{prefix}{i:05d}"
            title = rng.choice(TITLE_FORMS).format(m=method, o=other, t=task).capitalize()
            REFS[wid] = (title, year, rng.choice(ABSTRACT_FORMS).format(m=method, o=other, t=task, f=finding))
            pool.append(wid)
        for wid in sorted(w for w in CITING_YEAR if w.startswith(WORKS_OF[author])):
            earlier = [r for r in pool if REFS[r][1] <= CITING_YEAR[wid]]
            cited = rng.sample(earlier, min(CITES_PER_WORK[author], len(earlier)))
            REFS_OF[wid] = REFS_OF.get(wid, []) + sorted(cited)
    REFS_OF["W5000000012"] = list(REFS_OF["W5000000011"])  # TokenMix's preprint and published version cite alike


literature()


def reference_batches(put_json) -> None:
    """Record the cited-work text batches a run asks for, for every combination of sample authors."""
    from itertools import combinations

    authors = list(WORKS_OF)
    for n in range(1, len(authors) + 1):
        for combo in combinations(authors, n):
            ids = sorted({r for w, refs in REFS_OF.items() for r in refs if any(w.startswith(WORKS_OF[a]) for a in combo)})
            for start in range(0, len(ids), OR_LIMIT):
                batch = ids[start:start + OR_LIMIT]
                url = _with_params(Works().url, filter="openalex:" + "|".join(batch), select=",".join(REFERENCE_FIELDS),
                                   per_page=OR_LIMIT)
                results = [{"id": OA + r, "title": REFS[r][0], "display_name": REFS[r][0], "publication_year": REFS[r][1],
                            "abstract_inverted_index": inverted(REFS[r][2])} for r in batch if r in REFS]
                put_json(url, f"openalex/refs_{'_'.join(a[-1] for a in combo)}_{start // OR_LIMIT + 1}.json",
                         {"meta": {"count": len(results), "per_page": OR_LIMIT, "page": 1}, "results": results})


def inverted(text: str | None) -> dict | None:
    if text is None:
        return None
    index: dict[str, list[int]] = {}
    for pos, word in enumerate(text.split()):
        index.setdefault(word, []).append(pos)
    return index


def authorship(name: str, pos: int, total: int) -> dict:
    aid = PEOPLE.get(name)
    shown = name.replace(" (physics)", "")
    inst = INST_OF.get(name)
    return {
        "author_position": "first" if pos == 0 else "last" if pos == total - 1 else "middle",
        "author": {"id": OA + aid if aid else None, "display_name": shown,
                   "orcid": "https://orcid.org/0000-0002-1825-0097" if name == "Boxiao Liu" else None},
        "institutions": [{"id": OA + inst, "display_name": INST[inst][0], "ror": None, "country_code": INST[inst][1],
                          "type": "education", "lineage": [OA + inst]}] if inst else [],
        "raw_author_name": shown,
    }


def work(wid, title, year, date, wtype, venue, authors, cited, abstract=None, doi=None, arxiv_id=None, topic="T5000000001",
         counts=None, fwci=None, truncated_at=None, percentile=0.9):
    locs = []
    if venue != "arXiv":
        locs.append({"landing_page_url": f"https://doi.org/{doi}" if doi else None, "pdf_url": None,
                     "source": {"id": OA + "S5000000001", "display_name": venue, "type": "conference"},
                     "version": "publishedVersion", "is_published": True})
    if arxiv_id:
        locs.append({"landing_page_url": f"https://arxiv.org/abs/{arxiv_id}", "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
                     "source": {"id": OA + "S4306400194", "display_name": "arXiv (Cornell University)", "type": "repository"},
                     "version": "submittedVersion", "is_published": False})
    ships = [authorship(n, i, len(authors)) for i, n in enumerate(authors)]
    t = TOPICS[topic]
    record = {
        "id": OA + wid, "doi": f"https://doi.org/{doi}" if doi else None, "title": title, "display_name": title,
        "publication_year": year, "publication_date": date,
        "ids": {"openalex": OA + wid, **({"doi": f"https://doi.org/{doi}"} if doi else {})},
        "type": wtype, "primary_location": locs[0] if locs else None, "locations": locs,
        "authorships": ships, "is_authors_truncated": False, "cited_by_count": cited,
        "counts_by_year": [{"year": y, "cited_by_count": c} for y, c in sorted((counts or {}).items(), reverse=True)],
        "fwci": fwci, "citation_normalized_percentile": {"value": percentile, "is_in_top_1_percent": percentile >= 0.99,
                                           "is_in_top_10_percent": percentile >= 0.9} if fwci else None,
        "primary_topic": {"id": OA + topic, "display_name": t[0], "score": 0.99, "subfield": {"display_name": t[1]},
                          "field": {"display_name": t[2]}, "domain": {"display_name": "Physical Sciences"}},
        "topics": [{"id": OA + topic, "display_name": t[0], "score": 0.99, "subfield": {"display_name": t[1]},
                    "field": {"display_name": t[2]}, "domain": {"display_name": "Physical Sciences"}}],
        "referenced_works": [OA + r for r in REFS_OF.get(wid, [])], "abstract_inverted_index": inverted(abstract), "updated_date": "2026-11-01T00:00:00",
    }
    if truncated_at:
        full = dict(record)
        record = dict(record, authorships=ships[:truncated_at], is_authors_truncated=True)
        return record, full
    return record, None


def entry(aid, version, title, summary, published, authors, cats, comment=None, doi=None, journal_ref=None):
    cat_xml = "\n".join(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in cats)
    authors_xml = "\n".join(f"    <author>\n      <name>{a}</name>\n    </author>" for a in authors)
    extra = ""
    if comment:
        extra += f"\n    <arxiv:comment>{comment}</arxiv:comment>"
    if journal_ref:
        extra += f"\n    <arxiv:journal_ref>{journal_ref}</arxiv:journal_ref>"
    if doi:
        extra += f"\n    <arxiv:doi>{doi}</arxiv:doi>\n    <link href=\"https://doi.org/{doi}\" rel=\"related\" title=\"doi\"/>"
    return f"""  <entry>
    <id>http://arxiv.org/abs/{aid}v{version}</id>
    <title>{title}</title>
    <updated>{published}</updated>
    <link href="https://arxiv.org/abs/{aid}v{version}" rel="alternate" type="text/html"/>
    <summary>{summary}</summary>
{cat_xml}
    <published>{published}</published>{extra}
    <arxiv:primary_category term="{cats[0]}"/>
{authors_xml}
  </entry>"""


def feed(entries: list[str], query: str) -> bytes:
    body = "\n".join(entries)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/sample</id>
  <title>arXiv Query: {query}</title>
  <updated>2026-11-20T00:00:00Z</updated>
  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
{body}
</feed>
""".encode("utf-8")


def author_record(key, name, inst, works_count, cited, h, i10, topics, orcid=None, alternatives=()):
    return {
        "id": OA + key, "display_name": name, "display_name_alternatives": list(alternatives),
        "orcid": f"https://orcid.org/{orcid}" if orcid else None, "ids": {"openalex": OA + key},
        "works_count": works_count, "cited_by_count": cited,
        "summary_stats": {"2yr_mean_citedness": 3.1, "h_index": h, "i10_index": i10},
        "last_known_institutions": [{"id": OA + inst, "display_name": INST[inst][0], "country_code": INST[inst][1]}],
        "affiliations": [{"institution": {"id": OA + inst, "display_name": INST[inst][0]}, "years": [2024, 2023, 2022]}],
        "topics": [{"id": OA + t, "display_name": TOPICS[t][0], "count": 3} for t in topics],
    }


CV_TEAM = ["Jihao Liu", "Boxiao Liu", "Hang Zhou", "Hongsheng Li", "Yu Liu"]
BIG_TEAM = ["Boxiao Liu", "Jihao Liu"] + [f"{f} {l}" for l in ("Wang", "Chen", "Zhao", "Huang", "Sun", "Lin", "Xu", "Guo", "Ma", "Yang", "Lu", "He")
                                           for f in ("An", "Bo", "Chao", "Dan", "En", "Fei", "Gang", "Hui", "Jing", "Kai")][:118]


def build() -> None:
    files: list[dict] = []

    def put(url: str, rel: str, body: bytes, status: int = 200):
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        files.append({"url": url, "file": rel, "status": status})

    def put_json(url, rel, obj, status=200):
        put(url, rel, (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), status)

    # ---- Boxiao Liu (CV) -------------------------------------------------------------
    tokenmix_abs = ("We study how mixing two images at the level of vision-transformer tokens, instead of one "
                    "rectangular patch, changes what the network learns. Tokens from both images are interleaved "
                    "in several separate regions, and the training target is weighted by how much of each object "
                    "a pre-trained teacher sees in the mixed image. The method improves ImageNet accuracy and "
                    "robustness to occlusion across several transformer families. Code: https://github.com/Sense-X/TokenMix.")
    geomim_abs = ("Camera-only 3D detection lags behind LiDAR. We pretrain a multi-view vision transformer by masked image "
                  "modeling whose targets are bird's-eye-view features of a LiDAR model, with one decoder branch for "
                  "semantics and one for depth, and transfer it to camera-based detection and segmentation. "
                  "Code and models: https://github.com/Sense-X/GeoMIM")
    mkd_abs = ("Knowledge distillation is sensitive to the softmax temperature, and a fixed temperature suits neither strong "
               "augmentation nor a large teacher-student gap. We learn the temperatures by meta-learning against a "
               "validation objective and show gains for vision transformers of several sizes. The project page is "
               "https://sense-x.github.io/mkd.")
    faces_abs = ("Large face-recognition datasets are noisy in two ways: one identity split over several classes, and several "
                 "identities merged in one. We describe the noise by identities, clusters and classes, and learn several "
                 "sub-centers per class that grow, merge and drop during training, so that clean samples meet at one center.")
    w = {}
    w["tm_pre"], _ = work("W5000000011", "TokenMix: Rethinking Image Mixing for Data Augmentation in Vision Transformers", 2022,
                          "2022-07-18", "preprint", "arXiv", CV_TEAM, 41, tokenmix_abs, doi="10.48550/arxiv.2207.08409",
                          arxiv_id="2207.08409", counts={2022: 6, 2023: 20, 2024: 15}, fwci=2.1, percentile=0.93)
    # The published version: no arXiv link on this record; title + year + authors join it to the preprint.
    w["tm_pub"], _ = work("W5000000012", "TokenMix: Rethinking Image Mixing for Data Augmentation in Vision Transformers", 2022,
                          "2022-10-23", "article", "Lecture Notes in Computer Science", CV_TEAM, 58, tokenmix_abs,
                          doi="10.1007/978-3-031-19809-0_26", counts={2022: 4, 2023: 30, 2024: 24}, fwci=3.4, percentile=0.97)
    w["geo"], _ = work("W5000000013", "GeoMIM: Towards Better 3D Knowledge Transfer via Masked Image Modeling for Multi-view 3D Understanding",
                       2023, "2023-03-20", "preprint", "arXiv", ["Jihao Liu", "Tai Wang", "Boxiao Liu", "Qihang Zhang", "Hongsheng Li"],
                       23, geomim_abs, doi="10.48550/arxiv.2303.11325", arxiv_id="2303.11325", counts={2023: 9, 2024: 14}, fwci=1.8, percentile=0.86)
    # Missing abstract on the OpenAlex side (arXiv supplies it).
    w["mkd"], _ = work("W5000000014", "Meta Knowledge Distillation", 2022, "2022-02-16", "preprint", "arXiv",
                       ["Jihao Liu", "Boxiao Liu", "Hongsheng Li", "Yu Liu"], 12, None, doi="10.48550/arxiv.2202.07940",
                       arxiv_id="2202.07940", counts={2022: 2, 2023: 6, 2024: 4}, topic="T5000000002")
    w["faces"], _ = work("W5000000015", "Rethinking Robust Representation Learning Under Fine-grained Noisy Faces", 2022,
                         "2022-08-08", "preprint", "arXiv", ["Bingqi Ma", "Guanglu Song", "Boxiao Liu", "Yu Liu"], 5, faces_abs,
                         doi="10.48550/arxiv.2208.04352", arxiv_id="2208.04352", counts={2023: 3, 2024: 2})
    # A large-team work: the list cuts authorships at 100, the singleton has all 120.
    big_abs = ("We release a benchmark of 40 vision tasks with a common evaluation protocol and report how 25 pretrained "
               "backbones transfer to each, to make comparisons between foundation models reproducible.")
    w["big"], big_full = work("W5000000016", "A Unified Benchmark for Transfer of Vision Foundation Models", 2024, "2024-05-02",
                              "article", "IEEE Transactions on Pattern Analysis and Machine Intelligence", BIG_TEAM, 9, big_abs,
                              doi="10.1109/tpami.2024.0000001", counts={2024: 9}, truncated_at=100)
    w["duplicate_oa"], _ = work("W5000000017", "Meta knowledge distillation", 2022, None, "preprint", "arXiv",
                                ["Jihao Liu", "Boxiao Liu"], 0, None, arxiv_id="2202.07940")
    w["duplicate_oa"]["doi"] = None
    w["duplicate_oa"]["ids"].pop("doi", None)
    a1 = ["tm_pre", "tm_pub", "geo", "mkd"], ["faces", "big", "duplicate_oa"]
    base = Works().filter(author={"id": "A5000000001"}).select(WORK_FIELDS).url
    put_json(_with_params(base, per_page=PAGE_SIZE, cursor="*"), "openalex/works_A5000000001_p1.json",
             {"meta": {"count": 7, "per_page": PAGE_SIZE, "page": None, "next_cursor": "c2"}, "results": [w[k] for k in a1[0]]})
    put_json(_with_params(base, per_page=PAGE_SIZE, cursor="c2"), "openalex/works_A5000000001_p2.json",
             {"meta": {"count": 7, "per_page": PAGE_SIZE, "page": None, "next_cursor": "c3"}, "results": [w[k] for k in a1[1]]})
    put_json(_with_params(base, per_page=PAGE_SIZE, cursor="c3"), "openalex/works_A5000000001_p3.json",
             {"meta": {"count": 7, "per_page": PAGE_SIZE, "page": None, "next_cursor": None}, "results": []})
    put_json(_with_params(Works("W5000000016").url, select=",".join(WORK_FIELDS)), "openalex/work_W5000000016.json", big_full)
    # The source's own summary: h-index 32 with 400 citations over 14 works is impossible (h^2 > citations).
    boxiao = author_record("A5000000001", "Boxiao Liu", "I5000000001", 14, 400, 32, 12, ["T5000000001", "T5000000002"],
                           orcid="0000-0002-1825-0097", alternatives=["B. Liu", "Liu Boxiao"])
    put_json(_with_params(Authors("A5000000001").url, select=",".join(AUTHOR_FIELDS)), "openalex/author_A5000000001.json", boxiao)
    put_json(_with_params(Authors("https://orcid.org/0000-0002-1825-0097").url, select=",".join(AUTHOR_FIELDS)),
             "openalex/author_orcid_0000-0002-1825-0097.json", boxiao)

    # ---- Boxiao Liu (physics): the homonym -------------------------------------------
    phys_abs_1 = ("We compute next-to-leading-order corrections to the production of heavy quark pairs in association with "
                  "a photon and compare the resulting distributions with collider data.")
    phys_abs_2 = ("A lattice study of the spectrum of exotic mesons with two heavy quarks, with an estimate of the binding "
                  "energy in the continuum limit.")
    p1, _ = work("W5000000031", "Next-to-leading order corrections to heavy quark pair production with a photon", 2021, "2021-03-02",
                 "article", "Physical Review D", ["Boxiao Liu (physics)", "Wei Zhang", "Ming Chen"], 14, phys_abs_1,
                 doi="10.1103/physrevd.103.000001", arxiv_id="2103.01234", topic="T5000000004", counts={2021: 3, 2022: 6, 2023: 5})
    p2, _ = work("W5000000032", "Doubly heavy exotic mesons on the lattice", 2023, "2023-06-11", "preprint", "arXiv",
                 ["Wei Zhang", "Boxiao Liu (physics)"], 3, phys_abs_2, doi="10.48550/arxiv.2306.05678", arxiv_id="2306.05678",
                 topic="T5000000004", counts={2023: 1, 2024: 2})
    base3 = Works().filter(author={"id": "A5000000003"}).select(WORK_FIELDS).url
    put_json(_with_params(base3, per_page=PAGE_SIZE, cursor="*"), "openalex/works_A5000000003_p1.json",
             {"meta": {"count": 2, "per_page": PAGE_SIZE, "page": None, "next_cursor": "d2"}, "results": [p1, p2]})
    put_json(_with_params(base3, per_page=PAGE_SIZE, cursor="d2"), "openalex/works_A5000000003_p2.json",
             {"meta": {"count": 2, "per_page": PAGE_SIZE, "page": None, "next_cursor": None}, "results": []})
    put_json(_with_params(Authors("A5000000003").url, select=",".join(AUTHOR_FIELDS)), "openalex/author_A5000000003.json",
             author_record("A5000000003", "Boxiao Liu", "I5000000004", 2, 17, 2, 1, ["T5000000004"]))
    put_json(_with_params(Authors().search("Boxiao Liu").select(AUTHOR_FIELDS).url, per_page=10),
             "openalex/authors_search_Boxiao_Liu.json",
             {"meta": {"count": 2, "per_page": 10, "page": 1},
              "results": [boxiao, author_record("A5000000003", "Boxiao Liu", "I5000000004", 2, 17, 2, 1, ["T5000000004"])]})

    # arXiv's answer to au:"Boxiao Liu": both people's papers (arXiv has no author ids).
    ax_boxiao = [
        # Its abstract names a *.github.io project page: not a code repository, so no Code badge.
        entry("2202.07940", 1, "Meta Knowledge Distillation", mkd_abs, "2022-02-16T07:10:00Z", ["Jihao Liu", "Boxiao Liu", "Hongsheng Li", "Yu Liu"], ["cs.CV", "cs.LG"]),
        entry("2103.01234", 2, "Next-to-leading order corrections to heavy quark pair production with a photon", phys_abs_1,
              "2021-03-02T18:00:00Z", ["Boxiao Liu", "Wei Zhang", "Ming Chen"], ["hep-ph"], doi="10.1103/PhysRevD.103.000001",
              journal_ref="Phys. Rev. D 103, 000001 (2021)"),
        entry("2207.08409", 2, "TokenMix: Rethinking Image Mixing for Data\n  Augmentation in Vision Transformers", tokenmix_abs,
              "2022-07-18T09:00:00Z", CV_TEAM, ["cs.CV"], comment="ECCV 2022; code: https://github.com/Sense-X/TokenMix"),
        entry("2208.04352", 1, "Rethinking Robust Representation Learning Under Fine-grained Noisy Faces", faces_abs,
              "2022-08-08T12:00:00Z", ["Bingqi Ma", "Guanglu Song", "Boxiao Liu", "Yu Liu"], ["cs.CV"], comment="ECCV 2022"),
        entry("2303.11325", 1, "GeoMIM: Towards Better 3D Knowledge Transfer via Masked Image Modeling for Multi-view 3D Understanding",
              geomim_abs, "2023-03-20T15:00:00Z", ["Jihao Liu", "Tai Wang", "Boxiao Liu", "Qihang Zhang", "Hongsheng Li"], ["cs.CV"]),
        entry("2306.05678", 1, "Doubly heavy exotic mesons on the lattice", phys_abs_2, "2023-06-11T10:00:00Z",
              ["Wei Zhang", "Boxiao Liu"], ["hep-lat", "hep-ph"]),
        # arXiv-only, his: shares co-author Yu Liu with his OpenAlex works, in a related archive (cs).
        entry("2311.02955", 1, "Brain-Inspired Efficient Pruning: Exploiting Criticality in Spiking Neural Networks",
              "Pruning spiking networks is costly because spikes are sparse. We score neurons by how close they are to a "
              "critical state and keep the critical ones, which prunes faster and loses less accuracy than earlier methods.",
              "2023-11-05T08:00:00Z", ["Shuo Chen", "Boxiao Liu", "Zeshi Liu", "Yu Liu"], ["cs.NE", "cs.CV"]),
        # arXiv-only, a third Boxiao Liu's: no shared co-authors, another field. Must stay off both pages.
        entry("2402.01111", 1, "Magnetic order in the $\\mathrm{Kagom\\acute{e}}$ lattice compound $\\mathrm{Fe_3Sn_2}$",
              "Neutron scattering on single crystals shows a spin reorientation near 120 K that we trace to competing "
              "anisotropies.", "2024-02-01T10:00:00Z", ["Boxiao Liu", "Hanna Berg"], ["cond-mat.str-el"]),
    ]
    q = arxiv.Search(query=author_query("Boxiao Liu"), max_results=2000, sort_by=arxiv.SortCriterion.SubmittedDate,
                     sort_order=arxiv.SortOrder.Ascending)
    put(search_url(q, 0, 200), "arxiv/au_Boxiao_Liu.xml", feed(ax_boxiao, q.query))

    # ---- Łucja Wróblewska (RL): non-ASCII name, TeX title, DOI-linked preprint ----------
    eps_abs = ("We revisit epsilon-greedy exploration with a schedule that depends on the visitation counts of the current "
               "state, prove a regret bound for tabular problems, and show that the schedule transfers to deep agents.")
    lw = [
        work("W5000000021", "ε-Greedy Exploration Revisited: State-Dependent Schedules", 2024, "2024-04-01", "article",
             "Journal of Machine Learning Research", ["Łucja Wróblewska", "Marek Nowak"], 11, eps_abs,
             doi="10.5555/jmlr.2024.00021", topic="T5000000003", counts={2024: 11}, fwci=1.2, percentile=0.71)[0],
        work("W5000000022", "Offline policy evaluation with learned world models", 2022, "2022-05-10", "article",
             "Machine Learning", ["Marek Nowak", "Łucja Wróblewska", "Anna Zielińska"], 25,
             "We estimate the value of a policy from logged data by rolling it out in a learned model and correcting "
             "the model's bias with importance weights on short horizons.", doi="10.1007/s10994-022-00022-x",
             topic="T5000000003", counts={2022: 5, 2023: 10, 2024: 10}, fwci=1.6, percentile=0.82)[0],
        work("W5000000023", "Curriculum design for sparse-reward manipulation", 2020, "2020-09-14", "article",
             "Robotics and Autonomous Systems", ["Łucja Wróblewska", "Piotr Kowalczyk"], 40, None,
             doi="10.1016/j.robot.2020.000023", topic="T5000000003", counts={2020: 2, 2021: 10, 2022: 12, 2023: 9, 2024: 7})[0],
    ]
    base2 = Works().filter(author={"id": "A5000000002"}).select(WORK_FIELDS).url
    put_json(_with_params(base2, per_page=PAGE_SIZE, cursor="*"), "openalex/works_A5000000002_p1.json",
             {"meta": {"count": 3, "per_page": PAGE_SIZE, "page": None, "next_cursor": "e2"}, "results": lw})
    put_json(_with_params(base2, per_page=PAGE_SIZE, cursor="e2"), "openalex/works_A5000000002_p2.json",
             {"meta": {"count": 3, "per_page": PAGE_SIZE, "page": None, "next_cursor": None}, "results": []})
    put_json(_with_params(Authors("A5000000002").url, select=",".join(AUTHOR_FIELDS)), "openalex/author_A5000000002.json",
             author_record("A5000000002", "Łucja Wróblewska", "I5000000003", 3, 76, 3, 3, ["T5000000003"],
                           alternatives=["Lucja Wroblewska"]))
    ax_lw = [
        # The preprint of W5000000021: TeX in the title; its DOI field links it to the journal version.
        entry("2310.04321", 3, "$\\epsilon$-Greedy Exploration Revisited: State-Dependent\n  Schedules", eps_abs,
              "2023-10-06T13:00:00Z", ["Lucja Wroblewska", "Marek Nowak"], ["cs.LG", "stat.ML"],
              comment="Code: https://gitlab.com/lwroblewska/eps-schedules", doi="10.5555/jmlr.2024.00021"),
        # arXiv-only and hers: shares two co-authors and cs.LG.
        entry("2405.09876", 1, "Safe exploration under model uncertainty", "We bound the probability of leaving a safe set "
              "while exploring with an uncertain model, and give an algorithm whose exploration shrinks as the model improves.",
              "2024-05-16T09:30:00Z", ["Anna Zielinska", "Lucja Wroblewska", "Marek Nowak"], ["cs.LG"]),
    ]
    q2 = arxiv.Search(query=author_query("Łucja Wróblewska"), max_results=2000, sort_by=arxiv.SortCriterion.SubmittedDate,
                      sort_order=arxiv.SortOrder.Ascending)
    put(search_url(q2, 0, 200), "arxiv/au_Lucja_Wroblewska.xml", feed(ax_lw, q2.query))

    # ---- arXiv's OAI-PMH harvest: nothing new since the sample's name searches ------------
    # (the replay answers every ListRecords with it, whatever its `from`)
    put(f"{OAI_URL}?{urlencode({'verb': 'ListRecords', 'metadataPrefix': 'arXivRaw'})}", "arxiv/oai_listrecords.xml",
        b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-20T03:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="arXivRaw">http://oaipmh.arxiv.org/oai</request>
<error code="noRecordsMatch">The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.</error>
</OAI-PMH>
""")

    reference_batches(put_json)
    (HERE / "index.json").write_text(json.dumps(files, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


SAMPLE_AUTHORS = ["A5000000001", "A5000000002", "A5000000003"]

if __name__ == "__main__":
    build()
