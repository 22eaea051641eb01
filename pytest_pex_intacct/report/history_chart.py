"""The fleet's accepted count over its last runs, as a small inline SVG (``_fleet.json``'s ``history``).

A bar per run: grey to the number of companies checked, green to the number accepted, so a dip and
a fleet that grew both show; the axis's two ends are labelled beside the bars. The chart carries its
own words (``<title>``, and a caption beside it), so a reader without pictures, or a screen reader,
gets the same figures.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .wording import display_text

MAX_RUNS = 30
_BAR = 7
_GAP = 2
_HEIGHT = 40
# Room right of the bars for the axis's two labels (the top and the bottom count).
_LABELS = 34


@dataclass(frozen=True)
class Run:
    started_at: str
    accepted: int
    companies: int


def _count(value: object) -> int | None:
    # bool is an int to Python, never a count to us.
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def chart_runs(runs: object) -> list[Run]:
    """The last ``MAX_RUNS`` well-formed runs, oldest first; an entry that is not one is left out."""
    if not isinstance(runs, Sequence) or isinstance(runs, str):
        return []
    kept = []
    for entry in runs:
        if not isinstance(entry, Mapping):
            continue
        accepted, companies = _count(entry.get("accepted")), _count(entry.get("companies"))
        if accepted is not None and companies is not None and accepted <= companies:
            kept.append(Run(display_text(entry.get("started_at")), accepted, companies))
    return kept[-MAX_RUNS:]


def chart_words(runs: Sequence[Run]) -> str:
    """e.g. "accepted companies over the last 12 runs: 480 → 497 (of 500)"."""
    if not runs:
        return ""
    last = runs[-1]
    if len(runs) == 1:
        return f"accepted companies in the last run: {last.accepted} (of {last.companies})"
    return (
        f"accepted companies over the last {len(runs)} runs: {runs[0].accepted} → {last.accepted} (of {last.companies})"
    )


def _floor(runs: Sequence[Run], top: int) -> int:
    """Where the bars start: 0, unless every run accepted most of the fleet; then a little below the
    fewest accepted, so a dip of a few companies shows (the axis is labelled with both ends)."""
    fewest = min(run.accepted for run in runs)
    if fewest * 2 < top:
        return 0
    return max(0, fewest - max(1, (top - fewest) // 2))


def _bar(index: int, run: Run, floor: int, top: int) -> str:
    x = index * (_BAR + _GAP)
    span = max(1, top - floor)
    total = round(_HEIGHT * max(0, run.companies - floor) / span)
    accepted = round(_HEIGHT * max(0, run.accepted - floor) / span)
    tip = html.escape(f"{run.started_at}: {run.accepted} of {run.companies} accepted")
    return (
        f"<g><title>{tip}</title>"
        f'<rect x="{x}" y="{_HEIGHT - total}" width="{_BAR}" height="{total}" fill="#d0d7de"/>'
        f'<rect x="{x}" y="{_HEIGHT - accepted}" width="{_BAR}" height="{accepted}" fill="#1a7f37"/></g>'
    )


def accepted_chart(runs: object) -> str:
    """The chart and its caption as HTML, or "" when there is no run to draw."""
    kept = chart_runs(runs)
    if not kept:
        return ""
    words = html.escape(chart_words(kept))
    top = max(1, *(run.companies for run in kept))
    floor = _floor(kept, top)
    bars_width = len(kept) * (_BAR + _GAP)
    width = bars_width + _LABELS
    bars = "".join(_bar(index, run, floor, top) for index, run in enumerate(kept))
    labels = (
        f'<text x="{bars_width + 2}" y="9" font-size="10" fill="#57606a">{top}</text>'
        f'<text x="{bars_width + 2}" y="{_HEIGHT}" font-size="10" fill="#57606a">{floor}</text>'
    )
    return (
        '<figure class="pex-history">'
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{words}" width="{width}" '
        f'height="{_HEIGHT}" viewBox="0 0 {width} {_HEIGHT}"><title>{words}</title>{bars}{labels}</svg>'
        f"<figcaption>{words}</figcaption></figure>"
    )
