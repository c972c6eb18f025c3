"""python3 -m tests.checkers apt: the Debian packages the tests still need, one a line."""

import sys

from tests.checkers import main

sys.exit(main(sys.argv[1:]))
