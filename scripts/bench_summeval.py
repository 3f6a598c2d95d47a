#!/usr/bin/env python
"""SummEval meta-evaluation: the kg judge (news pack) against ROUGE, measured in the same run.

Protocol (shared/data/summeval/README.md): the human score is the mean of the 3 expert ratings;
summary-level correlation = for each article, Spearman / Kendall between metric and human scores
across its 12 systems, averaged over articles. Intervals resample articles (1,000 draws).

Every summary is scored by the kg judge (news pack, embedded backend, expected score) against the
11 references (one graph of all of them) and, separately, against the source article; ROUGE-1/2/L
F1 (rouge-score, Porter stemmer) is computed on the same items against the references (mean over
references) and against the source. The articles are split into two fixed halves by a hash of
their id; the one design choice made by looking at SummEval (union of references rather than
the mean over single references) was made on the 'tune' half, so the table is printed for the
'test' half (held out) as well as for all articles. The rubric weights were set by hand.

Usage: python scripts/bench_summeval.py [--data DIR] [--split all|tune|test] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

DIMENSIONS = ("coherence", "consistency", "fluency", "relevance")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "summeval"
#: G-Eval paper, Table 1 (Spearman, full 1,600-item set), as quoted in the data README.
PUBLISHED = {
    "ROUGE-1": (0.167, 0.160, 0.115, 0.326), "ROUGE-L": (0.128, 0.115, 0.105, 0.311),
    "BERTScore": (0.284, 0.110, 0.193, 0.312), "BARTScore": (0.448, 0.382, 0.356, 0.356),
    "UniEval": (0.575, 0.446, 0.449, 0.426), "G-Eval-4": (0.582, 0.507, 0.455, 0.547),
}


def half_of(doc_id: str) -> str:
    """The fixed half an article belongs to ('tune' or 'test'), from a hash of its id."""
    return "tune" if int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load(data: Path, split: str) -> tuple[dict[str, dict], list[dict]]:
    articles = {}
    for line in (data / "articles.jsonl").read_text().splitlines():
        row = json.loads(line)
        if split == "all" or half_of(row["doc_id"]) == split:
            articles[row["doc_id"]] = row
    summaries = [json.loads(line) for line in (data / "summaries.jsonl").read_text().splitlines()]
    summaries = [s for s in summaries if s["doc_id"] in articles]
    for s in summaries:
        s["human"] = {d: float(np.mean([e[d] for e in s["expert"]])) for d in DIMENSIONS}
    return articles, summaries


def rouge_scores(articles: dict[str, dict], summaries: list[dict]) -> dict[str, list[float]]:
    """ROUGE-1/2/L F1 of each summary: mean over references, and against the source."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    out: dict[str, list[float]] = {}
    for s in summaries:
        art = articles[s["doc_id"]]
        per_ref = [scorer.score(ref, s["summary"]) for ref in art["references"]]
        source = scorer.score(art["source"], s["summary"])
        for key, name in (("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"), ("rougeL", "ROUGE-L")):
            out.setdefault(f"{name} / refs", []).append(
                float(np.mean([r[key].fmeasure for r in per_ref])))
            out.setdefault(f"{name} / source", []).append(source[key].fmeasure)
    return out


