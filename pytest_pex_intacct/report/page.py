"""What the customer reads: the report page rendered from the results document alone (no pytest).

``run/html_report.py`` (the pytest-html hooks) puts ``render_summary(document)`` on the page;
``report/verify.py`` re-renders the same markup from the document embedded in a report and compares. The
page's stylesheet (``styles/page.css``) also hides pytest-html's own furniture (its heading, "Report
generated on", the environment table first, the run count, the filter checkboxes, the JavaScript table
of node ids and durations): the page is the verdict, the sign-off, the requirements and the appendix.
Everything here is a pure function of the document, so both agree byte for byte, and every piece of
text from Intacct or the user is HTML-escaped.

Top to bottom: the verdict (company, ACCEPTED / NOT ACCEPTED / INCOMPLETE, what happens next); the
sign-off block or a DRAFT mark; the requirements grouped like the setup guide (``blocks``); an appendix
with the run's provenance, its environment, the digest and signature, and how to verify them
(``appendix``).
"""

from __future__ import annotations

from collections.abc import Mapping

from .appendix import appendix_block
from .blocks import requirements_block, signoff_block, verdict_block
from .markup import SECTION_ID
from .stylesheets import PAGE_CSS, style_element


def render_summary(document: Mapping[str, object]) -> str:
    """The whole customer-facing page, rendered from the document alone. All text escaped.

    The file digest (and signature) are rendered as placeholders; the report hooks fill them in once
    pytest-html has written the file.
    """
    return "".join(
        [
            f'<section id="{SECTION_ID}">',
            style_element(PAGE_CSS),
            verdict_block(document),
            signoff_block(document),
            requirements_block(document),
            appendix_block(document),
            "</section>",
        ]
    )
