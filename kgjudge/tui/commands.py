"""Command palette provider: every action of the screen in front, plus filters and backends.

Built from the active bindings (so a remapped key shows its new key) rather than a second list
of actions that could drift from the bindings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ReviewCommands(Provider):
    """'Override score', 'Filter: score <= 2', 'Re-judge with openai', ..."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app, screen = self.app, self.screen
        seen = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id or binding.id in seen or not active.enabled:
                continue
            seen.add(binding.id)
            yield (binding.description or binding.action, f"key: {key}  id: {binding.id}",
                   partial(app.run_action, binding.action, active.node))
        from kgjudge.tui.data import FILTERS
        from kgjudge.tui.screens.case import CaseScreen
        from kgjudge.tui.screens.queue import QueueScreen
        from kgjudge.tui.screens.rejudge import BACKENDS

        if isinstance(screen, QueueScreen):
            for fid, label in FILTERS.items():
                yield f"Filter: {label}", "show only these cases", partial(screen.set_filter, fid)
        if isinstance(screen, CaseScreen):
            for backend, what in BACKENDS.items():
                yield f"Re-judge with {backend}", what, partial(screen.rejudge, backend)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
