"""``pex-intacct`` (or ``python -m pytest_pex_intacct``): check a report, make the key pair that signs
reports, serve a simulated company, or record the demo companies again.

``verify REPORT.html|RESULTS.json [--public-key PUB]``: exit 0 when the report (or results
document) is untouched (and, with ``--public-key``, signed by that key), 1 with one line per
difference, 2 for a usage error (one line: a file that cannot be read or holds no single-company
report, a fleet report included) or an HMAC-signed report checked without ``PEX_INTACCT_SIGNING_KEY``.

``keygen PATH``: write a new Ed25519 private key to PATH (PEM, mode 0600) and its public key to
PATH.pub; never overwrites. Exit 0, or 2 with one line when either file exists or cannot be written.

``simulator …`` and ``demos …``: the loopback simulator of Intacct's XML gateway and the demo recorder
(``python -m pytest_pex_intacct.simulator`` and ``… .simulator.demos``), with their own ``--help``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

USAGE = (
    "usage: pex-intacct verify REPORT.html|RESULTS.json [--public-key PUB] | keygen PATH | simulator … | demos …"
    " (also: python -m pytest_pex_intacct …)"
)
HELP = f"""{USAGE}
  verify REPORT.html|RESULTS.json [--public-key PUB]
      check a report against its embedded results, or a results document (--intacct-json) against
      its digest: exit 0 untouched, 1 modified (one line per difference), 2 usage error (also a file
      that is no single-company pex-intacct report or document, such as a fleet report) or HMAC
      signing key needed; with --public-key it must also carry a valid Ed25519 signature by that key
  keygen PATH
      write a new Ed25519 key pair: PATH (private, PEM, mode 0600; set PEX_INTACCT_SIGNING_KEY_FILE to
      it to sign reports) and PATH.pub (public: give it to whoever checks reports); never overwrites
  simulator SCENARIO | --company ID=SCENARIO …
      serve a simulated Intacct company (or several) on loopback and print the command to check it
      (pex-intacct simulator --help)
  demos [--cassettes DIR]
      record the bundled demo companies again from the simulator (pex-intacct demos --help)"""


def _usage_error(arguments: Sequence[str]) -> int:
    print(f"{USAGE} (got: {' '.join(arguments) or 'no arguments'})", file=sys.stderr)
    return 2


def _keygen(path: Path) -> int:
    from .report.keys import generate_key_pair, public_key_path

    try:
        fingerprint = generate_key_pair(path)
    except FileExistsError as error:
        print(f"keygen: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"keygen: cannot write {path}: {error.strerror or type(error).__name__}", file=sys.stderr)
        return 2
    print(
        f"keygen: private key {path} (mode 0600: keep it secret, sign with PEX_INTACCT_SIGNING_KEY_FILE={path}); "
        f"public key {public_key_path(path)}; fingerprint {fingerprint}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # The simulator and the demo recorder parse their own arguments (and their own --help).
    if arguments and arguments[0] == "simulator":
        from .simulator.__main__ import main as simulator

        return simulator(arguments[1:])
    if arguments and arguments[0] == "demos":
        from .simulator.demos import main as demos

        return demos(arguments[1:])
    if any(argument in ("-h", "--help") for argument in arguments):
        print(HELP)
        return 0
    if len(arguments) == 2 and arguments[0] == "keygen" and arguments[1].strip():
        return _keygen(Path(arguments[1]))
    if not arguments or arguments[0] != "verify":
        return _usage_error(arguments)
    rest = arguments[1:]
    public_key: Path | None = None
    for index, argument in enumerate(rest):
        if argument.startswith("--public-key="):
            public_key = Path(argument.split("=", 1)[1])
            del rest[index]
            break
        if argument == "--public-key" and index + 1 < len(rest):
            public_key = Path(rest[index + 1])
            del rest[index : index + 2]
            break
    if len(rest) != 1 or not rest[0].strip() or rest[0].startswith("-") or public_key == Path(""):
        return _usage_error(arguments)
    # Imported here so that --help and usage errors stay instant.
    from .report.verify_command import verify_file

    return verify_file(Path(rest[0]), os.environ, out=sys.stdout, err=sys.stderr, public_key_path=public_key)


if __name__ == "__main__":
    raise SystemExit(main())
