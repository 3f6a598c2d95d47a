"""``kgjudge score REF CAND``: graph-comparison scores and the readable diff of one pair."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from kgjudge.cli.common import read_document_arg

if TYPE_CHECKING:
    from kgjudge.compare import Comparison
    from kgjudge.domain import DomainPack
    from kgjudge.graph import ReportGraph


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "score", help="compare a candidate document with a reference through their graphs",
        description="Extract both documents' graphs, align them and print the ReXKG-style "
                    "scores and the diff (definitions: docs/metrics.md). A file ending in .json "
                    "is read as a graph (the output of 'kgjudge extract'). '-' reads stdin.")
    parser.add_argument("reference", metavar="REF", help="reference text file, graph .json, or -")
    parser.add_argument("candidate", metavar="CAND", help="candidate text file, graph .json, or -")
    parser.add_argument("--domain", default="radiology",
                        help="pack name or folder (default: radiology)")
    parser.add_argument("--extractor", default=None,
                        help="rules, spacy or llm (default: the pack's [extractor].name)")
    parser.add_argument("--assertion", choices=("respect", "ignore"), default=None,
                        help="override the pack's [compare].assertion; 'ignore' gives "
                             "ReXKG-compatible numbers")
    parser.add_argument("--matched", action="store_true", help="also list matched facts")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with the scores, the diff and the alignment")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from kgjudge.compare import compare
    from kgjudge.domain import load_pack
    from kgjudge.errors import InputError

    if args.reference == "-" and args.candidate == "-":
        raise InputError("REF and CAND cannot both be '-': stdin can be read only once; "
                         "pass one of them as a file")
    pack = load_pack(args.domain)
    sources = {"reference": args.reference, "candidate": args.candidate}
    raw = {side: read_document_arg(name) for side, name in sources.items()}
    graphs = _graphs(pack, sources, raw, args.extractor)
    settings = pack.compare if args.assertion is None else replace(pack.compare,
                                                                   assertion=args.assertion)
    result = compare(graphs["reference"], graphs["candidate"], lexicon=pack.lexicon,
                     settings=settings, finding_roots=pack.finding_roots,
                     modifier_types=pack.relations.clause.modify_types)
    if args.json:
        json.dump(as_json(result, pack.name), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(result, include_matched=args.matched))
    return 0



def _graphs(pack: DomainPack, sources: dict[str, str], raw: dict[str, str],
            extractor_name: str | None) -> dict[str, ReportGraph]:
    from kgjudge.errors import InputError
    from kgjudge.graph import ReportGraph

    graphs: dict[str, ReportGraph] = {}
    for side, name in sources.items():
        if name.endswith(".json"):
            try:
                graphs[side] = ReportGraph.from_json(raw[side])
            except (ValueError, KeyError, TypeError) as e:
                raise InputError(f"{name} is not a kgjudge graph ({e}); write one with "
                                 "'kgjudge extract FILE --format json', or pass the text") from e
    texts = {side: raw[side] for side in sources if side not in graphs}
    if texts:
        from kgjudge.extract import get_extractor

        extractor = get_extractor(pack, extractor_name)
        for side, text in texts.items():
            graphs[side] = extractor.extract(text, doc_id=sources[side])
    return graphs


def render(result: Comparison, *, include_matched: bool = False) -> str:
    """The scores, then the diff lines, as plain text."""
    s = result.scores

    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"nodes  precision {fmt(s.node_precision)}  recall {fmt(s.node_recall)}  "
        f"F1 {fmt(s.node_f1)}  ({s.matched:g} matched; {s.reference_nodes} reference, "
        f"{s.candidate_nodes} candidate)",
        f"edges  precision {fmt(s.edge_precision)}  recall {fmt(s.edge_recall)}  "
        f"F1 {fmt(s.edge_f1)}  ({s.reference_edges} reference, {s.candidate_edges} candidate)",
        f"ReXKG  NSC {fmt(s.nsc)}  AMS {fmt(s.ams)}  SCS {fmt(s.scs)}  "
        f"subgraph precision {fmt(s.subgraph_precision)}",
        f"contradictions {s.contradictions}",
    ]
    diff = result.diff.lines(include_matched=include_matched)
    lines += ["", *diff] if diff else ["", "no differences"]
    return "\n".join(lines) + "\n"


def as_json(result: Comparison, domain: str) -> dict:
    return {
        "domain": domain,
        "scores": result.scores.as_dict(),
        "diff": result.diff.to_dict(),
        "lines": result.diff.lines(),
        "alignment": {
            "pairs": [list(p) for p in result.alignment.pairs],
            "reference_unmatched": list(result.alignment.reference_unmatched),
            "candidate_unmatched": list(result.alignment.candidate_unmatched),
            "contradictions": [list(p) for p in result.alignment.contradictions],
        },
    }
