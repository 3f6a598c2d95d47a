"""Correctness gate for performance work: a digest of every IU graph and of 500 comparisons.

    python scripts/check_graphs_unchanged.py [--record FILE | --check FILE]

Extracts the findings + impression of all 3,851 IU X-ray reports with the radiology pack's
``rules`` extractor (each report twice: cold, then with every sentence cached, which must give
the same graph), and compares 500 realistic (reference, candidate) pairs made as
scripts/bench_score.py makes them (scores, alignment and diff). Prints one SHA-256 per part;
``--record`` writes them to FILE, ``--check`` exits 1 when they differ from FILE's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_extract import DEFAULT_REPORTS, report_texts  # noqa: E402
from bench_score import load_reports, make_pairs  # noqa: E402


def graph_digest(graphs) -> str:  # noqa: ANN001
    h = hashlib.sha256()
    for g in graphs:
        h.update(g.to_json(sort_keys=True).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def comparison_record(c) -> str:  # noqa: ANN001
    return json.dumps({"scores": c.scores.as_dict(), "alignment": asdict(c.alignment),
                       "diff": c.diff.to_dict()}, sort_keys=True)


def digests(limit: int | None = None) -> dict[str, str]:
    from kgjudge.compare import compare_with_pack
    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor
    from kgjudge.judge.base import Pair
    from kgjudge.pipeline import Pipeline

    pack = load_pack("radiology")
    texts = report_texts(DEFAULT_REPORTS)[:limit]
    extractor = get_extractor(pack, "rules")
    cold = list(extractor.extract_many(texts))
    warm = [extractor.extract(t) for t in texts]
    one_by_one = get_extractor(pack, "rules", cache_size=0)
    uncached = [one_by_one.extract(t) for t in texts[:500]]
    pairs = make_pairs(load_reports(DEFAULT_REPORTS), 500, seed=0)
    h_cmp, h_pipe = hashlib.sha256(), hashlib.sha256()
    pipeline = Pipeline(pack, extractor=extractor, cache_size=64)
    for i, (r, c) in enumerate(pairs):
        comparison = compare_with_pack(extractor.extract(r), extractor.extract(c), pack)
        h_cmp.update(comparison_record(comparison).encode("utf-8"))
        piped = pipeline.compare_pair(Pair(id=str(i), reference=r, candidate=c))
        h_pipe.update(json.dumps(piped.scores.as_dict(), sort_keys=True).encode("utf-8"))
    return {"graphs_cold": graph_digest(cold), "graphs_warm": graph_digest(warm),
            "graphs_no_cache_500": graph_digest(uncached),
            "graphs_cold_first_500": graph_digest(cold[:500]),
            "compare_500": h_cmp.hexdigest(), "pipeline_scores_500": h_pipe.hexdigest()}


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Float sums over sets of strings (edge weights, AMS rows) follow the hash seed, so the
        # last bits of some scores vary between processes: compare runs under one seed.
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--record", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    found = digests()
    print(json.dumps(found, indent=2))
    if found["graphs_cold"] != found["graphs_warm"] or \
            found["graphs_no_cache_500"] != found["graphs_cold_first_500"]:
        print("cached and uncached extraction differ", file=sys.stderr)
        return 1
    if args.record:
        args.record.write_text(json.dumps(found, indent=2) + "\n")
    if args.check:
        expected = json.loads(args.check.read_text())
        bad = [k for k in expected if expected[k] != found.get(k)]
        if bad:
            print(f"CHANGED: {', '.join(bad)}", file=sys.stderr)
            return 1
        print("unchanged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
