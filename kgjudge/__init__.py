"""kgjudge: judge a candidate document against a reference through knowledge graphs.

The core (packs, extraction, comparison, judges, store) imports no TUI or CLI code and no heavy
optional library at import time; ``import kgjudge`` stays fast.
"""

__version__ = "0.1.0"
