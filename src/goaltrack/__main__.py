"""``python -m goaltrack``: the same as the ``goaltrack`` console script."""

import os
import sys

# `python -m` puts the current directory first on sys.path. goaltrack must not import modules,
# or find plugins' entry points (a `*.dist-info` directory), in whatever directory it happens
# to be run from: the console script does not look there either. (The package itself is
# already imported by now, from wherever it is installed.)
if sys.path and not sys.flags.safe_path:
    first = os.path.realpath(sys.path[0] or os.curdir)
    if first == os.path.realpath(os.getcwd()):
        del sys.path[0]

from goaltrack.cli import main

main()
