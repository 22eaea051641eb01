"""How a request fails: exceptions that carry a failure from where it is found to the level that answers it.

The gateway checks a request in levels: the whole request (control), each operation
(authentication), then each function on its own; a failure at one level leaves the levels above intact.
"""

from __future__ import annotations

from .responses import GatewayError, GatewayResponse


class RequestRejected(Exception):
    """The whole request fails at the control level."""

    def __init__(self, *errors: GatewayError) -> None:
        super().__init__(errors)
        self.errors = errors


class ResponseReplaced(Exception):
    """The gateway answers with this response instead of an Intacct envelope (e.g. HTTP 401)."""

    def __init__(self, response: GatewayResponse) -> None:
        super().__init__(response.status)
        self.response = response


class AuthenticationFailed(Exception):
    """One operation fails authentication; its functions do not run."""

    def __init__(self, user_id: str, company_id: str, error: GatewayError) -> None:
        super().__init__(error.description2)
        self.user_id = user_id
        self.company_id = company_id
        self.error = error


class FunctionFailed(Exception):
    """One function fails; the others in the operation are unaffected."""

    def __init__(self, error: GatewayError) -> None:
        super().__init__(error.description2)
        self.error = error


def unsupported(what: str) -> GatewayError:
    # No public text for an unsupported call; a business-layer error shape is the plausible reply.
    return GatewayError("BL03000018", description2=f"{what} is not supported")
