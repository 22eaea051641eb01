"""The results document as a page (no pytest), its signatures and verify; the pytest-html hooks apart.

The page: ``page`` (the whole summary) from ``blocks`` (verdict, sign-off, requirements), ``appendix``,
``wording`` (every word the page says), ``markup`` (ids and escaping), ``stylesheets`` (``styles/*.css``);
``fleet_page`` for many companies (with ``fleet_entries``, ``fleet_changes``, ``fleet_matrix``,
``fleet_companies`` and ``history_chart``); ``machine_paths`` keeps the machine's paths out. Signing: ``digests``
(the document's digest and signature), ``seal`` (the whole file's), ``keys`` (Ed25519 key files).
verify: ``verify_command`` (the command, reading through ``bounded_read``), ``verify`` (a report or a
results document), ``integrity`` and ``page_comparison`` (its checks), ``page_parser`` and
``html_tokens`` (reading a page in linear time).
"""
