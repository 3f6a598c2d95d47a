"""kgjudge.judge."""
