"""Mine vocabulary from the IU X-ray reports for the radiology domain pack.

Counts word n-grams in the findings and impression columns and the MeSH headings and
first attributes, so the ontology can be built from how reports are really written.

    .venv/bin/python scripts/radiology_vocab.py ngrams --n 2 --top 200
    .venv/bin/python scripts/radiology_vocab.py mesh --top 80
    .venv/bin/python scripts/radiology_vocab.py grep "costophrenic"
    .venv/bin/python scripts/radiology_vocab.py coverage   # words not covered by the lexicon
    .venv/bin/python scripts/radiology_vocab.py check      # label clashes, counts by type
    .venv/bin/python scripts/radiology_vocab.py eval       # MeSH recall, normal-report false positives

`check` and `eval` use a deliberately small stand-in for the real extractor (longest-match phrase
matching of the pack's labels plus ConText triggers), so the pack can be tuned before, and
independently of, kgjudge's own extractor.
"""
from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

DATA = Path("/work/shared/data/iu-xray/indiana_reports.csv")
WORD = re.compile(r"[a-z][a-z\-']*|\d+(?:\.\d+)?")


def reports(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def texts(rows: list[dict[str, str]]) -> list[str]:
    return [f"{r['findings']} {r['impression']}".lower() for r in rows]


def ngrams(rows, n: int, top: int) -> None:
    counts: Counter[str] = Counter()
    for text in texts(rows):
        for sentence in re.split(r"[.;:]", text):
            words = WORD.findall(sentence)
            for i in range(len(words) - n + 1):
                counts[" ".join(words[i : i + n])] += 1
    for gram, c in counts.most_common(top):
        print(f"{c:6d}  {gram}")


def mesh(rows, top: int) -> None:
    heads: Counter[str] = Counter()
    firsts: Counter[str] = Counter()
    attrs: Counter[str] = Counter()
    for r in rows:
        for term in r["MeSH"].split(";"):
            parts = [p.strip() for p in term.split("/")]
            heads[parts[0]] += 1
            if len(parts) > 1:
                firsts[f"{parts[0]}/{parts[1]}"] += 1
            for a in parts[1:]:
                attrs[a] += 1
    print("== headings")
    for h, c in heads.most_common(top):
        print(f"{c:6d}  {h}")
    print("== heading/first attribute")
    for h, c in firsts.most_common(top):
        print(f"{c:6d}  {h}")
    print("== attributes")
    for h, c in attrs.most_common(top):
        print(f"{c:6d}  {h}")


def grep(rows, pattern: str, top: int) -> None:
    rx = re.compile(pattern, re.I)
    counts: Counter[str] = Counter()
    for text in texts(rows):
        for sentence in re.split(r"(?<=[.;])\s+", text):
            if rx.search(sentence):
                counts[sentence.strip()] += 1
    for s, c in counts.most_common(top):
        print(f"{c:5d}  {s}")


def labels_from_ontology(path: Path) -> set[str]:
    import rdflib
    from rdflib.namespace import SKOS

    g = rdflib.Graph().parse(path)
    out: set[str] = set()
    for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
        for _, _, o in g.triples((None, p, None)):
            out.add(str(o).lower())
    return out


def coverage(rows, top: int, ontology: Path) -> None:
    """Words frequent in reports that appear in no label (after naive plural stripping)."""
    words_in_labels: set[str] = set()
    for label in labels_from_ontology(ontology):
        for w in WORD.findall(label):
            words_in_labels.update({w, w + "s", w + "es", w[:-1] + "ies" if w.endswith("y") else w})
    counts: Counter[str] = Counter()
    for text in texts(rows):
        counts.update(w for w in WORD.findall(text) if not w[0].isdigit())
    for w, c in counts.most_common():
        if w not in words_in_labels and top > 0:
            print(f"{c:6d}  {w}")
            top -= 1


PACK = Path("domains/radiology")
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
KGJ_NS = "https://kgjudge.dev/ns#"
FINDING_TYPES = {"observation", "device"}
SKIPPED_MESH = {"normal", "No Indexing", "Technical Quality of Image Unsatisfactory"}


def plurals(label: str) -> set[str]:
    """Regular plural of a label's last word (the loader generates these)."""
    if not label or not label[-1].isalpha():
        return set()
    if label.endswith("y") and label[-2:-1] not in set("aeiou"):
        return {label[:-1] + "ies"}
    if label.endswith(("s", "x", "z", "ch", "sh")):
        return {label + "es"}
    return {label + "s"}


class Lexicon:
    """Concepts, types, labels and broader links read straight from the pack's Turtle."""

    def __init__(self, path: Path) -> None:
        import rdflib
        from rdflib.namespace import RDF, SKOS

        g = rdflib.Graph().parse(path)
        ns = "https://kgjudge.dev/radiology#"
        kgj = rdflib.Namespace(KGJ_NS)
        self.ids = sorted(str(s)[len(ns):] for s in g.subjects(RDF.type, SKOS.Concept) if str(s).startswith(ns))
        self.broader: dict[str, list[str]] = {c: [] for c in self.ids}
        self.own_type: dict[str, str] = {}
        self.labels: dict[str, list[tuple[str, str]]] = {c: [] for c in self.ids}
        self.side: dict[str, str] = {}
        for c in self.ids:
            node = rdflib.URIRef(ns + c)
            self.broader[c] = [str(o)[len(ns):] for o in g.objects(node, SKOS.broader)]
            t = g.value(node, kgj.entityType)
            if t is not None:
                self.own_type[c] = str(t)
            sd = g.value(node, kgj.side)
            if sd is not None:
                self.side[c] = str(sd)
            for kind, pred in (("pref", SKOS.prefLabel), ("alt", SKOS.altLabel), ("hidden", SKOS.hiddenLabel)):
                for o in g.objects(node, pred):
                    self.labels[c].append((kind, str(o)))

    def type_of(self, c: str, seen: tuple[str, ...] = ()) -> str | None:
        if c in self.own_type:
            return self.own_type[c]
        for b in self.broader.get(c, []):
            if b not in seen:
                t = self.type_of(b, seen + (c,))
                if t:
                    return t
        return None

    def ancestors(self, c: str) -> set[str]:
        out: set[str] = set()
        todo = list(self.broader.get(c, []))
        while todo:
            b = todo.pop()
            if b not in out:
                out.add(b)
                todo.extend(self.broader.get(b, []))
        return out

    def surface_forms(self) -> dict[str, set[str]]:
        """lower-cased label (and generated plural) -> concepts that carry it."""
        forms: dict[str, set[str]] = {}
        for c, labels in self.labels.items():
            for _, lab in labels:
                low = lab.lower()
                for f in {low} | plurals(low):
                    forms.setdefault(f, set()).add(c)
        return forms


def check(ontology: Path) -> None:
    lex = Lexicon(ontology)
    problems = 0
    for c in lex.ids:
        prefs = [label for k, label in lex.labels[c] if k == "pref"]
        if len(prefs) != 1:
            print(f"{c}: {len(prefs)} prefLabels")
            problems += 1
        if lex.type_of(c) is None:
            print(f"{c}: no type")
            problems += 1
        for b in lex.broader[c]:
            if b not in lex.broader:
                print(f"{c}: broader {b} is not a concept")
                problems += 1
        if c in lex.ancestors(c):
            print(f"{c}: broader cycle")
            problems += 1
    for form, cs in sorted(lex.surface_forms().items()):
        if len(cs) > 1:
            print(f"label clash {form!r}: {sorted(cs)}")
            problems += 1
    counts = Counter(lex.type_of(c) for c in lex.ids)
    print(f"{len(lex.ids)} concepts: " + ", ".join(f"{t} {n}" for t, n in counts.most_common()))
    print(f"{sum(len(v) for v in lex.labels.values())} labels; {problems} problems")


class MiniExtractor:
    """Longest-match label matching + ConText: a stand-in for the pack's real extractor."""

    def __init__(self, pack: Path = PACK) -> None:
        import tomllib

        import spacy
        from spacy.matcher import PhraseMatcher

        self.lex = Lexicon(pack / "ontology.ttl")
        self.nlp = spacy.blank("en")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for form, cs in self.lex.surface_forms().items():
            self.matcher.add(sorted(cs)[0], [self.nlp.make_doc(form)])
        ctx = tomllib.loads((pack / "context.toml").read_text())
        self.default_scope = ctx["scope"]["max_tokens"]
        self.terminators = {t.lower() for t in ctx["scope"]["terminators"]}
        self.triggers = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.trigger_info: dict[str, tuple[str, str, int]] = {}
        for i, t in enumerate(ctx["triggers"]):
            key = f"T{i}"
            self.trigger_info[key] = (t["category"], t["direction"], t.get("max_tokens", self.default_scope))
            self.triggers.add(key, [self.nlp.make_doc(p) for p in t["phrases"]])

    def extract(self, text: str) -> list[tuple[str, str, str, str]]:
        """(concept, type, assertion, surface) for each mention."""
        from spacy.tokens import Span
        from spacy.util import filter_spans

        doc = self.nlp(text)
        spans = filter_spans([Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)])
        found = []
        trig = []
        for mid, s, e in self.triggers(doc):
            cat, direction, reach = self.trigger_info[self.nlp.vocab.strings[mid]]
            trig.append((s, e, cat, direction, reach))
        pseudo = [(s, e) for s, e, cat, _, _ in trig if cat == "pseudo"]
        active = []
        for s, e, cat, d, r in trig:
            if cat == "pseudo":
                continue
            if any(ps <= s and e <= pe and (ps, pe) != (s, e) for ps, pe in pseudo):
                continue
            # keep only the longest trigger among overlapping ones
            if any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, *_ in trig):
                continue
            active.append((s, e, cat, d, r))
        stops = {i for i, t in enumerate(doc) if t.lower_ in self.terminators}
        stops |= {i for s, e, cat, _, _ in active if cat == "terminate" for i in range(s, e)}
        for sp in spans:
            concept = sp.label_
            cats = set()
            for s, e, cat, d, r in active:
                if cat == "terminate" or (s < sp.end and sp.start < e):
                    continue
                if d in ("forward", "bidirectional") and e <= sp.start and sp.start - e < r:
                    if not any(e <= i < sp.start for i in stops):
                        cats.add(cat)
                if d in ("backward", "bidirectional") and sp.end <= s and s - sp.end < r:
                    if not any(sp.end <= i < s for i in stops):
                        cats.add(cat)
            assertion = ("absent" if "negated" in cats else "uncertain" if "uncertain" in cats
                         else "present")
            found.append((concept, self.lex.type_of(concept) or "?", assertion, sp.text))
        return found


