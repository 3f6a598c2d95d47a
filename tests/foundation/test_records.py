"""Every Record names all its attributes in FIELDS: equality, hashing, repr, replace() and
pickling read FIELDS only, so an attribute left out of it would be silently ignored by all five."""

import inspect

import pytest

from kgjudge.extract.context import Scope
from kgjudge.extract.pipeline import Mention, PhraseHit, TriggerHit
from kgjudge.extract.relations import Relation
from kgjudge.extract.spans import TokenSpan
from kgjudge.graph import Edge, Node
from kgjudge.records import Record

TRIGGER = TriggerHit(0, 1, "negated", "forward", None)
SAMPLES = [Node("effusion", "observation", spans=((1, 3),)), Edge("a|present", "modify", "b"),
           Mention(0, 2, "k", "anatomy", "K"), TRIGGER, PhraseHit(0, 1, 2),
           Scope(1, 4, TRIGGER), Relation(0, "modify", 1, 0, 3)]


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


def test_the_samples_cover_every_record_class() -> None:
    assert _subclasses(Record) - {TokenSpan} <= {type(s) for s in SAMPLES}


@pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
def test_fields_name_every_attribute_an_instance_holds(record: Record) -> None:
    descriptors = {name for klass in type(record).__mro__ for name, value in vars(klass).items()
                   if inspect.isdatadescriptor(value) and not name.startswith("__")}
    settable = set()
    for name in descriptors:  # a field can be set (on a copy); a property such as Node.id not
        copy = record.replace()
        try:
            setattr(copy, name, getattr(record, name))
        except AttributeError:
            continue
        settable.add(name)
    assert settable == set(type(record).FIELDS)
    assert len(set(type(record).FIELDS)) == len(type(record).FIELDS)
