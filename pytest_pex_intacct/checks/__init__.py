"""The bundled acceptance checks: one test per SPEC §2 requirement, each a few lines over the snapshot.

Collected only when ``--intacct-company`` (or ``INTACCT_COMPANY_ID``) is given.
"""
