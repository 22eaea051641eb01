"""Nothing of the machine that ran the checks: absolute paths shortened to their last segment.

The report and the results document go to the customer's ticket: where the run happened (home
directories, user names, checkouts) is none of their business, and a file's name still says which
file was meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .wording import display_text

# An absolute POSIX path of two or more segments not inside a URL (``https://host/a/b`` is preceded by
# a word character or a slash), a home-relative one, or a Windows one.
_POSIX_PATH = re.compile(r"(?<![\w/.:~-])(?:~|/)(?:/?[\w.@+~-]+/)+[\w.@+~-]*")
_WINDOWS_PATH = re.compile(r"(?<![\w])[A-Za-z]:\\(?:[^\\\s'\"<>|]+\\)+[^\\\s'\"<>|]*")


def _last_segment(match: re.Match[str]) -> str:
    segments = [segment for segment in re.split(r"[/\\]", match.group(0)) if segment and segment != "~"]
    return segments[-1] if segments else ""


def without_machine_paths(text: str) -> str:
    """``text`` with every absolute path shortened to its last segment (a file or directory name)."""
    return _WINDOWS_PATH.sub(_last_segment, _POSIX_PATH.sub(_last_segment, text))


def environment_text(value: object) -> str:
    """One environment value as text: a mapping (pytest-metadata's Packages, Plugins) as ``name version`` pairs."""
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {display_text(item)}" for key, item in value.items())
    return display_text(value)
