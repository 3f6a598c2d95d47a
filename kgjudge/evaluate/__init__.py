"""Meta-evaluation: how well a judge's scores agree with human scores.

Join verdicts with human labels by case id and criterion, then report Pearson, Spearman and
Kendall correlations with bootstrap intervals (item level and grouped by source document, as the
SummEval papers do), exact and off-by-one agreement, the unscored rate, and a paired comparison of
two judges on the same items.
"""

from kgjudge.evaluate.data import (
    JoinedItem,
    JudgeScore,
    Label,
    join,
    load_labels,
    load_scores,
    parse_mapping,
)
from kgjudge.evaluate.report import (
    Comparison,
    CriterionReport,
    compare_items,
    evaluate_items,
    format_table,
    plot,
    report_rows,
    write_rows,
)
from kgjudge.evaluate.stats import (
    Estimate,
    PairedDifference,
    agreement,
    correlation,
    grouped_correlation,
    item_correlation,
    paired_difference,
)

__all__ = [
    "Comparison", "CriterionReport", "Estimate", "JoinedItem", "JudgeScore", "Label",
    "PairedDifference", "agreement", "compare_items", "correlation", "evaluate_items",
    "format_table", "grouped_correlation", "item_correlation", "join", "load_labels",
    "load_scores", "paired_difference", "parse_mapping", "plot", "report_rows", "write_rows",
]
