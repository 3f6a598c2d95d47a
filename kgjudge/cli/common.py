"""Helpers shared by the subcommands (not a subcommand itself)."""

from __future__ import annotations

import sys


def read_document_arg(name: str) -> str:
    """A document named on the command line ('-' is stdin), with the same checks as batch input.

    Empty, binary, non-UTF-8, oversize and unreadable documents raise InputError naming the file.
    """
    from kgjudge.inputs import check_text, read_document

    if name == "-":
        return check_text(sys.stdin.read(), "<stdin>")
    return read_document(name)
