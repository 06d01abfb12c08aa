"""`python3 tests/emulators/k8s_api ARGS` (or `python3 -m k8s_api` with tests/emulators on the path)."""

import os
import sys

if not __package__:
    # Run as a directory: Python put this directory first on sys.path, where its modules would
    # shadow the standard library's. Put the parent there instead and import as a package.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from k8s_api.main import main  # noqa: E402

main()
