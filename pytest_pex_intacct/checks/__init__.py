"""The bundled acceptance checks: one test per requirement of the setup guide, each a few lines over the snapshot.

Collected only when ``--intacct-company`` (or ``INTACCT_COMPANY_ID``) is given.
"""
