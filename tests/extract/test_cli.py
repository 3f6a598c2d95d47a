"""``kgjudge extract``: formats, several files, stdin, errors."""

import io
import json
from pathlib import Path

import networkx as nx
import rdflib

from kgjudge.cli import main
from kgjudge.graph import ReportGraph

PACK = str(Path(__file__).parent / "pack")


def run(capsys, *args: str) -> tuple[int, str, str]:  # noqa: ANN001
    code = main(["extract", "--domain", PACK, *args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_json_for_one_file(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(capsys, write(tmp_path, "a.txt", "No pneumothorax."))
    graph = ReportGraph.from_json(out)
    assert code == 0 and [n.id for n in graph.nodes()] == ["pneumothorax|absent"]
    assert graph.doc_id.endswith("a.txt")


def test_jsonl_for_many_files_and_stdin(tmp_path: Path, capsys,  # noqa: ANN001
                                        monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("sys.stdin", io.StringIO("Small effusion."))
    a = write(tmp_path, "a.txt", "No pneumothorax.")
    code, out, _ = run(capsys, a, "-")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [d["doc_id"] for d in lines] == [a, "-"]
    assert {n["key"] for n in lines[1]["nodes"]} == {"small", "effusion"}


def test_one_document_from_stdin(capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("sys.stdin", io.StringIO("Small effusion."))
    code, out, _ = run(capsys, "-")
    assert code == 0 and {n.key for n in ReportGraph.from_json(out).nodes()} == {"small",
                                                                                "effusion"}


def test_of_several_files_an_unreadable_one_is_named_and_skipped(tmp_path: Path,  # noqa: ANN001
                                                                 capsys) -> None:
    a = write(tmp_path, "a.txt", "No pneumothorax.")
    empty = write(tmp_path, "empty.txt", "")
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # an image saved as .txt
    b = write(tmp_path, "b.txt", "Small effusion.")
    code, out, err = run(capsys, a, empty, str(binary), b)
    assert code == 1
    assert [json.loads(line)["doc_id"] for line in out.splitlines()] == [a, b]
    assert "skipped: empty file: " in err and "empty.txt" in err
    assert "skipped: binary file: " in err and "scan.txt" in err
    assert "2 of 4 files skipped" in err


def test_turtle_and_graphml(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    a = write(tmp_path, "a.txt", "Left pleural effusion.")
    _, out, _ = run(capsys, a, "--format", "turtle")
    rdf = rdflib.Graph().parse(data=out, format="turtle")
    assert rdflib.URIRef("https://kgjudge.dev/minirad#effusion") in set(rdf.objects())
    _, out, _ = run(capsys, a, "--format", "graphml")
    assert "effusion|present" in nx.read_graphml(io.BytesIO(out.encode())).nodes


def test_table_lists_entities_then_relations(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    _, out, _ = run(capsys, write(tmp_path, "a.txt", "Left pleural effusion. No pneumonia."),
                    "--format", "table")
    lines = out.splitlines()
    assert lines[0].split() == ["entity", "type", "assertion", "span"]
    assert any(line.split()[:3] == ["pneumonia", "observation", "absent"] for line in lines)
    assert lines.index("relations:") > 3
    assert "  effusion|present -located_at-> pleura|present" in lines


def test_unreadable_file_is_an_input_error(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code, out, err = run(capsys, str(tmp_path / "missing.txt"))
    assert code == 2 and out == "" and "missing.txt" in err


def test_model_options_only_where_they_apply(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    a = write(tmp_path, "a.txt", "No pneumothorax.")
    code, _, err = run(capsys, a, "--model", "x")
    assert code == 2 and "do not apply to the 'rules' extractor" in err
    code, _, err = run(capsys, a, "--extractor", "spacy", "--model", str(tmp_path / "none"))
    assert code == 2 and "cannot load spaCy pipeline" in err


def test_settles_what_it_loaded(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    # the pack and the extractor leave the cyclic collector's walks before a long read
    import gc

    gc.unfreeze()
    code, _, _ = run(capsys, write(tmp_path, "a.txt", "No pneumothorax."))
    assert code == 0 and gc.get_freeze_count() > 0
