"""The ``spacy`` extractor: a domain team's own installed spaCy NER pipeline.

Entities come from the pipeline's ``doc.ents`` (labels must be the pack's entity types; others
are dropped, never guessed); keys are ontology concepts when the text is a known label, else the
normalised text. The pack's open patterns (measurements such as "3 mm") add nodes too; where
one overlaps an entity of the pipeline, the longer span wins. Assertions and relations are the
same steps the ``rules`` extractor uses.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kgjudge.errors import ConfigError, ExtractionError
from kgjudge.extract.pipeline import DocMatches, Mention, PackMatcher
from kgjudge.extract.rules import GraphBuilder, _check_text
from kgjudge.extract.spans import longest_first
from kgjudge.graph import ReportGraph
from kgjudge.ontology import normalise

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kgjudge.domain import DomainPack


class SpacyExtractor:
    """NER from an installed spaCy pipeline, then ConText and relation rules.

    Args:
        pack: the domain pack (types, lexicon, context and relation rules).
        model: spaCy pipeline name or folder; defaults to ``[extractor].spacy_model``.
        batch_size: documents per ``nlp.pipe`` batch.
    """

    name = "spacy"

    def __init__(self, pack: DomainPack, *, model: str | None = None,
                 batch_size: int = 64) -> None:
        self.pack = pack
        self.batch_size = batch_size
        self.model = model or pack.extractor.spacy_model
        if not self.model:
            raise ConfigError(f"the spacy extractor needs a pipeline: set [extractor].spacy_model "
                              f"in {pack.path / 'domain.toml'} or pass model=")
        self.nlp = _load(self.model)
        self.matcher = PackMatcher(self.nlp, pack, concepts=False)
        self.builder = GraphBuilder(pack)
        self._types = {t.lower(): t for t in pack.entity_types}
        self._dropped: set[str] = set()

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        doc = self.nlp(_check_text(text))
        return self.builder.build(doc, self._match(doc), doc_id)

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        for doc in self.nlp.pipe((_check_text(t) for t in texts), batch_size=self.batch_size):
            yield self.builder.build(doc, self._match(doc))

    def _match(self, doc: Doc) -> DocMatches:
        found = self.matcher.match(doc)  # ConText, clause marks, relation phrases, open patterns
        entities = [m for ent in doc.ents if (m := self._mention(ent)) is not None]
        # the pack's open patterns ("4 x 5 cm") add nodes; where they overlap the pipeline's
        # entities the longer span wins, the pipeline's on a tie (as among the rules' matches)
        found.mentions = longest_first([*entities, *found.mentions])
        return found

    def _mention(self, ent) -> Mention | None:  # noqa: ANN001 - a spaCy Span
        etype = self._types.get(ent.label_.lower())
        if etype is None:
            if ent.label_ not in self._dropped:
                self._dropped.add(ent.label_)
                print(f"kgjudge: spacy extractor: label '{ent.label_}' is not an entity type of "
                      f"pack '{self.pack.name}'; its entities are dropped", file=sys.stderr)
            return None
        concepts = [c for c in self.pack.lexicon.lookup(ent.text) if c.type == etype]
        if concepts:
            c = concepts[0]
            return Mention(ent.start, ent.end, c.id, etype, c.label, True, c.side)
        text = normalise(ent.text)
        return Mention(ent.start, ent.end, text, etype, text, False, None)


def _load(model: str) -> Language:
    import spacy

    try:
        return spacy.load(model)
    except OSError as e:
        raise ExtractionError(f"cannot load spaCy pipeline '{model}': {e}. Install it (pip "
                              "install the package) or point [extractor].spacy_model at its "
                              "folder") from e
