"""``python -m scalinglaws``: see :mod:`scalinglaws.cli`."""

import sys

from scalinglaws.cli import main

sys.exit(main())
