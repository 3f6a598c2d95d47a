"""kgjudge.tui."""
