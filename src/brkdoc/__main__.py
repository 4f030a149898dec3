import sys

from brkdoc.cli import main

sys.exit(main())
