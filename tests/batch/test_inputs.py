"""Discovery of pairs in folders and manifests; safe reading of documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from batch_helpers import make_folder

from kgjudge.errors import InputError
from kgjudge.inputs import discover, read_document


def test_folders_with_two_models_and_unmatched_files(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "in", 2, sources=("model_a", "model_b"))
    (root / "model_a" / "orphan.txt").write_text("no reference")
    (root / "references" / "lonely.txt").write_text("no candidate")
    items = list(discover(root))
    keys = [(i.source, i.id) for i in items]
    assert keys.count(("model_a", "r0000")) == 1 and ("model_b", "r0001") in keys
    problems = {(i.source, i.id): i.problem for i in items if i.problem}
    assert problems[("model_a", "orphan")].startswith("missing reference")
    assert problems[("model_a", "lonely")].startswith("missing candidate")
    assert problems[("model_b", "lonely")].startswith("missing candidate")
    assert len(problems) == 3
    # Same reference for both models comes together (reference graph cache hits).
    assert keys.index(("model_b", "r0000")) == keys.index(("model_a", "r0000")) + 1


def test_ref_cand_pairs(tmp_path: Path) -> None:
    (tmp_path / "a.ref.txt").write_text("ref")
    (tmp_path / "a.cand.txt").write_text("cand")
    (tmp_path / "b.cand.txt").write_text("cand")
    items = {i.id: i for i in discover(tmp_path)}
    assert items["a"].reference_path.endswith("a.ref.txt") and not items["a"].problem
    assert items["b"].problem.startswith("missing reference")


def test_csv_manifest_paths_texts_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "ref1.txt").write_text("reference one")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "id,reference,candidate,instruction,site\n"
        'p1,ref1.txt,"inline candidate\nwith two lines",Write findings,north\n'
        "p2,,some text,,south\n")
    p1, p2 = discover(manifest)
    assert p1.reference_path == str(tmp_path / "ref1.txt") and p1.reference_text is None
    assert p1.candidate_text == "inline candidate\nwith two lines"
    assert p1.instruction == "Write findings" and p1.metadata == {"site": "north"}
    assert p2.problem.startswith("missing reference")


def test_jsonl_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    rows = [{"id": "a", "reference_text": "r", "candidate_text": "c", "source": "m1",
             "metadata": {"k": 1}}, "not json"]
    manifest.write_text(json.dumps(rows[0]) + "\n{broken\n")
    a, broken = discover(manifest)
    assert (a.source, a.reference_text, a.metadata) == ("m1", "r", {"k": 1})
    assert broken.problem.startswith("bad manifest row")


def test_a_one_line_text_longer_than_a_file_name_is_text(tmp_path: Path) -> None:
    """A summary of one line (SummEval's) is checked as a possible path first: one longer than
    a file name may be (ENAMETOOLONG), or holding a NUL, is the text, not an unreadable
    manifest."""
    long_line = "the senator said the bill would pass . " * 10  # 390 characters, no '/'
    manifest = tmp_path / "m.jsonl"
    rows = [{"id": "long", "reference": long_line, "candidate": "a\u0000b"},
            {"id": "short", "reference": "r.txt", "candidate": "plain words"}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "r.txt").write_text("a reference")
    long, short = discover(manifest)
    assert (long.reference_text, long.candidate_text, long.problem) == (long_line, "a\x00b", "")
    assert short.reference_path == str(tmp_path / "r.txt")
    assert short.candidate_text == "plain words"


def test_unknown_layout_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(InputError, match="references/"):
        discover(tmp_path)
    with pytest.raises(InputError, match="no such"):
        discover(tmp_path / "missing")


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty file"), (b"  \n\t", "empty file"), (b"abc\x00def", "binary file"),
    (b"caf\xe9", "invalid UTF-8"), (b"x" * 101, "file too large"),
])
def test_read_document_refuses_bad_content(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"^{reason}: .*doc.txt"):
        read_document(path, max_bytes=100)


def test_utf16_with_its_byte_order_mark_is_text(tmp_path: Path) -> None:
    """Windows saves "Unicode" text as UTF-16 with a BOM: full of NUL bytes, yet a document."""
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        path = tmp_path / f"{codec}.txt"
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
        path.write_bytes(bom + "No pleural effusion.\r\nCaf\u00e9.".encode(codec))
        assert read_document(path) == "No pleural effusion.\r\nCaf\u00e9."
    (tmp_path / "blank.txt").write_bytes(" \n".encode("utf-16"))
    with pytest.raises(InputError, match="^empty file"):
        read_document(tmp_path / "blank.txt")
    (tmp_path / "odd.txt").write_bytes(b"\xff\xfeN\x00o\x00\x00\xd8")  # a lone surrogate
    with pytest.raises(InputError, match="^invalid UTF-16: .*convert the file to UTF-8"):
        read_document(tmp_path / "odd.txt")


def test_read_document_refuses_folders_and_dangling_links(tmp_path: Path) -> None:
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(InputError, match="^not a file"):
        read_document(tmp_path / "dir.txt")
    os.symlink(tmp_path / "gone", tmp_path / "link.txt")
    with pytest.raises(InputError, match="^unreadable file"):
        read_document(tmp_path / "link.txt")
    (tmp_path / "ok.txt").write_bytes("\ufeffcafé".encode())
    assert read_document(tmp_path / "ok.txt") == "café"


def test_two_files_of_one_name_are_an_ambiguous_item_not_a_silent_pick(tmp_path: Path) -> None:
    """report.txt and report.md beside each other: scoring either would score a document
    nobody chose, so the pair is recorded with the reason and the others go on."""
    root = make_folder(tmp_path / "in", 2)
    (root / "references" / "r0000.md").write_text("another reference")
    (root / "candidates" / "r0001.rtf").write_text("another candidate")
    items = {i.id: i for i in discover(root)}
    assert items["r0000"].problem.startswith("ambiguous name: ")
    assert "r0000.md" in items["r0000"].problem and "r0000.txt" in items["r0000"].problem
    assert items["r0001"].problem.startswith("ambiguous name: ")
    assert "keep one of them" in items["r0001"].problem
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    for name in ("a.ref.txt", "a.ref.md", "a.cand.txt", "b.ref.txt", "b.cand.txt"):
        (pairs / name).write_text(name)
    items = {i.id: i for i in discover(pairs)}
    assert items["a"].problem.startswith("ambiguous name: ") and "a.ref.*" in items["a"].problem
    assert not items["b"].problem