def load_mapping(pack: Path = PACK) -> dict[str, str]:
    with (pack / "mappings" / "mesh.csv").open(newline="") as fh:
        return {r["code"]: r["concept"] for r in csv.DictReader(fh)}


def mesh_concept(term: str, mapping: dict[str, str]) -> str | None:
    parts = [p.strip() for p in term.split("/")]
    for attr in parts[1:]:
        if f"{parts[0]}/{attr}" in mapping:
            return mapping[f"{parts[0]}/{attr}"]
    return mapping.get(parts[0])


def evaluate(rows, top: int, show: str = "") -> None:
    ex = MiniExtractor()
    mapping = load_mapping()
    hit: Counter[str] = Counter()
    hit_u: Counter[str] = Counter()
    total: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    misses: dict[str, list[str]] = {}
    normal = fp = 0
    fp_concepts: Counter[str] = Counter()
    fp_examples: dict[str, list[str]] = {}
    for r in rows:
        text = f"{r['findings']} {r['impression']}"
        ents = ex.extract(text)
        present = {c for c, _, a, _ in ents if a == "present"}
        maybe = present | {c for c, _, a, _ in ents if a == "uncertain"}
        pc = present | {a for c in present for a in ex.lex.ancestors(c)}
        mc = maybe | {a for c in maybe for a in ex.lex.ancestors(c)}
        if r["MeSH"].strip() == "normal":
            normal += 1
            bad = {(c, s) for c, t, a, s in ents if a == "present" and t in FINDING_TYPES}
            if bad:
                fp += 1
                for c, s in bad:
                    fp_concepts[c] += 1
                    fp_examples.setdefault(c, []).append(f"<{s}> {text}")
            continue
        for term in r["MeSH"].split(";"):
            term = term.strip()
            head = term.split("/")[0]
            if head in SKIPPED_MESH:
                continue
            concept = mesh_concept(term, mapping)
            if concept is None:
                unmapped[head] += 1
                continue
            total[head] += 1
            hit[head] += concept in pc
            hit_u[head] += concept in mc
            if concept not in mc:
                misses.setdefault(head, []).append(f"[{term}] {text}")
    n, h, hu = sum(total.values()), sum(hit.values()), sum(hit_u.values())
    print(f"recall of mapped MeSH findings: present {h}/{n} = {h / n:.3f}; present or uncertain {hu / n:.3f}")
    print(f"unmapped coded findings: {sum(unmapped.values())} {dict(unmapped.most_common(8))}")
    print(f"normal reports with a present finding: {fp}/{normal} = {fp / normal:.3f}")
    print("top false-positive concepts in normal reports:", dict(fp_concepts.most_common(15)))
    print("recall by heading (present / present-or-uncertain / n):")
    for head, k in total.most_common(top):
        print(f"  {head:45s} {hit[head] / k:.2f} {hit_u[head] / k:.2f} {k}")
    if show:
        import random

        random.seed(0)
        pool = fp_examples.get(show) or misses.get(show) or []
        for t in random.sample(pool, min(8, len(pool))):
            print("  >>", t[:400])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["ngrams", "mesh", "grep", "coverage", "check", "eval"])
    ap.add_argument("pattern", nargs="?", default="")
    ap.add_argument("--n", type=int, default=1)
    ap.add_argument("--top", type=int, default=100)
    ap.add_argument("--ontology", type=Path, default=Path("domains/radiology/ontology.ttl"))
    args = ap.parse_args()
    rows = reports()
    if args.command == "ngrams":
        ngrams(rows, args.n, args.top)
    elif args.command == "mesh":
        mesh(rows, args.top)
    elif args.command == "grep":
        grep(rows, args.pattern, args.top)
    elif args.command == "coverage":
        coverage(rows, args.top, args.ontology)
    elif args.command == "check":
        check(args.ontology)
    else:
        evaluate(rows, args.top, args.pattern)


if __name__ == "__main__":
    main()
