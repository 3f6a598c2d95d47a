"""DomainPack: loads and validates a domain pack folder (see docs/domain-pack.md).

A pack is data only: domain.toml, an ontology, context triggers, relation patterns, rubrics, a
training recipe and examples. Validation collects every problem (file, line, fix) before raising,
so a pack author fixes them in one pass.
"""

from __future__ import annotations

import builtins
import csv
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from kgjudge.errors import PackError, Problem, RubricError, did_you_mean, error_line
from kgjudge.ontology import DEFAULT_MAX_BYTES, Lexicon, load_lexicon
from kgjudge.rubric import Rubric, read_rubric_data, rubric_files, rubric_from_data

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The packs and rubrics an installed wheel carries (setup.py copies the checkout's domains/
#: and rubrics/ there); a checkout and an editable install have them under REPO_ROOT.
SHIPPED = Path(__file__).resolve().parent / "_shipped"
ASSERTIONS = ("present", "absent", "uncertain")
CONTEXT_CATEGORIES = ("negated", "uncertain", "historical", "pseudo", "terminate")
DIRECTIONS = ("forward", "backward", "bidirectional")

# Allowed keys per table of domain.toml; unknown keys are errors with a suggestion.
_SCHEMA: dict[str, set[str]] = {
    "": {"domain", "ontology", "types", "compare", "files", "rubrics", "mappings", "extractor"},
    "domain": {"name", "title", "version", "description"},
    "ontology": {"files", "namespace", "max_bytes"},
    "types": {"entities", "relations", "finding_roots", "assertions"},
    "compare": {"partial_credit", "max_hops", "assertion", "typed_ams"},
    "files": {"context", "relations", "recipe", "examples", "calibration"},
    "rubrics": {"use", "dir", "default"},
    "extractor": {"name", "spacy_model", "endpoint", "model"},
}


@dataclass(frozen=True)
class CompareSettings:
    """Graph comparison settings (see specs/metrics.md)."""

    partial_credit: float = 0.5
    max_hops: int = 2
    assertion: str = "respect"
    """'respect' (assertion is part of identity) or 'ignore' (ReXKG-compatible)."""
    typed_ams: bool = True


#: The settings every comparison uses unless a pack or caller says otherwise (immutable, shared).
DEFAULT_COMPARE = CompareSettings()


@dataclass(frozen=True)
class Trigger:
    """A ConText trigger group: phrases of one category and direction."""

    category: str
    direction: str
    phrases: tuple[str, ...]
    max_tokens: int | None = None
    ends_scopes: bool = True
    """Whether it ends the scopes of triggers of other categories that reach it. False for
    wording inside a noun phrase ("resolution of the previously seen opacity")."""


@dataclass(frozen=True)
class ContextRules:
    """Assertion triggers and scope settings (ConText)."""

    triggers: tuple[Trigger, ...] = ()
    max_tokens: int = 12
    terminators: tuple[str, ...] = (".", ";")
    parts: frozenset[str] = frozenset()
    """Concepts that name a part of a thing ("tip"): a backward trigger whose scope holds one
    asserts the part, not the thing ("the tip of the NG tube is not seen": the tube is there)."""


@dataclass(frozen=True)
class RelationPhrase:
    """'<source> PHRASE <target>' within a sentence gives this relation."""

    relation: str
    phrases: tuple[str, ...]
    source_types: tuple[str, ...] = ()
    target_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClauseRules:
    """Clause-level relation rules."""

    modify_types: tuple[str, ...] = ("modifier", "measurement")
    modify_window: int = 3
    located_at_sources: tuple[str, ...] = ()
    located_at_targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntityPattern:
    """An open entity pattern (spaCy Matcher token pattern), e.g. measurements."""

    type: str
    label: str
    pattern: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RelationRules:
    phrases: tuple[RelationPhrase, ...] = ()
    clause: ClauseRules = field(default_factory=ClauseRules)
    entities: tuple[EntityPattern, ...] = ()
    not_entities: tuple[str, ...] = ()
    """Phrases read as no entity, so their words are not read as one either ("left lateral
    decubitus film": the side the patient lay on, not a finding's)."""


@dataclass(frozen=True)
class ExtractorSettings:
    """Which extractor the pack uses by default and its settings."""

    name: str = "rules"
    spacy_model: str | None = None
    endpoint: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class DomainPack:
    """A loaded, validated domain pack."""

    name: str
    path: Path
    title: str
    version: str
    description: str
    namespace: str
    ontology_files: tuple[Path, ...]
    entity_types: tuple[str, ...]
    relation_types: tuple[str, ...]
    finding_roots: tuple[str, ...]
    assertions: tuple[str, ...]
    compare: CompareSettings
    context: ContextRules
    relations: RelationRules
    rubrics: dict[str, Rubric]
    default_rubrics: tuple[str, ...]
    mappings: dict[str, dict[str, str]]
    extractor: ExtractorSettings
    recipe_path: Path | None
    examples_path: Path | None
    calibration_path: Path | None
    lexicon: Lexicon = field(repr=False, compare=False)

    @cached_property
    def content_hash(self) -> str:
        """sha256 over every file of the pack (and the shared rubrics it uses)."""
        return pack_hash(self.path, [Path(r.source) for r in self.rubrics.values() if r.source])

    def rubric(self, rubric_id: str) -> Rubric:
        try:
            return self.rubrics[rubric_id]
        except KeyError:
            from kgjudge.errors import ConfigError

            raise ConfigError(
                f"domain '{self.name}' has no rubric '{rubric_id}'"
                f"{did_you_mean(rubric_id, self.rubrics)}; available: {', '.join(self.rubrics)}"
            ) from None


def pack_hash(folder: Path, extra: list[Path] = ()) -> str:  # type: ignore[assignment]
    digest = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in [*files, *sorted(set(extra))]:
        if path.is_file():
            digest.update(str(path.relative_to(path.parent.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# ----------------------------------------------------------------------------- discovery

def search_dirs() -> list[Path]:
    """Folders searched for packs: $KGJUDGE_DOMAINS (os.pathsep list), ./domains, kgjudge's own
    (the checkout's, or those an installed wheel ships)."""
    dirs = [Path(p) for p in os.environ.get("KGJUDGE_DOMAINS", "").split(os.pathsep) if p]
    dirs += [Path.cwd() / "domains", REPO_ROOT / "domains", SHIPPED / "domains"]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def shared_rubric_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("KGJUDGE_RUBRICS", "").split(os.pathsep) if p]
    return dirs + [Path.cwd() / "rubrics", REPO_ROOT / "rubrics", SHIPPED / "rubrics"]


def available_packs() -> dict[str, Path]:
    """Name -> folder of every pack found in the search folders (first one wins)."""
    found: dict[str, Path] = {}
    for folder in search_dirs():
        for child in sorted(folder.iterdir()):
            if (child / "domain.toml").is_file():
                found.setdefault(child.name, child)
    return found


def find_pack(name_or_path: str | os.PathLike[str]) -> Path:
    """Resolve a pack name or folder path; errors list the packs that exist."""
    path = Path(name_or_path)
    if path.is_dir() and (path / "domain.toml").is_file():
        return path
    if path.name == "domain.toml" and path.is_file():
        return path.parent
    packs = available_packs()
    if str(name_or_path) in packs:
        return packs[str(name_or_path)]
    known = ", ".join(packs) or "none"
    raise PackError(
        f"no domain pack '{name_or_path}'{did_you_mean(str(name_or_path), packs)}. "
        f"Known packs: {known}. Pass a pack folder, or set KGJUDGE_DOMAINS to the folder "
        "that holds your packs."
    )


# ----------------------------------------------------------------------------- loading

_PACK_CACHE: dict[tuple[str, float], DomainPack] = {}


def load_pack(name_or_path: str | os.PathLike[str]) -> DomainPack:
    """Load and validate a pack; raises PackError naming every problem. Cached per process."""
    folder = find_pack(name_or_path).resolve()
    stamp = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)
    key = (str(folder), stamp)
    if key not in _PACK_CACHE:
        pack, problems = _load(folder)
        if problems or pack is None:
            raise PackError(f"domain pack '{folder.name}' is invalid ({len(problems)} problems); "
                            f"run 'kgjudge domains validate {folder}'", problems)
        _PACK_CACHE[key] = pack
    return _PACK_CACHE[key]


def validate_pack(name_or_path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in a pack; an empty list means it is valid."""
    folder = find_pack(name_or_path).resolve()
    return _load(folder)[1]


def _load(folder: Path) -> tuple[DomainPack | None, list[Problem]]:
    problems: list[Problem] = []
    manifest = folder / "domain.toml"
    data = _read_toml(manifest, problems)
    if data is None:
        return None, problems
    _check_keys(data, str(manifest), problems)
    d = _Reader(data, str(manifest), problems)

    name = d.str("domain", "name", folder.name)
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        problems.append(Problem(str(manifest), f"[domain].name '{name}' must be a lower-case "
                                               "identifier (letters, digits, _ or -)"))
    entity_types = d.list("types", "entities", required=True)
    relation_types = d.list("types", "relations", required=True)
    finding_roots = d.list("types", "finding_roots", default=entity_types[:1])
    assertions = d.list("types", "assertions", default=list(ASSERTIONS))
    for root in finding_roots:
        if root not in entity_types:
            hint = did_you_mean(root, entity_types)
            problems.append(Problem(str(manifest), f"[types].finding_roots: '{root}' is not an "
                                                   f"entity type{hint}"))
    for a in assertions:
        if a not in ASSERTIONS:
            problems.append(Problem(str(manifest), f"[types].assertions: '{a}' is not one of "
                                                   f"{', '.join(ASSERTIONS)}"))

    namespace = d.str("ontology", "namespace", f"https://kgjudge.dev/{name}#")
    ontology_files = tuple(folder / f for f in d.list("ontology", "files", required=True))
    max_bytes = int(d.get("ontology", "max_bytes", DEFAULT_MAX_BYTES))
    lexicon, ontology_problems = load_lexicon(
        list(ontology_files), namespace=namespace, entity_types=entity_types, max_bytes=max_bytes
    )
    problems += ontology_problems

    compare = CompareSettings(
        partial_credit=float(d.get("compare", "partial_credit", 0.5)),
        max_hops=int(d.get("compare", "max_hops", 2)),
        assertion=d.str("compare", "assertion", "respect"),
        typed_ams=bool(d.get("compare", "typed_ams", True)),
    )
    if compare.assertion not in ("respect", "ignore"):
        problems.append(Problem(str(manifest), "[compare].assertion must be 'respect' or 'ignore'"))
    if not 0 <= compare.partial_credit <= 1:
        problems.append(Problem(str(manifest), "[compare].partial_credit must be in [0, 1]"))

    context_path = folder / d.str("files", "context", "context.toml")
    context = _load_context(context_path, problems)
    for concept in sorted(context.parts - set(lexicon.concepts)):
        hint = did_you_mean(concept, lexicon.concepts)
        problems.append(Problem(str(context_path), f"[scope].parts: '{concept}' is not a "
                                                   f"concept of the ontology{hint}"))
    relations = _load_relations(folder / d.str("files", "relations", "relations.toml"),
                                entity_types, relation_types, problems)
    rubrics = _load_rubrics(folder, d, problems)
    default_rubrics = tuple(d.list("rubrics", "default", default=list(rubrics)))
    for rid in default_rubrics:
        if rid not in rubrics:
            problems.append(Problem(str(manifest), f"[rubrics].default: no rubric '{rid}'"
                                                   f"{did_you_mean(rid, rubrics)}"))
    mappings = {
        key: _load_mapping(folder / rel, lexicon, problems)
        for key, rel in (data.get("mappings") or {}).items()
    }
    calibration_path = folder / d.str("files", "calibration", "calibration.toml")
    rubrics = _apply_calibration(calibration_path, rubrics, problems)
    extractor = ExtractorSettings(
        name=d.str("extractor", "name", "rules"),
        spacy_model=d.get("extractor", "spacy_model", None),
        endpoint=d.get("extractor", "endpoint", None),
        model=d.get("extractor", "model", None),
    )
    recipe = folder / d.str("files", "recipe", "recipe.toml")
    if recipe.is_file():
        problems += _recipe_problems(recipe, name)
    examples = folder / d.str("files", "examples", "examples")

    pack = DomainPack(
        name=name, path=folder,
        title=d.str("domain", "title", name), version=d.str("domain", "version", "0"),
        description=d.str("domain", "description", ""),
        namespace=namespace, ontology_files=ontology_files,
        entity_types=tuple(entity_types), relation_types=tuple(relation_types),
        finding_roots=tuple(finding_roots), assertions=tuple(assertions),
        compare=compare, context=context, relations=relations,
        rubrics=rubrics, default_rubrics=default_rubrics, mappings=mappings, extractor=extractor,
        recipe_path=recipe if recipe.is_file() else None,
        examples_path=examples if examples.is_dir() else None,
        calibration_path=calibration_path if calibration_path.is_file() else None,
        lexicon=lexicon,
    )
    return pack, problems


class _Reader:
    """Typed access to domain.toml tables that records a problem instead of raising."""

    def __init__(self, data: dict[str, Any], file: str, problems: list[Problem]) -> None:
        self.data, self.file, self.problems = data, file, problems

    def get(self, table: str, key: str, default: Any) -> Any:
        section = self.data.get(table) or {}
        return section.get(key, default) if isinstance(section, dict) else default

    def str(self, table: str, key: str, default: str) -> str:
        value = self.get(table, key, default)
        if not isinstance(value, str):
            self.problems.append(Problem(self.file, f"[{table}].{key} must be a string"))
            return default
        return value

    # builtins.list / builtins.str: in this class body the names are the methods
    def list(self, table: builtins.str, key: builtins.str, *,
             default: builtins.list[builtins.str] | None = None,
             required: bool = False) -> builtins.list[builtins.str]:
        value = self.get(table, key, None)
        if value is None:
            if required:
                self.problems.append(Problem(self.file, f"[{table}].{key} is required"))
            return list(default or [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(Problem(self.file, f"[{table}].{key} must be a list of strings"))
            return list(default or [])
        return value


def _read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    if not path.is_file():
        problems.append(Problem(str(path), "file not found"))
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        problems.append(Problem(str(path), f"not UTF-8 text: {e}"))
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(str(path), f"malformed TOML: {e}", line=error_line(e)))
    return None


def _check_keys(data: dict[str, Any], file: str, problems: list[Problem]) -> None:
    for key, value in data.items():
        if key not in _SCHEMA[""]:
            problems.append(Problem(file, f"unknown table [{key}]{did_you_mean(key, _SCHEMA[''])}"))
        elif key in _SCHEMA and isinstance(value, dict):
            for sub in value:
                if sub not in _SCHEMA[key]:
                    problems.append(Problem(file, f"unknown key [{key}].{sub}"
                                                  f"{did_you_mean(sub, _SCHEMA[key])}"))


def _load_context(path: Path, problems: list[Problem]) -> ContextRules:
    data = _read_toml(path, problems) if path.is_file() else None
    if data is None:
        if not path.is_file():
            problems.append(Problem(str(path), "context rules not found; see docs/domain-pack.md"))
        return ContextRules()
    file = str(path)
    for key in data:
        if key not in ("scope", "triggers"):
            problems.append(Problem(file, f"unknown table [{key}]"
                                          f"{did_you_mean(key, ['scope', 'triggers'])}"))
    scope = data.get("scope", {})
    parts = scope.get("parts", [])
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        problems.append(Problem(file, "[scope].parts must be a list of concept ids"))
        parts = []
    triggers = []
    for i, group in enumerate(data.get("triggers", []), 1):
        category, direction = group.get("category"), group.get("direction", "forward")
        if category not in CONTEXT_CATEGORIES:
            problems.append(Problem(file, f"triggers #{i}: category '{category}' is not one of "
                                          f"{', '.join(CONTEXT_CATEGORIES)}"))
            continue
        if direction not in DIRECTIONS:
            problems.append(Problem(file, f"triggers #{i}: direction '{direction}' is not one of "
                                          f"{', '.join(DIRECTIONS)}"))
            continue
        phrases = group.get("phrases", [])
        if not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            problems.append(Problem(file, f"triggers #{i}: 'phrases' must be non-empty strings"))
            continue
        unknown = set(group) - {"category", "direction", "phrases", "max_tokens", "ends_scopes"}
        for key in unknown:
            problems.append(Problem(file, f"triggers #{i}: unknown key '{key}'"))
        ends_scopes = group.get("ends_scopes", True)
        if not isinstance(ends_scopes, bool):
            problems.append(Problem(file, f"triggers #{i}: 'ends_scopes' must be true or false"))
            continue
        triggers.append(Trigger(category, direction, tuple(phrases), group.get("max_tokens"),
                                ends_scopes))
    return ContextRules(
        triggers=tuple(triggers),
        max_tokens=int(scope.get("max_tokens", 12)),
        terminators=tuple(scope.get("terminators", [".", ";"])),
        parts=frozenset(parts),
    )


def _load_relations(path: Path, entity_types: list[str], relation_types: list[str],
                    problems: list[Problem]) -> RelationRules:
    data = _read_toml(path, problems) if path.is_file() else None
    if data is None:
        if not path.is_file():
            problems.append(Problem(str(path), "relation rules not found; see docs/domain-pack.md"))
        return RelationRules()
    file = str(path)

    def check_types(where: str, types: list[str]) -> tuple[str, ...]:
        for t in types:
            if t not in entity_types:
                problems.append(Problem(file, f"{where}: unknown entity type '{t}'"
                                              f"{did_you_mean(t, entity_types)}"))
        return tuple(types)

    phrases = []
    for i, item in enumerate(data.get("phrases", []), 1):
        relation = item.get("relation")
        if relation not in relation_types:
            problems.append(Problem(file, f"phrases #{i}: unknown relation '{relation}'"
                                          f"{did_you_mean(str(relation), relation_types)}"))
            continue
        phrases.append(RelationPhrase(
            relation, tuple(item.get("phrases", [])),
            check_types(f"phrases #{i}.source_types", item.get("source_types", [])),
            check_types(f"phrases #{i}.target_types", item.get("target_types", [])),
        ))
    clause_data = data.get("clause", {})
    clause = ClauseRules(
        modify_types=check_types("clause.modify_types",
                                 clause_data.get("modify_types", ["modifier", "measurement"])
                                 if "modify_types" in clause_data else
                                 [t for t in ("modifier", "measurement") if t in entity_types]),
        modify_window=int(clause_data.get("modify_window", 3)),
        located_at_sources=check_types("clause.located_at_sources",
                                       clause_data.get("located_at_sources", [])),
        located_at_targets=check_types("clause.located_at_targets",
                                       clause_data.get("located_at_targets", [])),
    )
    if (clause.located_at_sources or clause.located_at_targets) and \
            "located_at" not in relation_types:
        problems.append(Problem(file, "clause.located_at_* is set but 'located_at' is not a "
                                      "relation type of this pack"))
    entities = []
    for i, item in enumerate(data.get("entities", []), 1):
        pattern = item.get("pattern")
        if not isinstance(pattern, list) or not pattern:
            problems.append(Problem(file, f"entities #{i}: 'pattern' must be a list of token "
                                          "patterns"))
            continue
        etype = item.get("type")
        if etype not in entity_types:
            problems.append(Problem(file, f"entities #{i}: unknown entity type '{etype}'"))
            continue
        entities.append(EntityPattern(etype, item.get("label", etype), tuple(pattern)))
    not_entities = data.get("not_entities", [])
    if not isinstance(not_entities, list) or \
            not all(isinstance(p, str) and p.strip() for p in not_entities):
        problems.append(Problem(file, "not_entities must be a list of phrases"))
        not_entities = []
    return RelationRules(tuple(phrases), clause, tuple(entities), tuple(not_entities))


def _load_rubrics(folder: Path, d: _Reader, problems: list[Problem]) -> dict[str, Rubric]:
    own = {p.stem: p for p in rubric_files(folder / d.str("rubrics", "dir", "rubrics"))}
    shared: dict[str, Path] = {}
    for directory in shared_rubric_dirs():
        for p in rubric_files(directory):
            shared.setdefault(p.stem, p)
    wanted = d.list("rubrics", "use", default=list(own))
    rubrics: dict[str, Rubric] = {}
    for rid in dict.fromkeys([*wanted, *own]):
        path = own.get(rid) or shared.get(rid)
        if path is None:
            problems.append(Problem(d.file, f"[rubrics].use: no rubric '{rid}' in the pack's "
                                            f"rubrics/ or the shared rubrics/"
                                            f"{did_you_mean(rid, [*own, *shared])}"))
            continue
        try:
            data = read_rubric_data(path)
            rubric = rubric_from_data(data, default_id=rid, source=str(path))
        except RubricError as e:
            problems += e.problems or [Problem(str(path), str(e))]
            continue
        rubrics[rubric.id] = rubric
    return rubrics


def _load_mapping(path: Path, lexicon: Lexicon, problems: list[Problem]) -> dict[str, str]:
    if not path.is_file():
        problems.append(Problem(str(path), "mapping file not found"))
        return {}
    mapping: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"code", "concept"} <= set(reader.fieldnames):
            problems.append(Problem(str(path), "needs a header row with columns code,concept"))
            return {}
        for row in reader:
            concept = (row.get("concept") or "").strip()
            if concept and concept not in lexicon:
                problems.append(Problem(str(path), f"concept '{concept}' (for '{row['code']}') is "
                                                   "not in the ontology", line=reader.line_num))
                continue
            mapping[row["code"].strip()] = concept
    return mapping


def _recipe_problems(path: Path, domain: str) -> list[Problem]:
    # The schema lives with the trainer (kgjudge/train/recipe.py, a pure-data module); checking
    # it here lets `kgjudge domains validate` report recipe problems with everything else.
    from kgjudge.train.recipe import recipe_from_data

    problems: list[Problem] = []
    data = _read_toml(path, problems)
    if data is not None:
        problems += recipe_from_data(data, path=path, domain=domain)[1]
    return problems


def _apply_calibration(path: Path, rubrics: dict[str, Rubric],
                       problems: list[Problem]) -> dict[str, Rubric]:
    if not path.is_file():
        return rubrics
    data = _read_toml(path, problems) or {}
    result = dict(rubrics)
    for rid, table in (data.get("rubrics") or {}).items():
        if rid not in result:
            problems.append(Problem(str(path), f"calibration for unknown rubric '{rid}'"))
            continue
        thresholds = table.get("thresholds")
        if not (isinstance(thresholds, list) and len(thresholds) == 4
                and thresholds == sorted(thresholds)):
            problems.append(Problem(str(path), f"rubrics.{rid}.thresholds must be 4 ascending "
                                               "numbers"))
            continue
        rubric = result[rid]
        result[rid] = replace(rubric, kg=replace(rubric.kg, thresholds=tuple(thresholds)))
    return result
