"""Constructed graphs for the comparison tests (the worked example of docs/metrics.md)."""

from __future__ import annotations

from kgjudge.graph import ReportGraph
from kgjudge.ontology import Concept, Lexicon


def worked_reference() -> ReportGraph:
    text = "Small left pleural effusion. Pneumothorax in the lung."
    g = ReportGraph(text=text, doc_id="R")
    eff = g.add_node("effusion", "observation", span=(19, 27))
    pleura = g.add_node("pleura", "anatomy", label="pleura", span=(11, 18))
    left = g.add_node("left", "modifier", span=(6, 10))
    small = g.add_node("small", "modifier", span=(0, 5))
    ptx = g.add_node("pneumothorax", "observation", span=(29, 41))
    lung = g.add_node("lung", "anatomy", span=(49, 53))
    g.add_edge(eff, "located_at", pleura)
    g.add_edge(left, "modify", pleura)
    g.add_edge(small, "modify", eff)
    g.add_edge(ptx, "located_at", lung)
    return g


def worked_candidate() -> ReportGraph:
    text = "Small pleural effusion. Edema in the lung."
    g = ReportGraph(text=text, doc_id="C")
    eff = g.add_node("effusion", "observation", span=(14, 22))
    pleura = g.add_node("pleura", "anatomy", span=(6, 13))
    small = g.add_node("small", "modifier", span=(0, 5))
    lung = g.add_node("lung", "anatomy", span=(37, 41))
    edema = g.add_node("edema", "observation", span=(24, 29))
    g.add_edge(eff, "located_at", pleura)
    g.add_edge(small, "modify", eff)
    g.add_edge(edema, "located_at", lung)
    return g


def tiny_lexicon() -> Lexicon:
    """effusion > pleural_effusion > loculated_effusion; lung; left/right sides."""
    ns = "https://example.org/t#"
    concepts = [
        Concept("effusion", ns + "effusion", "observation", "effusion"),
        Concept("pleural_effusion", ns + "pleural_effusion", "observation", "pleural effusion",
                broader=("effusion",)),
        Concept("loculated_effusion", ns + "loculated_effusion", "observation",
                "loculated effusion", broader=("pleural_effusion",)),
        Concept("deep_effusion", ns + "deep_effusion", "observation", "deep effusion",
                broader=("loculated_effusion",)),
        Concept("lung", ns + "lung", "anatomy", "lung"),
        Concept("left", ns + "left", "modifier", "left", side="left"),
        Concept("right", ns + "right", "modifier", "right", side="right"),
    ]
    return Lexicon(namespace=ns, concepts={c.id: c for c in concepts})
