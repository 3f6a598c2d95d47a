"""MetricsBar: one line of the comparison's scores for the open case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.widgets import Static

#: (Scores field, label) in display order.
METRICS = (("nsc", "NSC"), ("ams", "AMS"), ("scs", "SCS"), ("node_f1", "node F1"),
           ("edge_f1", "edge F1"), ("contradictions", "contradictions"))


class MetricsBar(Static):
    """Shows NSC / AMS / SCS, node and edge F1 and the contradiction count."""

    DEFAULT_CSS = """
    MetricsBar { height: auto; padding: 0 1; background: $boost; text-style: bold; }
    """

    def show(self, metrics: Mapping[str, Any], title: str = "") -> None:
        self.update(Text(metrics_line(metrics, title)))


def metrics_line(metrics: Mapping[str, Any], title: str = "") -> str:
    """'NSC 0.82  AMS -  SCS 0.50 ...' ('-' where a metric does not apply)."""
    parts = [title] if title else []
    for key, label in METRICS:
        value = metrics.get(key)
        if value is None:
            shown = "-"
        elif isinstance(value, float):
            shown = f"{value:.2f}"
        else:
            shown = str(value)
        parts.append(f"{label} {shown}")
    return "  ".join(parts)
