"""Ed25519 keys: the key pair ``keygen`` writes, the private key that signs (``PEX_INTACCT_SIGNING_KEY_FILE``)
and the public key that checks (``verify --public-key``).

A key's fingerprint is ``sha256:`` and the SHA-256 of its raw 32-byte public key, so a reader can
tell which key signed. What a signature covers is told in ``digests`` (the results document) and
``seal`` (the whole report file). Key material never appears in a message or a ``repr``. Key files are
read as ``bounded_read`` reads (a regular file of at most ``KEY_SIZE_LIMIT`` bytes: a FIFO or a device
given by mistake is refused, not waited on), and a private key that group or others may read is used
with a one-line warning.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..bounded_read import FileTooLarge, NotARegularFile, read_regular_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_FILE_ENV = "PEX_INTACCT_SIGNING_KEY_FILE"
ED25519 = "ed25519"
# A PEM Ed25519 key is about 120 bytes: this only keeps a wrong file (or a device) from being read whole.
KEY_SIZE_LIMIT = 64 * 1024
KEY_SIZE_WORDS = "64 KB"
_PUBLIC_KEY_HINT = "pass the PATH.pub file that keygen wrote beside the private key"


class SigningKeyError(ValueError):
    """A key file that cannot be used. The message names the file and the fix, never its content."""


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return "sha256:" + hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key loaded from a file; ``repr`` shows the fingerprint, never the key."""

    fingerprint: str
    _key: Ed25519PrivateKey = field(repr=False)

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._key.sign(data)).decode("ascii")


def _unusable(path: Path, why: str) -> SigningKeyError:
    return SigningKeyError(
        f"{SIGNING_KEY_FILE_ENV}={path}: {why}; point it at the private key that "
        "'python -m pytest_pex_intacct keygen PATH' wrote, or unset it"
    )


def _warn_on_stderr(line: str) -> None:
    sys.stderr.write(f"{line}\n")


def load_signer(path: Path, warn: Callable[[str], None] = _warn_on_stderr) -> Signer:
    """The Ed25519 private key at ``path``; ``SigningKeyError`` (one line, no key material) otherwise.

    A key that group or others may read still signs (as before), but ``warn`` says so in one line, as
    ssh does of a private key file that is too open.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        read = read_regular_file(path, KEY_SIZE_LIMIT)
    except NotARegularFile as error:
        raise _unusable(path, f"{error.kind}, not a key file") from None
    except FileTooLarge:
        raise _unusable(path, f"larger than {KEY_SIZE_WORDS}, far more than a PEM key") from None
    except OSError as error:
        raise _unusable(path, f"cannot read it ({error.strerror or type(error).__name__})") from None
    try:
        key = load_pem_private_key(read.data, password=None)
    except TypeError:
        raise _unusable(path, "the key is encrypted with a passphrase, which the checks cannot prompt for") from None
    except (ValueError, binascii.Error):
        raise _unusable(path, "not a PEM private key") from None
    except UnsupportedAlgorithm:
        raise _unusable(path, "a private key of an algorithm this version cannot read, not Ed25519") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _unusable(path, f"a {type(key).__name__.removesuffix('PrivateKey') or 'non-Ed25519'} key, not Ed25519")
    # Windows has no such mode bits (its ACLs are not read here).
    if os.name != "nt" and read.mode & 0o077:
        warn(
            f"warning: {SIGNING_KEY_FILE_ENV}={path}: the private key is open to group or others (mode "
            f"{read.mode:04o}); it signs, but anyone who can read it can sign as PEX: chmod 600 {path}"
        )
    return Signer(key_fingerprint(key.public_key()), key)


def signer_from_environment(environ: Mapping[str, str], base: Path) -> Signer | None:
    """The signer ``PEX_INTACCT_SIGNING_KEY_FILE`` names (relative to ``base``), or None when it is unset."""
    value = environ.get(SIGNING_KEY_FILE_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return load_signer(path if path.is_absolute() else base / path)


def load_public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        data = read_regular_file(path, KEY_SIZE_LIMIT).data
    except NotARegularFile as error:
        raise SigningKeyError(f"{path} is {error.kind}, not a public key file; {_PUBLIC_KEY_HINT}") from None
    except FileTooLarge:
        raise SigningKeyError(f"{path} is larger than {KEY_SIZE_WORDS}, not a public key; {_PUBLIC_KEY_HINT}") from None
    except OSError as error:
        raise SigningKeyError(f"cannot read the public key {path}: {error.strerror or type(error).__name__}") from None
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError(
            f"{path} is not a PEM public key; pass the PATH.pub file that keygen wrote beside the private key"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 public key; pass the PATH.pub file that keygen wrote")
    return key


def signature_matches(public_key: Ed25519PublicKey, data: bytes, value: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(value, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


class KeyExists(FileExistsError):
    pass


def generate_key_pair(path: Path) -> str:
    """Write a new Ed25519 private key to ``path`` (PEM, 0600) and its public key to ``path.pub``.

    Never overwrites: an existing file at either path raises ``KeyExists`` before anything is written.
    Returns the key's fingerprint.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    public_path = public_key_path(path)
    for existing in (path, public_path):
        if existing.exists() or existing.is_symlink():
            raise KeyExists(f"{existing} already exists; keygen never overwrites a key: choose another PATH")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    # O_EXCL: a file created between the check above and here is still never overwritten, and the key
    # is created 0600 rather than chmod-ed after being readable for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(stream.fileno(), 0o600)
        stream.write(private_pem)
    try:
        descriptor = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        path.unlink()
        raise KeyExists(f"{public_path} already exists; keygen never overwrites a key: choose another PATH") from None
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(public_pem)
    return key_fingerprint(key.public_key())


def public_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")
