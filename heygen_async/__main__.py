"""`python -m heygen_async ...` is the `heygen-async` command."""

import sys

from heygen_async._cli import main

sys.exit(main())
