"""pytest-pex-intacct: PEX's Sage Intacct setup guide as executable acceptance checks."""

__version__ = "0.3.0"
