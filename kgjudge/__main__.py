"""``python -m kgjudge`` runs the command line."""

from kgjudge.cli import main

raise SystemExit(main())
