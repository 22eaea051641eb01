"""What an Intacct request means, for matching a run against a recording.

Who asks (sender, user, company, entity, login or session: never a password) and which functions
with which arguments. Control ids, passwords, session ids and the probe's per-run attachment name
are volatile and carry no meaning, so two requests that differ only there mean the same.
"""

from __future__ import annotations

from lxml import etree

from ..intacct.hardened_xml import parse_or_none

_WHO = ("sender ID", "authentication", "user", "company", "location")


def meaning(body: bytes | str | None) -> tuple[str, ...]:
    root = parse_or_none(body)
    if root is None:
        return ("<not an Intacct request>",)

    def text(path: str) -> str:
        found = root.find(path)
        return (found.text or "").strip() if found is not None else ""

    who = (
        text("control/senderid"),
        "login" if root.find("operation/authentication/login") is not None else "session",
        text("operation/authentication/login/userid"),
        text("operation/authentication/login/companyid"),
        text("operation/authentication/login/locationid"),
    )
    content = root.find("operation/content")
    if content is None:
        return (*who, "<no content>")
    return (*who, etree.tostring(_normalised(content), method="c14n").decode("utf-8"))


def functions_summary(body: bytes | str | None) -> str:
    """``readByName USERINFO, query ROLEUSERS, …``: enough to see which options a run used."""
    root = parse_or_none(body)
    if root is None:
        return "?"
    names = []
    for function in root.iterfind("operation/content/function"):
        for call in function:
            target = call.findtext("object") or call.get("object") or ""
            names.append(f"{call.tag} {target}".strip())
    return ", ".join(names) or "none"


def difference(live: bytes | str | None, recorded: bytes | str | None) -> str | None:
    """None when both requests mean the same; otherwise the first difference, in words (never a password)."""
    mine, theirs = meaning(live), meaning(recorded)
    if mine == theirs:
        return None
    for label, asked, kept in zip(_WHO, mine, theirs, strict=False):
        if asked != kept:
            return f"{label} is {asked!r} in this run but {kept!r} in the recording"
    asked_functions, recorded_functions = functions_summary(live), functions_summary(recorded)
    if asked_functions != recorded_functions:
        return f"this run asks for [{asked_functions}], the recording has [{recorded_functions}]"
    return f"the arguments of [{asked_functions}] differ (e.g. another --intacct-gl-account)"


def _normalised(content: etree._Element) -> etree._Element:
    """A copy without what carries no meaning: control ids and the probe's per-run attachment name."""
    content = etree.fromstring(etree.tostring(content))
    for function in content.iter("function"):
        function.attrib.pop("controlid", "")
    for name in content.iter("supdocname"):
        name.text = "PEX acceptance probe"
    for expression in content.iter("expression"):
        value = expression.find("value")
        if value is not None and (expression.findtext("field") or "").strip() == "supdocname":
            value.text = "PEX acceptance probe"
    return content


def function_meaning(call: etree._Element) -> str:
    """What one function's call (its body, e.g. ``<query>``) means, whatever its control id."""
    return etree.tostring(_normalised(call), method="c14n").decode("utf-8")


def recorded_functions(body: bytes | str | None) -> dict[str, str]:
    """Each function of a recorded request by its control id, as :func:`function_meaning` has it."""
    root = parse_or_none(body)
    if root is None:
        return {}
    return {
        function.get("controlid", ""): function_meaning(call)
        for function in root.iterfind("operation/content/function")
        for call in function.iterchildren(tag=etree.Element)
    }
