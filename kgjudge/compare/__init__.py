"""kgjudge.compare."""
