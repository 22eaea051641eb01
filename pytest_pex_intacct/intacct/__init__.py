"""A small, hardened client for Sage Intacct's XML gateway (dtdversion 3.0). No pytest here.

Modules: ``envelope`` builds requests, ``functions`` the reads (and the probe's writes),
``transport`` POSTs with retries (``timeouts`` and ``wire`` are its light parts), ``response``
parses, ``errors`` says who is at fault, ``endpoint`` says where passwords may go, ``client`` ties
them together. Import the submodules directly: this package module stays empty
so that cheap parts (``endpoint``, ``errors``) load without lxml or requests.
"""
