"""``python -m goaltrack``: the same as the ``goaltrack`` console script."""

from goaltrack.cli import main

main()
