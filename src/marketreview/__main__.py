"""``python -m marketreview`` runs the command line, as the ``marketreview`` script does."""

from .cli import main

raise SystemExit(main())
