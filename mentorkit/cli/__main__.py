"""``python -m mentorkit.cli``: the ``mentorkit`` command."""

import sys

from mentorkit.cli import main

sys.exit(main())
