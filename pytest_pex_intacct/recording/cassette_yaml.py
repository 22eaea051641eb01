"""A cassette's YAML, parsed without trusting it: no aliases, a bounded number of nodes, a bounded depth.

PyYAML's safe loader shares one object for every alias of an anchor, so loading nine levels of nine
aliases costs nothing, but the first ``str()`` of the result (a message, a header, a command) walks
3.5 billion leaves: a file of a few hundred bytes held a run for ever in 8 GB. vcrpy never writes an anchor or an
alias (only a list or mapping shared between two places would get one, and a recording has none),
so any alias is refused, before anything is built. The events are read first, counted and nested
as they come, which costs nothing worth measuring next to building the document afterwards.
"""

from __future__ import annotations

from typing import Any

import yaml

from .cassette_file import CassetteProblem
from .shown import shown_text

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The demo recording of a whole run is 291 events and 6 levels deep: these only stop what no
# recording is, long before it costs memory (a node is a few hundred bytes once built).
MAX_EVENTS = 100_000
MAX_DEPTH = 32

ALIASES = "the cassette holds YAML aliases ({where}), which a recording never has"


def parse_cassette(text: str) -> object:
    """The document in ``text``, built only once its events show no alias and stay within the bounds."""
    _refuse_what_no_recording_holds(text)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise CassetteProblem(_not_yaml(error)) from None
    except (ValueError, TypeError, OverflowError) as error:
        # A scalar YAML resolves but Python refuses: an integer of over 4,300 digits, a date of month 13.
        first = shown_text(str(error).split(":")[0] if str(error) else type(error).__name__, 80)
        raise CassetteProblem(f"the cassette is not valid YAML (a value cannot be read: {first})") from None


def _refuse_what_no_recording_holds(text: str) -> None:
    loader = _Loader(text)
    count = depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            count += 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise CassetteProblem(ALIASES.format(where=_line(event)))
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if count > MAX_EVENTS:
                raise CassetteProblem(f"the cassette holds over {MAX_EVENTS:,} YAML nodes, which no recording does")
            if depth > MAX_DEPTH:
                where = _line(event)
                raise CassetteProblem(f"the cassette nests over {MAX_DEPTH} levels ({where}), which no recording does")
    except yaml.YAMLError as error:
        raise CassetteProblem(_not_yaml(error)) from None
    finally:
        loader.dispose()


def _line(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f"line {mark.line + 1}" if mark is not None else "somewhere"


def _not_yaml(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        # The parser's own words ("while parsing a flow node") mean nothing to a user: the line does.
        line = f"line {error.problem_mark.line + 1}: " if error.problem_mark is not None else ""
        return f"the cassette is not valid YAML ({line}{shown_text(error.problem or 'unreadable')})"
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"the cassette is not valid YAML ({shown_text(first)})"
