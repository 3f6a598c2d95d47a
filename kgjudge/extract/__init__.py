"""kgjudge.extract."""
