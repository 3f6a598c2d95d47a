"""Relations between asserted mentions: the pack's relation phrases plus clause-level rules.

- modify: a modifier (or measurement) and the entity next to it. Lateral modifiers ("left")
  prefer anatomy ("left pleural effusion": left -> pleural); others prefer findings ("small left
  pleural effusion": small -> effusion). The head is looked for after the modifier first, then
  before it ("the effusion is small"), within ``modify_window`` tokens that belong to no mention.
- located_at: in one clause, an anatomy right before a finding belongs to it ("pleural
  effusion"); otherwise it belongs to the nearest finding before it ("opacity in the left lower
  lobe"), else to the nearest after it ("the heart is enlarged").
- phrases: "<source> PHRASE <target>" in one sentence: the nearest source-typed mention before
  the phrase, every target-typed mention after it up to the next clause break.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from kgjudge.domain import DomainPack
from kgjudge.extract.pipeline import DocMatches, Mention
from kgjudge.extract.spans import TokenSpan, starting_in

_SIDES = ("left", "right", "bilateral")


class Relation(TokenSpan):
    """A relation between two mentions (indices into the mention list) and its evidence tokens
    [start, end)."""

    __slots__ = ("source", "relation", "target")
    FIELDS = ("source", "relation", "target", "start", "end")

    def __init__(self, source: int, relation: str, target: int, start: int, end: int) -> None:
        self.source = source
        self.relation = relation
        self.target = target
        self.start = start
        self.end = end


class RelationRules:
    """The pack's relation rules, applied to one document's mentions at a time."""

    def __init__(self, pack: DomainPack) -> None:
        self.phrases = pack.relations.phrases
        # phrases of relations the clause rules do not make cut a clause ("consistent with"
        # separates a finding from what it suggests; "in" does not)
        self._cutting = [rule.relation not in ("modify", "located_at") for rule in self.phrases]
        clause = pack.relations.clause
        self.modify_types = frozenset(clause.modify_types)
        self.window = clause.modify_window
        self.sources = frozenset(clause.located_at_sources)
        self.targets = frozenset(clause.located_at_targets)
        self.findings = frozenset(pack.finding_roots)
        self.has_modify = "modify" in pack.relation_types
        self.has_located_at = "located_at" in pack.relation_types and bool(self.sources)

    def find(self, mentions: list[Mention], found: DocMatches) -> Iterator[Relation]:
        """Every relation among ``mentions`` (sorted by start) of one document."""
        out: list[Relation] = []
        if len(mentions) < 2:
            return iter(out)  # a relation joins two mentions
        cuts: list[int] = []  # worked out for the first sentence of several clauses
        starts: list[int] = []  # for a document of several sentences
        for s_start, s_end in found.sentences:
            lo, hi = starting_in(mentions, starts, s_start, s_end)
            if hi - lo < 2:
                continue  # no two mentions: no relation in this sentence
            sentence = range(lo, hi)
            if self._one_clause(mentions[lo].start, mentions[hi - 1].start, found):
                clauses = [list(sentence)]  # most sentences: no need for the cuts
            else:
                cuts = cuts or self._cuts(found)
                clauses = _clauses(sentence, mentions, cuts)
            previous: list[int] = []
            for clause in clauses:
                if len(clause) > 1:  # modify and located_at join two mentions of a clause
                    if self.has_modify:
                        self._modify(clause, mentions, found.alternatives, out)
                    if self.has_located_at:
                        self._located_at(clause, mentions, found, out)
                if self.has_located_at and previous:
                    self._apposition(previous, clause, mentions, cuts, s_end, out)
                previous = clause
            if found.phrases:
                self._phrases(sentence, mentions, found, s_start, s_end, out)
        return iter(out)

    def _cuts(self, found: DocMatches) -> list[int]:
        """Clause cuts: clause breaks and the phrases that cut a clause."""
        cutting = self._cutting
        return sorted({*found.breaks, *[p.start for p in found.phrases if cutting[p.rule]]})

    def _one_clause(self, first: int, last: int, found: DocMatches) -> bool:
        """No cut between the mentions starting at tokens ``first`` and ``last`` (a mention's
        clause is the number of cuts before it)."""
        breaks = found.breaks
        if breaks and bisect_left(breaks, first) != bisect_left(breaks, last):
            return False
        cutting = self._cutting
        for hit in found.phrases:
            if first <= hit.start < last and cutting[hit.rule]:
                return False
        return True

    # ------------------------------------------------------------------ modify
    def _modify(self, clause: list[int], mentions: list[Mention], alternatives: list[int],
                out: list[Relation]) -> None:
        modify_types = self.modify_types
        for pos, i in enumerate(clause):
            m = mentions[i]
            if m.type not in modify_types:
                continue
            j = self._head(m, clause[pos + 1:], mentions, forward=True)
            forward = j is not None
            if j is None or (m.side is None and mentions[j].type in self.targets
                             and self._words_between(m, mentions[j], mentions, clause) > 0):
                # a size or severity goes to a finding: "tube tip 4 cm above the carina"
                back = self._head(m, clause[pos - 1::-1] if pos else [], mentions, forward=False)
                if back is not None and (j is None or mentions[back].type in self.sources):
                    j, forward = back, False
            if j is None:
                continue
            head = mentions[j]
            out.append(Relation(i, "modify", j, min(m.start, head.start),
                                max(m.end, head.end)))
            # "bibasilar atelectasis or scarring": a differential shares its modifiers
            nxt = j + 1
            if forward and head.type in self.sources and nxt < len(mentions) and \
                    mentions[nxt].type == head.type and mentions[nxt].start == head.end + 1 and \
                    _holds(alternatives, head.end):
                alt = mentions[nxt]
                out.append(Relation(i, "modify", nxt, min(m.start, alt.start),
                                    max(m.end, alt.end)))

    @staticmethod
    def _words_between(a: Mention, b: Mention, mentions: list[Mention], clause: list[int]) -> int:
        """Tokens between two mentions (a before b) that belong to no mention."""
        inside = sum(m.end - m.start for m in (mentions[j] for j in clause)
                     if a.end <= m.start and m.end <= b.start)
        return b.start - a.end - inside

    def _head(self, modifier: Mention, candidates: list[int], mentions: list[Mention], *,
              forward: bool) -> int | None:
        """The entity a modifier modifies among candidates (mention indices) ordered away from
        it."""
        prefer_anatomy = modifier.side is not None
        edge = modifier.end if forward else modifier.start
        first: int | None = None
        gap = 0
        window, modify_types, targets = self.window, self.modify_types, self.targets
        for j in candidates:
            c = mentions[j]
            gap += (c.start - edge) if forward else (edge - c.end)
            if gap > window:
                break
            edge = c.end if forward else c.start
            if c.type in modify_types:
                continue
            if first is None:
                first = j
            is_anatomy = c.type in targets
            if is_anatomy == prefer_anatomy:
                return j
            if not is_anatomy or not forward:
                break  # a finding ends the search for anatomy; look no further back
        return first

    # ------------------------------------------------------------------ located_at
    def _coordinated(self, owner: int, findings: list[int], mentions: list[Mention],
                     conjunctions: list[int]) -> list[int]:
        """The owner and the findings joined to it by one 'and' / 'or' / '/' before it."""
        chain = [owner]
        earlier = [f for f in findings if f < owner]
        while earlier:
            prev, head = earlier.pop(), chain[-1]
            between = [m for m in mentions[prev + 1:head]]
            if any(m.type not in self.modify_types for m in between):
                break
            start = between[0].start if between else mentions[head].start
            gap = start - mentions[prev].end
            i = bisect_left(conjunctions, mentions[prev].end)
            if gap != 1 or i >= len(conjunctions) or conjunctions[i] != mentions[prev].end:
                break
            chain.append(prev)
        return chain

    def _apposition(self, previous: list[int], clause: list[int], mentions: list[Mention],
                    cuts: list[int], s_end: int, out: list[Relation]) -> None:
        """"Old fracture, right mid clavicle.": a clause made only of anatomy (and its modifiers)
        locates the last finding of the clause before it."""
        findings = [i for i in previous if mentions[i].type in self.sources]
        if not findings or any(mentions[i].type not in self.targets and
                               mentions[i].type not in self.modify_types for i in clause):
            return
        first, last = mentions[clause[0]], mentions[clause[-1]]
        k = bisect_right(cuts, first.start - 1)
        if k == 0:
            return
        start, end = cuts[k - 1] + 1, _next_break(cuts, last.end, s_end)
        covered = sum(mentions[i].end - mentions[i].start for i in clause)
        if covered != end - start:  # other words in the clause: not a bare apposition
            return
        f = mentions[findings[-1]]
        for i in clause:
            if mentions[i].type in self.targets:
                out.append(Relation(findings[-1], "located_at", i, f.start,
                                    mentions[i].end))

    def _located_at(self, clause: list[int], mentions: list[Mention], found: DocMatches,
                    out: list[Relation]) -> None:
        sources, targets = self.sources, self.targets
        findings = [i for i in clause if mentions[i].type in sources]
        if not findings:
            return
        for pos, i in enumerate(clause):
            a = mentions[i]
            if a.type not in targets:
                continue
            owner = self._adjacent_finding(clause[pos + 1:], mentions, a)
            if owner is not None:
                # "right upper lobe atelectasis or scarring": a differential shares a sided
                # place ("no pleural effusion or pneumothorax" is a list, not a differential)
                sided = a.side in _SIDES or (pos > 0 and mentions[clause[pos - 1]].side in _SIDES
                                             and mentions[clause[pos - 1]].end == a.start)
                owners = [owner, *(self._alternatives_after(owner, clause, mentions,
                                                            found.alternatives) if sided else [])]
            else:
                before = [f for f in findings if mentions[f].end <= a.start]
                after = [f for f in findings if mentions[f].start >= a.end]
                # "scarring or atelectasis at the right base": coordinated findings share it
                owners = self._coordinated(before[-1], findings, mentions, found.conjunctions) \
                    if before else after[:1]
            for o in owners:
                f = mentions[o]
                out.append(Relation(o, "located_at", i, min(a.start, f.start),
                                    max(a.end, f.end)))

    def _alternatives_after(self, owner: int, clause: list[int], mentions: list[Mention],
                            alternatives: list[int]) -> list[int]:
        """Findings joined to ``owner`` by 'or' or '/' right after it ("atelectasis or
        scarring")."""
        chain: list[int] = []
        head = owner
        for j in clause:
            if j <= head:
                continue
            m = mentions[j]
            end = mentions[head].end
            if m.type not in self.sources or m.start != end + 1 or \
                    not _holds(alternatives, end):
                break
            chain.append(j)
            head = j
        return chain

    def _adjacent_finding(self, rest: list[int], mentions: list[Mention],
                          anatomy: Mention) -> int | None:
        """A finding right after the anatomy, past only modifiers and anatomy ("right lung base
        opacity")."""
        edge = anatomy.end
        for j in rest:
            m = mentions[j]
            if m.start - edge > 0:
                return None
            if m.type in self.sources:
                return j
            if m.type not in self.modify_types and m.type not in self.targets:
                return None
            edge = m.end
        return None

    # ------------------------------------------------------------------ phrases
    def _phrases(self, sentence: Sequence[int], mentions: list[Mention], found: DocMatches,
                 s_start: int, s_end: int, out: list[Relation]) -> None:
        first = sentence[0]
        for hit in found.phrases:
            h_start, h_end = hit.start, hit.end
            if not s_start <= h_start < s_end:
                continue
            rule = self.phrases[hit.rule]
            sources, targets = rule.source_types, rule.target_types
            source = None  # the nearest source-typed mention before the phrase
            for i in reversed(sentence):
                m = mentions[i]
                if m.end <= h_start and (not sources or m.type in sources):
                    source = i
                    break
            if source is None:
                continue
            stop = _next_break(found.breaks, h_end, s_end)
            for j in sentence:
                m = mentions[j]
                if m.start < h_end:
                    continue
                if m.end > stop or (m.type in sources and j != first and m.type not in targets):
                    break  # a clause break or a new finding ends the targets
                if not targets or m.type in targets:
                    out.append(Relation(source, rule.relation, j, h_start, h_end))


def _clauses(sentence: Sequence[int], mentions: list[Mention], cuts: list[int]
             ) -> list[list[int]]:
    """Mention indices of a sentence grouped by clause (``cuts``: token indices, sorted)."""
    first = bisect_right(cuts, mentions[sentence[0]].start - 1)
    if first == bisect_right(cuts, mentions[sentence[-1]].start - 1):
        return [list(sentence)]  # no cut between the first and the last mention: one clause
    clauses: list[list[int]] = []
    clause: list[int] = []
    last_cut = None
    for i in sentence:
        k = bisect_right(cuts, mentions[i].start - 1)
        cut = cuts[k - 1] if k else None
        if clause and cut != last_cut:
            clauses.append(clause)
            clause = []
        clause.append(i)
        last_cut = cut
    if clause:
        clauses.append(clause)
    return clauses


def _holds(sorted_ints: list[int], value: int) -> bool:
    """Is ``value`` in the sorted list (a bisect, not a scan)?"""
    i = bisect_left(sorted_ints, value)
    return i < len(sorted_ints) and sorted_ints[i] == value


def _next_break(breaks: list[int], after: int, default: int) -> int:
    i = bisect_left(breaks, after)
    return min(breaks[i], default) if i < len(breaks) else default
