import json
from pathlib import Path

import pytest

from kgjudge.errors import RubricError
from kgjudge.rubric import load_rubric

# Prometheus' own rubric shape, as released with prometheus-eval (a dict of six strings).
PROMETHEUS = {
    "criteria": "Is the model proficient in applying empathy and emotional intelligence?",
    "score1_description": "The model neglects to identify or react to the emotional tone.",
    "score2_description": "The model intermittently acknowledges emotional context.",
    "score3_description": "The model typically identifies emotional context.",
    "score4_description": "The model consistently identifies and reacts suitably.",
    "score5_description": "The model excels in identifying emotional context.",
}


def test_prometheus_rubric_imports_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "empathy.json"
    path.write_text(json.dumps(PROMETHEUS), encoding="utf-8")
    rubric = load_rubric(path)
    assert rubric.id == "empathy"
    assert rubric.to_prometheus() == PROMETHEUS
    assert load_rubric(str(path)) == rubric  # a path given as a string, as from a script
    assert rubric.description(3) == PROMETHEUS["score3_description"]


def test_yaml_rubric_with_kg_mapping(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "id: recall_only\ncriteria: c\n"
        + "".join(f"score{i}_description: d{i}\n" for i in range(1, 6))
        + "kg:\n  weights: {node_recall: 1.0}\n  thresholds: [0.1, 0.2, 0.3, 0.4]\n",
        encoding="utf-8")
    rubric = load_rubric(path)
    assert rubric.kg.weights == {"node_recall": 1.0}
    assert rubric.kg.thresholds == (0.1, 0.2, 0.3, 0.4)


def test_every_rubric_problem_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'criteria = "c"\nscore1_description = "a"\nscore2_description = "b"\n'
        'score4_description = "d"\nscore5_description = "e"\ncriterion = "typo"\n'
        '[kg]\nweights = { node_recal = 1.0 }\nthresholds = [0.9, 0.1, 0.2, 0.3]\n',
        encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    text = str(info.value)
    assert "missing or empty 'score3_description'" in text
    assert "unknown key 'criterion' (did you mean 'criteria'?)" in text
    assert "unknown metric 'node_recal' (did you mean 'node_recall'?)" in text
    assert "4 ascending numbers" in text
    assert str(path) in text


def test_malformed_toml_rubric_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('criteria = "c"\nscore1_description = \n', encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert info.value.problems[0].line == 2


@pytest.mark.parametrize("name", sorted(p.stem for p in Path("rubrics").glob("*.toml")))
def test_shared_rubrics_load(name: str) -> None:
    rubric = load_rubric(Path("rubrics") / f"{name}.toml")
    assert rubric.id == name and all(rubric.descriptions)
