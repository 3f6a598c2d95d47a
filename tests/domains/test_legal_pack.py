"""The legal pack: valid, domain-neutral (own types and relations), usable lexicon, examples.

It is the second pack; its job is to show nothing in the format assumes radiology, so the tests
check its own vocabulary, rules and examples rather than re-testing the loader.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kgjudge.domain import DomainPack, load_pack, validate_pack

PACK_DIR = Path(__file__).resolve().parents[2] / "domains" / "legal"
RADIOLOGY_TYPES = {"anatomy", "observation", "device", "procedure", "measurement"}
ERROR_KINDS = {"paraphrase", "swapped_party", "dropped_obligation", "negation_flip",
               "changed_amount", "changed_term", "hallucinated_clause"}


@pytest.fixture(scope="module")
def pack() -> DomainPack:
    return load_pack(PACK_DIR)


def test_pack_validates_and_is_found_by_name() -> None:
    assert validate_pack("legal") == []
    assert load_pack("legal").path == PACK_DIR.resolve()


def test_types_and_relations_are_its_own(pack: DomainPack) -> None:
    assert {"party", "obligation", "right", "clause", "term", "amount", "condition",
            "modifier"} <= set(pack.entity_types)
    assert not RADIOLOGY_TYPES & set(pack.entity_types)
    assert {"obliges", "entitles", "governed_by", "subject_to", "has_amount", "has_term",
            "modify"} <= set(pack.relation_types)
    assert "located_at" not in pack.relation_types
    assert set(pack.finding_roots) == {"obligation", "right", "clause"}
    assert not pack.relations.clause.located_at_sources


def test_concepts_cover_every_type(pack: DomainPack) -> None:
    assert len(pack.lexicon) >= 70
    counts = pack.lexicon.count_by_type()
    assert set(counts) == set(pack.entity_types)
    assert counts["party"] >= 15 and counts["obligation"] >= 10 and counts["clause"] >= 10


@pytest.mark.parametrize(("text", "concept"), [
    ("lessor", "landlord"),                       # synonym
    ("Purchaser", "buyer"),                       # case-insensitive
    ("hold harmless", "indemnification"),
    ("choice of law", "governing_law"),
    ("NDA", "nda"),                               # abbreviations lawyers use
    ("LoL", "limitation_of_liability"),
    ("IP", "intellectual_property"),
    ("T&Cs", "terms_and_conditions"),
    ("SOW", "statement_of_work"),
    ("royalties", "royalty"),                     # generated plurals
    ("licensees", "licensee"),
    ("parties", "party"),
    ("indemnities", "indemnification"),
    ("warranties", "warranty"),
])
def test_lookup(pack: DomainPack, text: str, concept: str) -> None:
    assert [c.id for c in pack.lexicon.lookup(text)] == [concept]


def test_modifiers_get_no_generated_plural(pack: DomainPack) -> None:
    assert pack.lexicon.lookup("exclusive")[0].type == "modifier"
    assert pack.lexicon.lookup("exclusives") == []


def test_ancestors_give_partial_credit_paths(pack: DomainPack) -> None:
    lex = pack.lexicon
    assert lex.ancestors("royalty") == {"payment": 1, "obligation": 2}
    assert lex.ancestors("arbitration")["clause"] == 2
    assert lex.hops_between("termination_for_cause", "termination_right") == 1
    assert lex.hops_between("licensor", "licensee") is None     # a swapped party gets no credit
    assert lex["delaware"].type == "place" and "united_states" in lex.ancestors("delaware")


def test_context_treats_may_as_permission(pack: DomainPack) -> None:
    by_category: dict[str, set[str]] = {}
    for trigger in pack.context.triggers:
        by_category.setdefault(trigger.category, set()).update(trigger.phrases)
    assert "may" not in by_category["uncertain"]
    assert {"shall not", "may not", "not required to"} <= by_category["negated"]
    assert {"formerly", "previously"} <= by_category["historical"]
    assert {"subject to", "unless", "except"} <= by_category["terminate"]
    assert "shall not exceed" in by_category["pseudo"]
    entitles = {p for r in pack.relations.phrases if r.relation == "entitles" for p in r.phrases}
    assert "may" in entitles


@pytest.mark.parametrize(("text", "label", "span"), [
    ("Licensee shall pay $5,000 on signing.", "money", "$5,000"),
    ("a fee of USD 10,000 per year", "money", "USD 10,000"),
    ("liability is capped at 5,000 dollars", "money", "5,000 dollars"),
    ("a cap of $1.5 million", "money", "$1.5 million"),
    ("a royalty of 5% of net sales", "percentage", "5%"),
    ("within 30 days of invoice", "duration", "30 days"),
    ("for two (2) years after disclosure", "duration", "two (2) years"),
    ("a 12-month restricted period", "duration", "12-month"),
    ("effective January 1, 2025", "date", "January 1, 2025"),
])
def test_open_entity_patterns(pack: DomainPack, text: str, label: str, span: str) -> None:
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    for i, entity in enumerate(pack.relations.entities):
        matcher.add(f"{entity.label}:{i}", [list(entity.pattern)])
    doc = nlp(text)
    found = {(nlp.vocab.strings[m].split(":")[0], doc[s:e].text) for m, s, e in matcher(doc)}
    assert (label, span) in found


def test_rubrics_own_and_shared(pack: DomainPack) -> None:
    assert {"factual_correctness", "completeness", "obligations_preserved",
            "risk_misstatement"} <= set(pack.default_rubrics)
    for rid in ("obligations_preserved", "risk_misstatement"):
        rubric = pack.rubric(rid)
        assert Path(rubric.source).parent == PACK_DIR / "rubrics"
        assert rubric.kg.penalties["contradicted"] > 0
    assert Path(pack.rubric("completeness").source).parent != PACK_DIR / "rubrics"


def _pairs() -> list[dict]:
    return tomllib.loads((PACK_DIR / "examples" / "pairs.toml").read_text("utf-8"))["pair"]


def test_examples_are_listed_with_kind_and_severity() -> None:
    pairs = _pairs()
    ids = {p["id"] for p in pairs}
    refs = {p.stem for p in (PACK_DIR / "examples" / "references").glob("*.txt")}
    cands = {p.stem for p in (PACK_DIR / "examples" / "candidates").glob("*.txt")}
    assert len(pairs) >= 6 and ids == refs == cands
    assert {p["kind"] for p in pairs} == ERROR_KINDS
    for p in pairs:
        assert p["severity"] in range(4) and p["note"].strip()
        assert (p["severity"] == 0) == (p["kind"] == "paraphrase")


# ----------------------------------------------------------------------------- extraction

@pytest.fixture(scope="module")
def graphs(pack: DomainPack) -> dict[str, tuple]:
    from kgjudge.extract import get_extractor

    extractor = get_extractor(pack, "rules")
    root = PACK_DIR / "examples"
    return {p["id"]: (extractor.extract((root / "references" / f"{p['id']}.txt").read_text()),
                      extractor.extract((root / "candidates" / f"{p['id']}.txt").read_text()))
            for p in _pairs()}


def test_paraphrase_gives_the_same_graph(graphs: dict[str, tuple]) -> None:
    ref, cand = graphs["license_paraphrase"]
    assert ref.triples() == cand.triples()
    assert ("licensor|present", "grants", "license_grant|present") in ref.triples()
    assert ("licensee|present", "entitles", "sublicense|absent") in ref.triples()


def test_negation_flip_is_a_contradiction(graphs: dict[str, tuple]) -> None:
    ref, cand = graphs["license_negation_flip"]
    assert ("licensee|present", "entitles", "assignment|absent") in ref.triples()
    assert ("licensee|present", "entitles", "assignment|present") in cand.triples()


def test_swapped_party_moves_the_obligation_edge(graphs: dict[str, tuple]) -> None:
    ref, cand = graphs["services_swapped_party"]
    vendor = ("vendor|present", "obliges", "indemnification|present")
    customer = ("customer|present", "obliges", "indemnification|present")
    assert vendor in ref.triples() and customer not in ref.triples()
    assert customer in cand.triples() and vendor not in cand.triples()
    # whom the duty runs to flips too
    assert ("vendor|present", "obliges", "customer|present") in ref.triples()
    assert ("customer|present", "obliges", "vendor|present") in cand.triples()


def test_dropped_and_hallucinated_findings(graphs: dict[str, tuple]) -> None:
    ref, cand = graphs["lease_dropped_obligation"]
    assert ("tenant|present", "obliges", "insurance|present") in ref.triples()
    assert "insurance|present" not in cand
    ref, cand = graphs["employment_hallucinated_clause"]
    assert "non_compete|present" in cand and "non_compete|present" not in ref


@pytest.mark.parametrize(("pair", "source", "relation", "old", "new"), [
    ("loan_changed_amount", "disbursement", "has_amount", "$250,000", "$25,000"),
    ("nda_changed_term", "confidentiality", "has_term", "two (2) years", "five (5) years"),
])
def test_changed_amount_or_term_moves_the_edge(graphs: dict[str, tuple], pair: str, source: str,
                                               relation: str, old: str, new: str) -> None:
    ref, cand = graphs[pair]
    assert (f"{source}|present", relation, f"{old}|present") in ref.triples()
    assert (f"{source}|present", relation, f"{new}|present") in cand.triples()
    assert f"{old}|present" not in cand


@pytest.mark.parametrize(("text", "node"), [
    ("Licensee may sublicense the software.", "sublicense|present"),      # may = permission
    ("It is unclear whether Licensee may sublicense.", "sublicense|uncertain"),
    ("Licensee shall not sublicense the software.", "sublicense|absent"),
    ("Liability shall not exceed $1,000,000.", "limitation_of_liability|present"),  # a cap
    ("Neither party is liable for consequential damages.", "consequential_damages|absent"),
    ("Consequential damages are excluded.", "consequential_damages|absent"),
    ("Licensee is not required to maintain insurance.", "insurance|absent"),
    ("Either party may terminate without cause.", "termination_for_convenience|present"),
])
def test_legal_assertions(pack: DomainPack, text: str, node: str) -> None:
    from kgjudge.extract import get_extractor

    assert node in get_extractor(pack, "rules").extract(text)