def kg_scores(articles: dict[str, dict], summaries: list[dict],
              verdict_rows: dict[str, list[dict]] | None = None) -> dict[str, list[float]]:
    """kg judge expected scores per rubric against the references and against the source.

    The references side is one graph extracted from the 11 references together (their union):
    a fact counts as supported when any reference states it. This choice (over the mean of 11
    single-reference scores) was made on the 'tune' half of the articles only.
    """
    from kgjudge.compare import compare_with_pack
    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor
    from kgjudge.judge import Case, Pair, get_judge

    pack = load_pack("news")
    extractor = get_extractor(pack)
    judge = get_judge("kg", pack)
    doc_ids = list(articles)
    sources = dict(zip(doc_ids, extractor.extract_many(articles[d]["source"] for d in doc_ids),
                       strict=True))
    references = dict(zip(doc_ids, extractor.extract_many(
        "\n\n".join(articles[d]["references"]) for d in doc_ids), strict=True))
    candidates = extractor.extract_many(s["summary"] for s in summaries)
    out: dict[str, list[float]] = {}
    for s, cand in zip(summaries, candidates, strict=True):
        pair = Pair(id=f"{s['doc_id']}/{s['system']}", reference="", candidate=s["summary"],
                    source=s["system"])
        for side, reference in (("refs", references[s["doc_id"]]),
                                ("source", sources[s["doc_id"]])):
            comparison = compare_with_pack(reference, cand, pack)
            for rid in pack.default_rubrics:
                verdict = judge.judge(Case(pair, pack.rubric(rid), comparison, pack.name))
                out.setdefault(f"kg[{rid}] / {side}", []).append(float(verdict.expected_score))
                if verdict_rows is not None:
                    verdict_rows.setdefault(side, []).append({
                        "case_id": pair.id, "source": pair.source, "rubric": rid,
                        "score": verdict.score, "expected_score": verdict.expected_score,
                        "status": verdict.status})
    return out


def correlate(summaries: list[dict], metrics: dict[str, list[float]],
              n_boot: int) -> dict[str, dict[str, dict[str, list[float]]]]:
    """metric -> dimension -> {'spearman': [value, low, high], 'kendall': [...]}."""
    from kgjudge.evaluate.stats import grouped_correlation

    groups = [s["doc_id"] for s in summaries]
    table: dict[str, dict[str, dict[str, list[float]]]] = {}
    for name, values in metrics.items():
        for dim in DIMENSIONS:
            human = [s["human"][dim] for s in summaries]
            for method in ("spearman", "kendall"):
                e = grouped_correlation(method, values, human, groups, n_boot=n_boot, seed=0)
                table.setdefault(name, {}).setdefault(dim, {})[method] = [e.value, e.low, e.high]
    return table


def paired(summaries: list[dict], metrics: dict[str, list[float]], a: str, b: str,
           n_boot: int) -> dict[str, list[float]]:
    """Grouped Spearman of metric a minus metric b per dimension: [diff, low, high, p]."""
    from kgjudge.evaluate.stats import paired_difference

    groups = [s["doc_id"] for s in summaries]
    out = {}
    for dim in DIMENSIONS:
        human = [s["human"][dim] for s in summaries]
        d = paired_difference("spearman", human, metrics[a], metrics[b], groups,
                              level="grouped", n_boot=n_boot, seed=0)
        out[dim] = [d.difference, d.low, d.high, d.p_value]
    return out


def report_paired(summaries: list[dict], metrics: dict[str, list[float]],
                  n_boot: int) -> dict[str, dict[str, list[float]]]:
    """The kg judge against ROUGE-L on the same articles; printed and returned."""
    comparisons = {
        "kg[consistency] / source - ROUGE-L / refs":
            paired(summaries, metrics, "kg[consistency] / source", "ROUGE-L / refs", n_boot),
        "kg[consistency] / source - ROUGE-L / source":
            paired(summaries, metrics, "kg[consistency] / source", "ROUGE-L / source", n_boot),
        "kg[relevance] / refs - ROUGE-L / refs":
            paired(summaries, metrics, "kg[relevance] / refs", "ROUGE-L / refs", n_boot),
    }
    print("\nPaired difference in summary-level Spearman (articles resampled):")
    for name, dims in comparisons.items():
        cells = [f"{d[:3]} {v[0]:+.3f} [{v[1]:+.3f}, {v[2]:+.3f}] p={v[3]:.3f}"
                 for d, v in dims.items()]
        print(f"  {name}:\n    " + "  ".join(cells))
    return comparisons


