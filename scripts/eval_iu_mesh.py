"""Check the rules extractor against the human MeSH coding of the IU chest X-ray reports.

    python scripts/eval_iu_mesh.py [--domain radiology] [--reports PATH] [--top 30] [--misses N]

For the ``--top`` most frequent coded finding heads (MeSH heading, or ``Heading/attribute`` where
the pack's mesh mapping has that pair, e.g. ``Lung/hypoinflation``, ``Aorta/tortuous``):
- recall: the share of coded findings whose concept (or a descendant) is in the report's graph,
  asserted present;
- side agreement: of the found findings coded with left / right / bilateral, the share whose
  graph side agrees (side of the anatomy it is located_at, or of a modifier on it or its anatomy,
  or the same for the finding that is suggestive_of it; bilateral agrees with left and right);
and on reports coded ``normal``: the share with any present finding (types in finding_roots).

MeSH headings map to concepts through the pack's ``mappings/mesh.csv``, never in code. Reports are
split by uid parity into a tuning half (even) and a held-out half (odd); both are reported.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_REPORTS = Path(__file__).resolve().parents[2] / "shared/data/iu-xray/indiana_reports.csv"
SIDES = ("left", "right", "bilateral")
NOT_FINDINGS = {"normal", "No Indexing"}


@dataclass(frozen=True)
class Coded:
    """One coded finding of a report."""

    head: str
    concept: str | None
    side: str | None


@dataclass
class Tally:
    found: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    side_ok: Counter = field(default_factory=Counter)
    side_total: Counter = field(default_factory=Counter)
    normal_reports: int = 0
    normal_with_finding: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    false_positives: list[tuple[str, str]] = field(default_factory=list)


def coded_findings(mesh: str, mapping: dict[str, str]) -> list[Coded]:
    """Finding heads of a report's MeSH field, mapped to concepts through the pack."""
    result = []
    for term in (t.strip() for t in mesh.split(";")):
        parts = [p.strip() for p in term.split("/")]
        if not parts[0] or parts[0] in NOT_FINDINGS:
            continue
        head = next((f"{parts[0]}/{a}" for a in parts[1:] if f"{parts[0]}/{a}" in mapping),
                    parts[0])
        sides = {a.lower() for a in parts[1:]} & set(SIDES)
        side = "bilateral" if "bilateral" in sides or sides == {"left", "right"} else \
            next(iter(sides), None)
        result.append(Coded(head, mapping.get(head) or None, side))
    return result


def graph_sides(graph, nid: str, lexicon) -> set[str]:  # noqa: ANN001
    """Sides the graph gives a node: its anatomy's, or a modifier's on it or on its anatomy."""
    def side_of(node_id: str) -> str | None:
        concept = lexicon.get(graph.node(node_id).key)
        return concept.side if concept else None

    sides: set[str] = set()
    # What a finding suggests takes the place of the finding that suggests it ("left basilar
    # opacity, likely atelectasis": the atelectasis is left basilar).
    origins = [e.source for e in graph.in_edges(nid) if e.relation == "suggestive_of"]
    places = [e.target for n in (nid, *origins) for e in graph.out_edges(n)
              if e.relation == "located_at"]
    for target in [nid, *origins, *places]:
        if side_of(target):  # lateral anatomy, or a sided finding ("dextroscoliosis")
            sides.add(side_of(target))
        for e in graph.in_edges(target):
            if e.relation == "modify" and side_of(e.source):
                sides.add(side_of(e.source))
    if {"left", "right"} <= sides:
        sides.add("bilateral")
    if "bilateral" in sides:  # both sides: a finding coded once per side agrees on each
        sides |= {"left", "right"}
    return sides


def score_report(graph, coded: list[Coded], pack, tally: Tally, uid: str) -> None:  # noqa: ANN001
    lexicon = pack.lexicon
    present = [n for n in graph.nodes() if n.assertion == "present"]
    for item in coded:
        tally.total[item.head] += 1
        hits = [n for n in present if item.concept and
                (n.key == item.concept or item.concept in lexicon.ancestors(n.key))]
        if not hits:
            tally.misses.append((uid, item.head, item.concept or "(unmapped)"))
            continue
        tally.found[item.head] += 1
        if item.side:
            tally.side_total[item.head] += 1
            sides = set().union(*(graph_sides(graph, n.id, lexicon) for n in hits))
            tally.side_ok[item.head] += item.side in sides


