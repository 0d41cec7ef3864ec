"""Run the errorkb command line with `python -m errorkb`."""

import sys

from .cli import main

sys.exit(main())
