"""Corpus comparison, ReXKG's own setting: all reports of one source against all of another.

Each source's reports are unioned into a `CorpusGraph` whose node and edge counts are document
frequencies (a report counts once per concept). Nodes seen in fewer than ``min_count`` reports are
dropped before scoring. The same scores as for a pair are computed overall and per entity type,
beside a knowledge-gap table: reference concepts the candidate source rarely or never produces,
and concepts it produces far more often than the reference does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from kgjudge.compare.model import Comparison, Scores
from kgjudge.domain import DEFAULT_COMPARE, CompareSettings
from kgjudge.graph import Node, ReportGraph
from kgjudge.ontology import Lexicon

Triple = tuple[str, str, str]


@dataclass
class CorpusGraph:
    """Union of report graphs with document frequencies; add reports one at a time."""

    assertion: str = "respect"
    """Identity rule: 'respect' (key and assertion) or 'ignore' (key only)."""
    documents: int = 0
    node_counts: Counter[str] = field(default_factory=Counter)
    nodes: dict[str, Node] = field(default_factory=dict)
    """Identity -> node (key, type, assertion, label; no spans)."""
    edge_counts: Counter[Triple] = field(default_factory=Counter)

    @classmethod
    def from_graphs(cls, graphs: Iterable[ReportGraph], *,
                    assertion: str = "respect") -> CorpusGraph:
        corpus = cls(assertion=assertion)
        for graph in graphs:
            corpus.add(graph)
        return corpus

    def identity(self, node: Node) -> str:
        return node.id if self.assertion == "respect" else node.key

    def add(self, graph: ReportGraph) -> None:
        """Count one report (each concept and edge once, however often it is mentioned)."""
        ident: dict[str, str] = {}
        for node in graph.nodes():
            key = self.identity(node)
            ident[node.id] = key
            if key not in self.nodes:
                assertion = node.assertion if self.assertion == "respect" else "present"
                self.nodes[key] = Node(key=node.key, type=node.type, assertion=assertion,
                                       label=node.label, in_ontology=node.in_ontology)
        self.node_counts.update(set(ident.values()))
        self.edge_counts.update({(ident[e.source], e.relation, ident[e.target])
                                 for e in graph.edges() if ident[e.source] != ident[e.target]})
        self.documents += 1

    def to_graph(self, *, min_count: int = 1, types: Iterable[str] | None = None) -> ReportGraph:
        """The union graph of nodes seen in at least ``min_count`` reports (of ``types``)."""
        keep_types = None if types is None else frozenset(types)
        graph = ReportGraph(doc_id=f"corpus of {self.documents} reports")
        ids: dict[str, str] = {}
        for key in sorted(self.nodes):
            node = self.nodes[key]
            if self.node_counts[key] >= min_count and (keep_types is None
                                                       or node.type in keep_types):
                ids[key] = graph.add_node(node.key, node.type, assertion=node.assertion,
                                          label=node.label, in_ontology=node.in_ontology)
        for source, relation, target in sorted(self.edge_counts):
            if source in ids and target in ids:
                graph.add_edge(ids[source], relation, ids[target])
        return graph

    def rate(self, key: str) -> float:
        return self.node_counts[key] / self.documents if self.documents else 0.0


@dataclass(frozen=True)
class GapRow:
    """One concept produced at a very different rate by the two sources."""

    kind: str
    """'under' (the candidate source rarely or never produces it) or 'over'."""
    key: str
    label: str
    type: str
    assertion: str
    reference_count: int
    candidate_count: int
    reference_rate: float
    """Share of reference reports mentioning the concept."""
    candidate_rate: float

    def line(self) -> str:
        what = self.label if self.assertion == "present" else f"{self.label} ({self.assertion})"
        return (f"{self.kind:5} {what} [{self.type}]: reference {self.reference_count} "
                f"({self.reference_rate:.1%}), candidate {self.candidate_count} "
                f"({self.candidate_rate:.1%})")


@dataclass(frozen=True)
class CorpusComparison:
    """Scores of two corpus graphs, overall and per entity type, with the knowledge gaps."""

    overall: Comparison
    by_type: dict[str, Scores]
    gaps: tuple[GapRow, ...]
    reference_documents: int
    candidate_documents: int
    min_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_documents": self.reference_documents,
            "candidate_documents": self.candidate_documents,
            "min_count": self.min_count,
            "scores": self.overall.scores.as_dict(),
            "by_type": {t: s.as_dict() for t, s in self.by_type.items()},
            "gaps": [asdict(g) for g in self.gaps],
        }


def knowledge_gaps(reference: CorpusGraph, candidate: CorpusGraph, *, min_count: int = 1,
                   rare_ratio: float = 0.5, over_ratio: float = 2.0) -> list[GapRow]:
    """Concepts whose candidate rate is below ``rare_ratio`` x (or above ``over_ratio`` x) the
    reference rate; only concepts seen ``min_count`` times on the side that has them.

    Rates are shares of each source's reports, so sources of different sizes compare fairly.
    Under-produced concepts come first, biggest rate difference first.
    """
    rows = []
    for key in sorted(set(reference.nodes) | set(candidate.nodes)):
        r_count, c_count = reference.node_counts[key], candidate.node_counts[key]
        r_rate, c_rate = reference.rate(key), candidate.rate(key)
        if r_count >= min_count and c_rate < rare_ratio * r_rate:
            kind = "under"
        elif c_count >= min_count and c_rate > over_ratio * r_rate:
            kind = "over"
        else:
            continue
        node = reference.nodes.get(key) or candidate.nodes[key]
        rows.append(GapRow(kind, node.key, node.label or node.key, node.type, node.assertion,
                           r_count, c_count, r_rate, c_rate))
    rows.sort(key=lambda g: (g.kind != "under", -abs(g.reference_rate - g.candidate_rate), g.key))
    return rows


def compare_corpora(reference: Iterable[ReportGraph] | CorpusGraph,
                    candidate: Iterable[ReportGraph] | CorpusGraph, *,
                    lexicon: Lexicon | None = None,
                    settings: CompareSettings = DEFAULT_COMPARE,
                    finding_roots: Iterable[str] = ("observation", "device"),
                    min_count: int = 1, rare_ratio: float = 0.5,
                    over_ratio: float = 2.0) -> CorpusComparison:
    """Compare two sources of reports as ReXKG does (see the module docstring).

    Args:
        reference: Reference reports' graphs (streamed), or their CorpusGraph.
        candidate: Candidate reports' graphs, or their CorpusGraph.
        lexicon: The ontology, for partial credit.
        settings: As for `compare`; the assertion rule also decides corpus node identity.
        finding_roots: Types that root a finding subgraph.
        min_count: Drop nodes seen in fewer reports (ReXKG used 10 on large corpora).
        rare_ratio: A reference concept is a gap when the candidate rate is below this share.
        over_ratio: A concept is over-produced above this multiple of the reference rate.
    """
    from kgjudge.compare import compare

    ref_corpus = _corpus(reference, settings.assertion)
    cand_corpus = _corpus(candidate, settings.assertion)
    roots = tuple(finding_roots)

    def run(types: Iterable[str] | None) -> Comparison:
        return compare(ref_corpus.to_graph(min_count=min_count, types=types),
                       cand_corpus.to_graph(min_count=min_count, types=types),
                       lexicon=lexicon, settings=settings, finding_roots=roots)

    overall = run(None)
    kinds = sorted({n.type for n in ref_corpus.nodes.values()}
                   | {n.type for n in cand_corpus.nodes.values()})
    by_type = {t: run([t]).scores for t in kinds}
    gaps = knowledge_gaps(ref_corpus, cand_corpus, min_count=min_count, rare_ratio=rare_ratio,
                          over_ratio=over_ratio)
    return CorpusComparison(overall=overall, by_type=by_type, gaps=tuple(gaps),
                            reference_documents=ref_corpus.documents,
                            candidate_documents=cand_corpus.documents, min_count=min_count)


def _corpus(source: Iterable[ReportGraph] | CorpusGraph, assertion: str) -> CorpusGraph:
    if isinstance(source, CorpusGraph):
        if source.assertion != assertion:
            raise ValueError(f"corpus graph counts identities with assertion="
                             f"{source.assertion!r}, but settings say {assertion!r}")
        return source
    return CorpusGraph.from_graphs(source, assertion=assertion)
