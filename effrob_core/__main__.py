"""``python -m effrob_core``: see :mod:`effrob_core.cli`."""

import sys

from .cli import main

sys.exit(main())