def print_table(table: dict, n_docs: int, n_items: int) -> None:
    print(f"\nSummary-level correlation with SummEval expert ratings ({n_docs} articles, "
          f"{n_items} summaries; mean over articles; [95% CI, articles resampled])\n")
    print("| metric | " + " | ".join(f"{d[:3]} rho" for d in DIMENSIONS) + " | "
          + " | ".join(f"{d[:3]} tau" for d in DIMENSIONS) + " |")
    print("|---" * 9 + "|")
    for name, dims in table.items():
        rho = [f"{dims[d]['spearman'][0]:.3f}" for d in DIMENSIONS]
        tau = [f"{dims[d]['kendall'][0]:.3f}" for d in DIMENSIONS]
        print(f"| {name} (this run) | " + " | ".join(rho) + " | " + " | ".join(tau) + " |")
    for name, values in PUBLISHED.items():
        print(f"| {name} (published, 1,600 items) | "
              + " | ".join(f"{v:.3f}" for v in values) + " | - | - | - | - |")
    print("\nIntervals (Spearman):")
    for name, dims in table.items():
        cells = [f"{d[:3]} {dims[d]['spearman'][0]:+.3f} [{dims[d]['spearman'][1]:+.3f}, "
                 f"{dims[d]['spearman'][2]:+.3f}]" for d in DIMENSIONS]
        print(f"  {name:<28} " + "  ".join(cells))


def export(folder: Path, summaries: list[dict], verdict_rows: dict[str, list[dict]]) -> None:
    """Labels (one row per expert rating) and kg verdicts as files 'kgjudge evaluate' reads."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "labels.jsonl").open("w") as f:
        for s in summaries:
            for rating in s["expert"]:
                for dim in DIMENSIONS:
                    f.write(json.dumps({"case_id": f"{s['doc_id']}/{s['system']}",
                                        "criterion": dim, "score": rating[dim],
                                        "doc_id": s["doc_id"], "source": s["system"]}) + "\n")
    for side, rows in verdict_rows.items():
        with (folder / f"kg_{side}.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(f"wrote {folder}/labels.jsonl and kg_*.csv", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=("all", "tune", "test"), default="all",
                        help="which fixed half of the articles to score (default: all)")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--out", type=Path, help="write every figure as JSON")
    parser.add_argument("--export", type=Path, metavar="DIR",
                        help="also write labels.jsonl and the kg verdicts (kg_refs.csv, "
                             "kg_source.csv, in 'kgjudge export' columns) for 'kgjudge evaluate'")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    articles, summaries = load(args.data, args.split)
    print(f"loaded {len(articles)} articles, {len(summaries)} summaries ({args.split})",
          file=sys.stderr)
    t0 = time.perf_counter()
    rouge = rouge_scores(articles, summaries)
    t_rouge = time.perf_counter() - t0
    t0 = time.perf_counter()
    verdict_rows: dict[str, list[dict]] = {}
    kg = kg_scores(articles, summaries, verdict_rows)
    t_kg = time.perf_counter() - t0
    metrics = {**rouge, **kg}
    results = {}
    for half in (("all", "test") if args.split == "all" else (args.split,)):
        keep = [i for i, s in enumerate(summaries) if half == "all" or half_of(s["doc_id"]) == half]
        subset = [summaries[i] for i in keep]
        sub_metrics = {k: [v[i] for i in keep] for k, v in metrics.items()}
        table = correlate(subset, sub_metrics, args.bootstrap)
        print(f"\n=== articles: {half} ===")
        print_table(table, len({s['doc_id'] for s in subset}), len(subset))
        results[half] = {"table": table, "paired": report_paired(subset, sub_metrics,
                                                                  args.bootstrap)}
    if args.export:
        export(args.export, summaries, verdict_rows)
    total = time.perf_counter() - start
    print(f"\ntime: ROUGE (baseline) {t_rouge:.1f} s, kg judge (extract + compare + judge) "
          f"{t_kg:.1f} s, ratio kg/ROUGE {t_kg / t_rouge:.2f}; total {total:.1f} s")
    if args.out:
        args.out.write_text(json.dumps({"split": args.split, "articles": len(articles),
                                        "summaries": len(summaries), "results": results,
                                        "published": PUBLISHED,
                                        "seconds": {"rouge": t_rouge, "kg": t_kg,
                                                    "total": total}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
