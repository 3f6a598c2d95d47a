"""kgjudge.train."""
