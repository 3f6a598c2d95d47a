"""The review UI (``kgjudge review``): a Textual app over a run's SQLite store.

``app.ReviewApp`` wires the screens (``screens/``: welcome, queue, case, override, re-judge,
export, help) and widgets (``widgets/``); ``data.RunData`` is the only thing screens read from or
write to; ``judging`` holds the work that runs in worker threads. Nothing in the pipeline imports
this package.
"""
