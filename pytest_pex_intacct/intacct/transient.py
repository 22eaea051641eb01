"""Which replies are worth another attempt: HTTP 429 and 5xx but the CDN's 524, Intacct's rate limit
(``GW-0010``), and busy or off-line errors inside an HTTP 200 body."""

from __future__ import annotations

import re

from .errors import mentions_busy
from .wire import HttpReply

_ERROR_ELEMENT = re.compile(rb"<error>(.*?)</error>", re.DOTALL)
_RESPONSE_ELEMENT = re.compile(rb"<response[\s>]")
# Error blocks sit before any company data in a response (control and authentication levels) or in a
# failed result, which carries no data: the head of the body holds every one worth retrying.
_ERROR_SCAN_BYTES = 64 * 1024


def is_transient(reply: HttpReply) -> bool:
    if reply.status == 429 or (500 <= reply.status < 600 and reply.status != 524):
        return True
    head = reply.body[:_ERROR_SCAN_BYTES]
    # Intacct's rate limit answer is HTTP 429 with the control error GW-0010; look for the error
    # element itself, not the text anywhere (company data may contain it).
    if re.search(rb"<errorno>\s*GW-0010\s*</errorno>", head) is not None:
        return True
    # Busy or off-line inside an HTTP 200 body ("API rate limit exceeded", "The Service is Temporarily
    # Off-line", "Please Try Again Later"), at any level: only inside an <error> element of a response,
    # where company data cannot put it. What shape such a body has is [unconfirmed]: a body that is no
    # Intacct response at all (plain text, a proxy's page) counts by its words alone.
    if _RESPONSE_ELEMENT.search(head) is None:
        return mentions_busy(head.decode("utf-8", "replace"))
    return any(mentions_busy(block.decode("utf-8", "replace")) for block in _ERROR_ELEMENT.findall(head))
