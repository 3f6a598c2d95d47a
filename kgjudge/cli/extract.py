"""``kgjudge extract FILE...``: print each document's entity-relation graph."""

from __future__ import annotations

import argparse
import sys
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kgjudge.cli.common import read_document_arg
from kgjudge.errors import InputError

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.graph import ReportGraph

FORMATS = ("json", "jsonl", "turtle", "graphml", "table")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("extract", help="extract entity-relation graphs from documents",
                            description="Extract each document's graph with the domain pack's "
                                        "extractor and print it. '-' reads stdin.",
                            epilog="Of several files, one that cannot be read (missing, "
                                   "binary, not UTF-8, too large) is named on stderr and "
                                   "skipped. Exit code: 0 every file extracted, 1 some "
                                   "skipped, 2 usage error or a single unreadable file.")
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

    several = len(args.files) > 1
    fmt = args.format or ("jsonl" if several else "json")
    skipped: list[str] = []
    names: deque[str] = deque()  # of the texts handed to the extractor, in order
    if several:
        texts = _readable(args.files, names, skipped)
    else:  # one file: read before loading anything, and an unreadable one is the error
        texts = iter([read_document_arg(args.files[0])])
        names.append(args.files[0])
    pack = load_pack(args.domain)
    name = args.extractor or pack.extractor.name
    options = {k: v for k, v in (("model", args.model), ("base_url", args.base_url)) if v}
    if "base_url" in options and name != "llm" or options and name == "rules":
        raise ConfigError(f"--model / --base-url do not apply to the '{name}' extractor")
    extractor = get_extractor(pack, name, **options)
    settle()  # the pack and the extractor live as long as the run
    for graph in extractor.extract_many(texts):
        graph.doc_id = names.popleft()
        sys.stdout.write(_render(graph, fmt, pack, several=several))
    if skipped:
        print(f"kgjudge: {len(skipped)} of {len(args.files)} files skipped (named above); the "
              "others were extracted", file=sys.stderr)
        return 1
    return 0


def _readable(files: list[str], names: deque[str], skipped: list[str]) -> Iterator[str]:
    """The text of each file in turn, read as the extractor asks (output starts at once and
    memory stays flat); one that cannot be read is named on stderr and skipped, not the end of
    the run."""
    for name in files:
        try:
            text = read_document_arg(name)
        except InputError as e:
            skipped.append(name)
            print(f"kgjudge: skipped: {e}", file=sys.stderr, flush=True)
            continue
        names.append(name)
        yield text


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
