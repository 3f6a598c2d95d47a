"""``kgjudge extract FILE...``: print each document's entity-relation graph."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kgjudge.cli.common import read_document_arg

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.graph import ReportGraph

FORMATS = ("json", "jsonl", "turtle", "graphml", "table")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("extract", help="extract entity-relation graphs from documents",
                            description="Extract each document's graph with the domain pack's "
                                        "extractor and print it. '-' reads stdin.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="text files, or - for stdin")
    parser.add_argument("--domain", default="radiology", help="pack name or folder "
                                                               "(default: radiology)")
    parser.add_argument("--extractor", default=None,
                        help="rules, spacy or llm (default: the pack's [extractor].name)")
    parser.add_argument("--model", default=None,
                        help="spacy: pipeline name or folder; llm: model name on the server")
    parser.add_argument("--base-url", default=None,
                        help="llm: OpenAI-compatible server URL (e.g. http://127.0.0.1:8000/v1)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="json (one file), jsonl (one graph per line; the default for "
                             "several files), turtle, graphml, table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kgjudge.domain import load_pack
    from kgjudge.errors import ConfigError
    from kgjudge.extract import get_extractor
    from kgjudge.runtime import settle

    fmt = args.format or ("jsonl" if len(args.files) > 1 else "json")
    documents = [(name, read_document_arg(name)) for name in args.files]
    pack = load_pack(args.domain)
    name = args.extractor or pack.extractor.name
    options = {k: v for k, v in (("model", args.model), ("base_url", args.base_url)) if v}
    if "base_url" in options and name != "llm" or options and name == "rules":
        raise ConfigError(f"--model / --base-url do not apply to the '{name}' extractor")
    extractor = get_extractor(pack, name, **options)
    settle()  # the pack and the extractor live as long as the run
    graphs = extractor.extract_many(text for _, text in documents)
    for (name, _), graph in zip(documents, graphs, strict=True):
        graph.doc_id = name
        sys.stdout.write(_render(graph, fmt, pack, several=len(documents) > 1))
    return 0



def _render(graph: ReportGraph, fmt: str, pack: DomainPack, *, several: bool) -> str:
    if fmt == "jsonl":
        return graph.to_json() + "\n"
    if fmt == "json":
        return graph.to_json(indent=2) + "\n"
    header = f"# {graph.doc_id}\n" if several else ""
    if fmt == "turtle":
        return header + graph.to_turtle(pack.namespace, concept_iri=pack.lexicon.iri)
    if fmt == "graphml":
        return graph.to_graphml() + "\n"
    return header + table(graph) + "\n"


def table(graph: ReportGraph) -> str:
    """Entities (type, assertion, spans) then relations, as aligned plain text."""
    rows = [("entity", "type", "assertion", "span")]
    for n in sorted(graph.nodes(), key=lambda n: n.spans[:1]):
        spans = ", ".join(f"{a}-{b} {graph.text[a:b]!r}" for a, b in n.spans)
        assertion = n.assertion + (" (historical)" if n.historical else "")
        rows.append((n.key, n.type, assertion, spans))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3]
             for r in rows]
    edges = graph.edges()
    if edges:
        lines += ["", "relations:"]
        lines += [f"  {e.source} -{e.relation}-> {e.target}" for e in edges]
    return "\n".join(line.rstrip() for line in lines)
