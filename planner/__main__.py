"""``python -m planner``: the same command line as the ``planner`` script, for cron
jobs and machines where the script is not on the PATH."""

import sys

from planner.cli import main

sys.exit(main())
