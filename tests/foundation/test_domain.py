"""Pack validation: one broken-pack fixture per failure mode, all problems reported at once."""

import re
import shutil
from pathlib import Path

import pytest

from kgjudge.cli import main
from kgjudge.domain import find_pack, load_pack, validate_pack
from kgjudge.errors import PackError

REPO = Path(__file__).resolve().parents[2]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drifted: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_scaffold_is_valid(demo_pack: Path) -> None:
    assert validate_pack(demo_pack) == []
    pack = load_pack(demo_pack)
    assert pack.name == "demo" and len(pack.lexicon) == 3
    assert set(pack.rubrics) == {"factual_correctness", "completeness"}
    assert pack.lexicon.lookup("sample things")[0].id == "example_thing"


BREAKS = {
    "malformed turtle": ("ontology.ttl", 'skos:prefLabel "thing" .', 'skos:prefLabel "thing" '),
    "unknown entity type": ("ontology.ttl", 'kgj:entityType "property"', 'kgj:entityType "gadget"'),
    "concept without a label": ("ontology.ttl", 'skos:prefLabel "large" ;\n    skos:altLabel "big" .',
                                'kgj:side "none" .'),
    "unknown domain.toml key": ("domain.toml", "max_hops = 2", "max_hop = 2"),
    "unknown relation in relations.toml": ("relations.toml", 'relation = "part_of"',
                                           'relation = "partof"'),
    "bad trigger category": ("context.toml", 'category = "uncertain"', 'category = "maybe"'),
    "finding root not a type": ("domain.toml", 'finding_roots = ["thing"]',
                                'finding_roots = ["widget"]'),
    "unknown recipe key": ("recipe.toml", "seed = 0", "sed = 0"),
    "ends_scopes not a boolean": ("context.toml", 'category = "uncertain"',
                                  'category = "uncertain"\nends_scopes = "no"'),
    "part not a concept": ("context.toml", 'max_tokens = 12 ', 'parts = ["larg"]\nmax_tokens = 12 '),
    "not_entities not phrases": ("relations.toml", "# How relations are found inside a sentence.",
                                 "not_entities = 3"),
    "missing rubric": ("domain.toml", 'use = ["factual_correctness", "completeness"]',
                       'use = ["factual_correctness", "completness"]'),
}
EXPECTED = {
    "malformed turtle": r"ontology\.ttl:\d+: malformed turtle",
    "unknown entity type": r"ontology\.ttl:\d+: concept 'large' has unknown entity type 'gadget'",
    "concept without a label": r"ontology\.ttl:\d+: concept 'large' has no skos:prefLabel",
    "unknown domain.toml key": r"domain\.toml: unknown key \[compare\]\.max_hop \(did you mean 'max_hops'\?\)",
    "unknown relation in relations.toml": r"relations\.toml: phrases #1: unknown relation 'partof' \(did you mean 'part_of'\?\)",
    "bad trigger category": r"context\.toml: triggers #2: category 'maybe'",
    "finding root not a type": r"domain\.toml: \[types\]\.finding_roots: 'widget'",
    "unknown recipe key": r"recipe\.toml: unknown key 'sed' \(did you mean 'seed'\?\)",
    "ends_scopes not a boolean": r"context\.toml: triggers #2: 'ends_scopes' must be true or false",
    "part not a concept": r"context\.toml: \[scope\]\.parts: 'larg' is not a concept of the ontology \(did you mean 'large'\?\)",
    "not_entities not phrases": r"relations\.toml: not_entities must be a list of phrases",
    "missing rubric": r"domain\.toml: \[rubrics\]\.use: no rubric 'completness'.*did you mean 'completeness'",
}


@pytest.mark.parametrize("mode", sorted(BREAKS))
def test_each_failure_mode_is_named_with_its_file(demo_pack: Path, mode: str) -> None:
    file, old, new = BREAKS[mode]
    edit(demo_pack / file, old, new)
    problems = [str(p) for p in validate_pack(demo_pack)]
    assert any(re.search(EXPECTED[mode], p) for p in problems), problems
    with pytest.raises(PackError):
        load_pack(demo_pack)


def test_rubric_missing_score3_is_named(demo_pack: Path) -> None:
    (demo_pack / "rubrics").mkdir()
    (demo_pack / "rubrics" / "mine.toml").write_text(
        'criteria = "c"\n' + "".join(f'score{i}_description = "d"\n' for i in (1, 2, 4, 5)),
        encoding="utf-8")
    problems = [str(p) for p in validate_pack(demo_pack)]
    assert any("mine.toml: missing or empty 'score3_description'" in p for p in problems)


def test_all_problems_are_reported_at_once_and_cli_exits_1(demo_pack: Path, capsys) -> None:
    for mode in ("unknown entity type", "unknown domain.toml key", "bad trigger category",
                 "missing rubric"):
        edit(demo_pack / BREAKS[mode][0], *BREAKS[mode][1:])
    assert main(["domains", "validate", str(demo_pack)]) == 1
    out = capsys.readouterr().out
    for mode in ("unknown entity type", "unknown domain.toml key", "bad trigger category",
                 "missing rubric"):
        assert re.search(EXPECTED[mode], out), (mode, out)


def test_unknown_pack_lists_known_ones() -> None:
    with pytest.raises(PackError, match="Known packs"):
        find_pack("no-such-pack")


def test_cli_new_then_validate(tmp_path: Path, capsys) -> None:
    assert main(["domains", "new", "fresh", "--dir", str(tmp_path)]) == 0
    assert main(["domains", "validate", str(tmp_path / "fresh")]) == 0
    assert main(["domains", "new", "fresh", "--dir", str(tmp_path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err


def test_pack_hash_changes_with_content(demo_pack: Path, tmp_path: Path) -> None:
    before = load_pack(demo_pack).content_hash
    copy = tmp_path / "copy" / "demo"
    shutil.copytree(demo_pack, copy)
    edit(copy / "ontology.ttl", '"big"', '"huge"')
    assert load_pack(copy).content_hash != before


def test_an_installed_wheel_finds_the_packs_and_rubrics_it_ships(tmp_path: Path,
                                                                  monkeypatch) -> None:  # noqa: ANN001
    # a wheel carries domains/ and rubrics/ as kgjudge/_shipped/ (setup.py); installed, kgjudge
    # has no checkout around it, and the user runs it from any folder
    import kgjudge.domain as domain

    root = Path(__file__).resolve().parents[2]
    shipped = tmp_path / "site-packages" / "kgjudge" / "_shipped"
    shutil.copytree(root / "domains" / "radiology", shipped / "domains" / "radiology")
    shutil.copytree(root / "rubrics", shipped / "rubrics")
    monkeypatch.setattr(domain, "REPO_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(domain, "SHIPPED", shipped)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KGJUDGE_DOMAINS", raising=False)
    assert find_pack("radiology") == shipped / "domains" / "radiology"
    assert shipped / "rubrics" in domain.shared_rubric_dirs()
    assert load_pack("radiology").name == "radiology"
