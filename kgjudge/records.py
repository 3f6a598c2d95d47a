"""Record: the base of kgjudge's small value classes (graph nodes and edges, extraction's
mentions and triggers).

They are plain classes with ``__slots__`` and their own ``__init__``, not NamedTuples or
dataclasses: mypyc compiles such a class to a C struct, made in ~25 ns and read without a
lookup, where a NamedTuple costs ~140 ns to make and a dataclass's generated ``__init__`` ~190 ns
(extraction makes dozens a document; scripts/bench_extract.py). Treat them as immutable:
nothing assigns to one after it is made; ``replace`` gives a changed copy.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Equality, hashing, printing, copying and pickling by the fields in ``FIELDS``."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()
    """The fields in the order ``__init__`` takes them."""

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (NamedTuple's ``_replace``)."""
        fields = dict(zip(self.FIELDS, self.values(), strict=True))
        fields.update(changes)
        return type(self)(**fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.values() == other.values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # a compiled class with slots has no default pickling; batch workers send these
        return type(self), self.values()
