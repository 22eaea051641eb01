"""``python -m pytest_pex_intacct verify REPORT.html``: check a report against its embedded results.

Exit 0 when the report is untouched, 1 with one line per difference, 2 for a usage error (one
line) or an HMAC-signed report checked without ``PEX_INTACCT_SIGNING_KEY``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

USAGE = "usage: python -m pytest_pex_intacct verify REPORT.html"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments in (["-h"], ["--help"], ["verify", "-h"], ["verify", "--help"]):
        print(f"{USAGE}  (exit 0 untouched, 1 modified, 2 usage error or signing key needed)")
        return 0
    if len(arguments) != 2 or arguments[0] != "verify" or not arguments[1].strip():
        print(f"{USAGE} (got: {' '.join(arguments) or 'no arguments'})", file=sys.stderr)
        return 2
    # Imported here so that --help and usage errors stay instant.
    from .verify import verify_file

    return verify_file(Path(arguments[1]), os.environ, out=sys.stdout, err=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