def evaluate(rows: list[dict[str, str]], pack, extractor) -> Tally:  # noqa: ANN001
    mapping = pack.mappings.get("mesh", {})
    tally = Tally()
    texts = [report_text(r) for r in rows]
    for row, graph in zip(rows, extractor.extract_many(texts), strict=True):
        if row["MeSH"].strip() == "normal":
            tally.normal_reports += 1
            abnormal = [n for n in graph.nodes()
                        if n.assertion == "present" and n.type in pack.finding_roots]
            if abnormal:
                tally.normal_with_finding += 1
                tally.false_positives.append((row["uid"], ", ".join(n.key for n in abnormal)))
            continue
        score_report(graph, coded_findings(row["MeSH"], mapping), pack, tally, row["uid"])
    return tally


def report_text(row: dict[str, str]) -> str:
    return " ".join(t for t in (row["findings"], row["impression"]) if t.strip())


def summary(name: str, tally: Tally, heads: list[str]) -> dict[str, float]:
    found = sum(tally.found[h] for h in heads)
    total = sum(tally.total[h] for h in heads)
    side_ok = sum(tally.side_ok[h] for h in heads)
    side_total = sum(tally.side_total[h] for h in heads)
    figures = {
        "recall": found / total if total else 0.0,
        "side_agreement": side_ok / side_total if side_total else 0.0,
        "normal_with_finding": tally.normal_with_finding / max(tally.normal_reports, 1),
    }
    print(f"{name}: recall {figures['recall']:.3f} ({found}/{total}); side agreement "
          f"{figures['side_agreement']:.3f} ({side_ok}/{side_total}); normal reports with a "
          f"present finding {figures['normal_with_finding']:.3f} "
          f"({tally.normal_with_finding}/{tally.normal_reports})")
    return figures


def print_heads(tally: Tally, heads: list[str], mapping: dict[str, str]) -> None:
    print(f"  {'head':45} {'concept':24} {'recall':>14} {'side':>12}")
    for h in heads:
        found, total = tally.found[h], tally.total[h]
        side = f"{tally.side_ok[h]}/{tally.side_total[h]}" if tally.side_total[h] else "-"
        print(f"  {h[:45]:45} {mapping.get(h, '(unmapped)')[:24]:24} "
              f"{found / total:6.2f} {found:>3}/{total:<4} {side:>12}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="radiology")
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--misses", type=int, default=0, help="print N misses and false "
                                                              "positives to stderr")
    args = parser.parse_args(argv)

    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor

    pack = load_pack(args.domain)
    if "mesh" not in pack.mappings:
        print(f"pack '{pack.name}' has no [mappings].mesh", file=sys.stderr)
        return 2
    with args.reports.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    extractor = get_extractor(pack, "rules")
    halves = {"tuning (even uid)": [r for r in rows if int(r["uid"]) % 2 == 0],
              "held-out (odd uid)": [r for r in rows if int(r["uid"]) % 2 == 1]}
    tallies = {name: evaluate(part, pack, extractor) for name, part in halves.items()}
    overall = Tally()
    for t in tallies.values():
        for attr in ("found", "total", "side_ok", "side_total"):
            getattr(overall, attr).update(getattr(t, attr))
        overall.normal_reports += t.normal_reports
        overall.normal_with_finding += t.normal_with_finding
    heads = [h for h, _ in overall.total.most_common(args.top)]
    print(f"{len(rows)} reports; the {len(heads)} most frequent coded finding heads:")
    print_heads(overall, heads, pack.mappings["mesh"])
    for name, t in tallies.items():
        summary(name, t, heads)
    summary("all", overall, heads)
    if args.misses:
        for t in tallies.values():
            for miss in t.misses[: args.misses]:
                print("miss", *miss, file=sys.stderr)
            for fp in t.false_positives[: args.misses]:
                print("normal-fp", *fp, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
