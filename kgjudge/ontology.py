"""Domain ontology (any RDF syntax rdflib reads) -> Lexicon of concepts, labels and broader links.

Loading is offline by construction: owl:imports is never followed, RDF/XML is screened for DTDs
and entity declarations before rdflib sees it, and JSON-LD with a remote @context is refused.
Every problem found is collected with its file and line so a pack author sees them all at once.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kgjudge.errors import OntologyError, Problem

KGJ = "https://kgjudge.dev/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
OBO = "http://www.geneontology.org/formats/oboInOwl#"

PREF_LABEL = SKOS + "prefLabel"
SYNONYM_PREDICATES = (
    SKOS + "altLabel",
    SKOS + "hiddenLabel",
    OBO + "hasExactSynonym",
    OBO + "hasRelatedSynonym",
    RDFS + "label",
)
BROADER_PREDICATES = (SKOS + "broader", RDFS + "subClassOf")
CONCEPT_CLASSES = (SKOS + "Concept", OWL + "Class")
DEFAULT_MAX_BYTES = 20_000_000

_FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".trig": "trig",
}


@dataclass(frozen=True)
class Concept:
    """One ontology concept."""

    id: str
    """Local name of the IRI; the node key in graphs."""
    iri: str
    type: str
    """Entity type (inherited from the nearest ancestor when not stated)."""
    label: str
    """Preferred label."""
    synonyms: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    """Ids of direct parents (skos:broader / rdfs:subClassOf)."""
    side: str | None = None
    """kgj:side for lateral anatomy and laterality modifiers."""


@dataclass
class Lexicon:
    """Concepts of one domain, with label look-up and ancestor queries."""

    namespace: str
    concepts: dict[str, Concept] = field(default_factory=dict)
    _by_label: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _ancestor_cache: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._reindex()

    def _reindex(self) -> None:
        self._by_label.clear()
        for concept in self.concepts.values():
            for form in surface_forms(concept):
                ids = self._by_label.setdefault(normalise(form), [])
                if concept.id not in ids:
                    ids.append(concept.id)

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self.concepts

    def __getitem__(self, concept_id: str) -> Concept:
        return self.concepts[concept_id]

    def get(self, concept_id: str) -> Concept | None:
        return self.concepts.get(concept_id)

    def lookup(self, text: str) -> list[Concept]:
        """Concepts whose label, synonym or generated plural equals ``text`` (case-insensitive)."""
        return [self.concepts[i] for i in self._by_label.get(normalise(text), [])]

    def forms(self) -> Iterator[tuple[str, str]]:
        """Every (surface form, concept id) pair, plurals included; for phrase matchers."""
        for form, ids in self._by_label.items():
            for concept_id in ids:
                yield form, concept_id

    def ancestors(self, concept_id: str, max_hops: int | None = None) -> dict[str, int]:
        """Ancestors of a concept with their distance in broader steps (nearest first)."""
        key = (concept_id, -1 if max_hops is None else max_hops)
        cached = self._ancestor_cache.get(key)
        if cached is not None:
            return cached
        found: dict[str, int] = {}
        queue = deque([(concept_id, 0)])
        while queue:
            current, hops = queue.popleft()
            if max_hops is not None and hops >= max_hops:
                continue
            concept = self.concepts.get(current)
            for parent in concept.broader if concept else ():
                if parent not in found and parent != concept_id:
                    found[parent] = hops + 1
                    queue.append((parent, hops + 1))
        self._ancestor_cache[key] = found
        return found

    def hops_between(self, a: str, b: str, max_hops: int | None = None) -> int | None:
        """Broader steps between two concepts when one is an ancestor of the other, else None."""
        if a == b:
            return 0
        up = self.ancestors(a, max_hops)
        if b in up:
            return up[b]
        down = self.ancestors(b, max_hops)
        return down.get(a)

    def iri(self, concept_id: str) -> str:
        concept = self.concepts.get(concept_id)
        return concept.iri if concept else self.namespace + concept_id

    def count_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for concept in self.concepts.values():
            counts[concept.type] = counts.get(concept.type, 0) + 1
        return dict(sorted(counts.items()))


def normalise(text: str) -> str:
    """Lower-case and collapse whitespace; the key used for label look-up."""
    return " ".join(text.lower().split())


def plural(label: str) -> str:
    """Regular English plural of a label's last word (irregular ones belong in altLabel)."""
    if not label or not label[-1].isalpha():
        return label
    if re.search(r"[^aeiou]y$", label):
        return label[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", label):
        return label + "es"
    return label + "s"


_NO_PLURAL_TYPES = {"modifier", "measurement"}


def surface_forms(concept: Concept) -> Iterable[str]:
    """Labels and synonyms, plus generated plurals for noun-like types."""
    forms: list[str] = []
    for label in (concept.label, *concept.synonyms):
        forms.append(label)
        if concept.type not in _NO_PLURAL_TYPES and len(label) > 3 and not label.isupper():
            forms.append(plural(label))
    return dict.fromkeys(forms)


def load_lexicon(
    files: list[Path],
    *,
    namespace: str,
    entity_types: list[str],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[Lexicon, list[Problem]]:
    """Parse ontology files into a Lexicon; returns it with every problem found.

    Raises OntologyError only when nothing usable could be parsed at all.
    """
    import rdflib

    graph = rdflib.Graph()
    problems: list[Problem] = []
    line_index: dict[str, tuple[str, int]] = {}
    for path in files:
        parsed = _parse_file(path, max_bytes=max_bytes, problems=problems)
        if parsed is None:
            continue
        graph += parsed
        line_index.update(_subject_lines(path))
    lexicon = _build_lexicon(graph, namespace, entity_types, line_index, problems)
    return lexicon, problems


def _parse_file(path: Path, *, max_bytes: int, problems: list[Problem]):  # noqa: ANN202
    import rdflib

    name = str(path)
    if not path.is_file():
        problems.append(Problem(name, "ontology file not found; check [ontology].files"))
        return None
    size = path.stat().st_size
    if size > max_bytes:
        problems.append(
            Problem(
                name,
                f"file is {size:,} bytes, over the limit of {max_bytes:,}; "
                "raise [ontology].max_bytes in domain.toml if this is intended",
            )
        )
        return None
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        problems.append(Problem(name, f"unknown RDF syntax '{path.suffix}'; use one of "
                                      f"{', '.join(sorted(_FORMATS))}"))
        return None
    data = path.read_bytes()
    refusal = _refuse_unsafe(data, fmt)
    if refusal:
        problems.append(Problem(name, refusal))
        return None
    graph = rdflib.Graph()
    try:
        # Parse from bytes, never from a URL: rdflib then has nothing to fetch, and owl:imports
        # is only a triple to it (imports are not resolved by rdflib, nor by us).
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as e:  # rdflib raises many unrelated types for bad syntax
        line, reason = _syntax_error_location(e)
        problems.append(Problem(name, f"malformed {fmt}: {reason}", line=line))
        return None
    return graph


def _refuse_unsafe(data: bytes, fmt: str) -> str | None:
    """Reject inputs that would make a parser expand entities or fetch something."""
    if fmt == "xml":
        import defusedxml.sax

        try:
            defusedxml.sax.parseString(data, _NullHandler(), forbid_dtd=True)
        except Exception as e:
            return f"RDF/XML refused ({type(e).__name__}: DTDs and entity declarations are not " \
                   "allowed); remove the <!DOCTYPE ...> block"
    if fmt == "json-ld" and re.search(rb'"@context"\s*:\s*"(https?|ftp|file):', data):
        return "JSON-LD with a remote @context would be fetched; inline the context instead"
    return None


class _NullHandler:
    """A do-nothing SAX handler: defusedxml only needs to see the document."""

    def __getattr__(self, name: str):  # noqa: ANN204
        return lambda *args, **kwargs: None


def _syntax_error_location(e: Exception) -> tuple[int | None, str]:
    why = getattr(e, "_why", None)  # rdflib's notation3 BadSyntax keeps the reason here
    lines = getattr(e, "lines", None)
    if why is not None and isinstance(lines, int):
        return lines + 1, str(why)  # it counts lines from 0
    line = getattr(e, "lineno", None) or getattr(e, "line", None)
    text = str(e).strip().splitlines()
    reason = text[0] if text else type(e).__name__
    m = re.search(r"line (\d+)", str(e))
    if not isinstance(line, int) and m:
        line = int(m.group(1))
    return (line if isinstance(line, int) else None), reason[:300]


def _subject_lines(path: Path) -> dict[str, tuple[str, int]]:
    """Where each local name first appears at the start of a line (best effort, for messages)."""
    found: dict[str, tuple[str, int]] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"\s*(?:[\w-]*:|<[^>]*[#/])([\w.-]+)>?\s", line)
        if m and m.group(1) not in found:
            found[m.group(1)] = (str(path), number)
    return found


def _build_lexicon(graph, namespace, entity_types, line_index, problems) -> Lexicon:  # noqa: ANN001
    from rdflib import RDF, URIRef

    def where(local: str) -> tuple[str, int | None]:
        file, line = line_index.get(local, ("ontology", None))
        return file, line

    subjects: set[URIRef] = set()
    for cls in CONCEPT_CLASSES:
        subjects.update(s for s in graph.subjects(RDF.type, URIRef(cls)) if isinstance(s, URIRef))
    subjects = {s for s in subjects if str(s).startswith(namespace)}

    raw: dict[str, dict] = {}
    for subject in sorted(subjects):
        local = str(subject)[len(namespace):]
        prefs = [str(o) for o in graph.objects(subject, URIRef(PREF_LABEL))]
        synonyms = [str(o) for p in SYNONYM_PREDICATES for o in graph.objects(subject, URIRef(p))]
        broader = [
            str(o)[len(namespace):]
            for p in BROADER_PREDICATES
            for o in graph.objects(subject, URIRef(p))
            if str(o).startswith(namespace)
        ]
        declared = [str(o) for o in graph.objects(subject, URIRef(KGJ + "entityType"))]
        sides = [str(o) for o in graph.objects(subject, URIRef(KGJ + "side"))]
        raw[local] = {"prefs": prefs, "synonyms": synonyms, "broader": broader,
                      "types": declared, "side": sides[0] if sides else None}

    for local, info in raw.items():
        file, line = where(local)
        if not info["prefs"] and not info["synonyms"]:
            problems.append(Problem(file, f"concept '{local}' has no skos:prefLabel; add one",
                                    line=line))
        for parent in info["broader"]:
            if parent not in raw:
                problems.append(Problem(file, f"concept '{local}' has broader '{parent}', "
                                              "which is not a concept of this ontology", line=line))
        for declared in info["types"]:
            if declared not in entity_types:
                problems.append(Problem(file, f"concept '{local}' has unknown entity type "
                                              f"'{declared}'; known: {', '.join(entity_types)}",
                                        line=line))

    concepts: dict[str, Concept] = {}
    for local, info in raw.items():
        file, line = where(local)
        if _in_cycle(local, raw):
            problems.append(Problem(file, f"concept '{local}' is its own ancestor (a broader "
                                          "cycle); break the cycle", line=line))
            continue
        entity_type = _inherited_type(local, raw)
        if entity_type is None:
            problems.append(Problem(file, f"concept '{local}' has no kgj:entityType and no "
                                          "ancestor with one; add kgj:entityType", line=line))
            continue
        labels = info["prefs"] or info["synonyms"]
        if not labels:
            continue
        label = labels[0]
        others = tuple(dict.fromkeys(s for s in info["prefs"][1:] + info["synonyms"]
                                     if s != label))
        concepts[local] = Concept(
            id=local, iri=namespace + local, type=entity_type, label=label, synonyms=others,
            broader=tuple(b for b in info["broader"] if b in raw), side=info["side"],
        )
    lexicon = Lexicon(namespace=namespace, concepts=concepts)
    for form, ids in lexicon._by_label.items():
        if len(ids) > 1:
            file, line = where(ids[1])
            problems.append(Problem(file, f"label '{form}' is used by several concepts "
                                          f"({', '.join(ids)}); keep it on one", line=line))
    return lexicon


def _inherited_type(local: str, raw: dict[str, dict]) -> str | None:
    seen = {local}
    queue = deque([local])
    while queue:
        current = queue.popleft()
        info = raw.get(current)
        if info is None:
            continue
        if info["types"]:
            return info["types"][0]
        for parent in info["broader"]:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return None


def _in_cycle(local: str, raw: dict[str, dict]) -> bool:
    stack = list(raw.get(local, {}).get("broader", []))
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if current == local:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(raw.get(current, {}).get("broader", []))
    return False


def lexicon_or_raise(files: list[Path], **kwargs) -> Lexicon:  # noqa: ANN003
    """Load a lexicon, raising OntologyError with every problem if any was found."""
    lexicon, problems = load_lexicon(files, **kwargs)
    if problems:
        raise OntologyError("the ontology has problems", problems)
    return lexicon
