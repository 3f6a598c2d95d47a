"""The spacy extractor on a tiny NER pipeline the test trains itself (no downloads)."""

import random
import shutil
from pathlib import Path

import pytest

from kgjudge.domain import load_pack
from kgjudge.errors import ConfigError, ExtractionError
from kgjudge.extract import get_extractor

PACK = Path(__file__).parent / "pack"
TRAIN = [
    ("No pneumothorax.", [(3, 15, "observation")]),
    ("Small effusion.", [(6, 14, "observation")]),
    ("Possible pneumonia.", [(9, 18, "observation")]),
    ("Effusion has resolved.", [(0, 8, "observation")]),
    ("Heart is normal.", [(0, 5, "anatomy")]),
    ("No opacity in the heart.", [(3, 10, "observation"), (18, 23, "anatomy")]),
    ("There is a granuloma.", [(11, 20, "FINDING")]),  # not a pack type: dropped, not guessed
]


@pytest.fixture(scope="module")
def ner_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    random.seed(0)
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for _, ents in TRAIN:
        for *_, label in ents:
            ner.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": e}) for t, e in TRAIN]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(40):
        random.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.0)
    out = tmp_path_factory.mktemp("ner") / "model"
    nlp.to_disk(out)
    return out


@pytest.fixture(scope="module")
def pack_with_model(ner_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pack") / "minirad"
    shutil.copytree(PACK, folder)
    manifest = folder / "domain.toml"
    manifest.write_text(manifest.read_text() + f'\n[extractor]\nname = "spacy"\n'
                                                f'spacy_model = "{ner_model.as_posix()}"\n')
    return folder


def test_ner_entities_get_assertions_and_relations(pack_with_model: Path) -> None:
    pack = load_pack(pack_with_model)
    extractor = get_extractor(pack)
    assert extractor.name == "spacy"
    absent = extractor.extract("No pneumothorax.")
    assert [(n.key, n.type, n.assertion, n.in_ontology) for n in absent.nodes()] == \
        [("pneumothorax", "observation", "absent", True)]
    located = extractor.extract("No opacity in the heart.")
    assert {(e.source, e.relation, e.target) for e in located.edges()} == \
        {("opacity|absent", "located_at", "heart|present")}
    uncertain = extractor.extract("Possible pneumonia.")
    assert [n.id for n in uncertain.nodes()] == ["pneumonia|uncertain"]


def test_labels_outside_the_pack_are_dropped(pack_with_model: Path) -> None:
    extractor = get_extractor(load_pack(pack_with_model))
    graphs = list(extractor.extract_many(["There is a granuloma.", "Small effusion."]))
    assert all(n.type in ("observation", "anatomy") for g in graphs for n in g.nodes())
    assert [n.key for n in graphs[1].nodes()] == ["effusion"]


def test_missing_pipeline_is_an_extraction_error(pack) -> None:
    with pytest.raises(ExtractionError, match="no_such_pipeline"):
        get_extractor(pack, "spacy", model="no_such_pipeline")
    with pytest.raises(ConfigError, match="spacy_model"):
        get_extractor(pack, "spacy")


def test_open_patterns_add_measurements_beside_the_pipelines_entities(
        pack_with_model: Path) -> None:
    extractor = get_extractor(load_pack(pack_with_model))
    graph = extractor.extract("Small effusion, 4 x 5 cm.")
    nodes = {n.key: n for n in graph.nodes()}
    assert nodes["4 x 5 cm"].type == "measurement" and not nodes["4 x 5 cm"].in_ontology
    assert nodes["effusion"].type == "observation"
    a, b = nodes["4 x 5 cm"].spans[0]
    assert graph.text[a:b] == "4 x 5 cm"
