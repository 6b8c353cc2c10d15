"""`python -m heygen_async.batch MANIFEST --out DIR ...`: the `heygen-async batch` command."""

import sys

from heygen_async.batch._cli import main

sys.exit(main())
