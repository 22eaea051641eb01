"""The results document as a page (no pytest), its signatures and verify; the pytest-html hooks apart."""
