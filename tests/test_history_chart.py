"""The fleet's history chart (report/history_chart.py): pure, small, escaped, and said in words too."""

from __future__ import annotations

from lxml import etree

from pytest_pex_intacct.report.history_chart import MAX_RUNS, accepted_chart, chart_runs, chart_words


def runs(*accepted: int, companies: int = 500) -> list[dict[str, object]]:
    return [
        {"started_at": f"2026-11-{day:02d}T02:00:00Z", "accepted": count, "companies": companies}
        for day, count in enumerate(accepted, start=1)
    ]


def svg_of(chart: str) -> etree._Element:
    figure = etree.fromstring(chart)
    svg = figure.find("{http://www.w3.org/2000/svg}svg")
    assert svg is not None
    return svg


def test_the_chart_says_in_words_what_it_draws() -> None:
    chart = accepted_chart(runs(*range(480, 492), 497))
    words = "accepted companies over the last 13 runs: 480 → 497 (of 500)"
    figure = etree.fromstring(chart)
    svg = svg_of(chart)
    assert svg.get("role") == "img" and svg.get("aria-label") == words
    assert svg.findtext("{http://www.w3.org/2000/svg}title") == words
    assert figure.findtext("figcaption") == words
    bars = svg.findall("{http://www.w3.org/2000/svg}g")
    assert len(bars) == 13
    assert bars[-1].findtext("{http://www.w3.org/2000/svg}title") == "2026-11-13T02:00:00Z: 497 of 500 accepted"


def test_one_run_and_no_run() -> None:
    assert chart_words(chart_runs(runs(12, companies=20))) == "accepted companies in the last run: 12 (of 20)"
    assert accepted_chart([]) == ""
    assert accepted_chart(None) == ""
    assert accepted_chart("not a list") == ""


def test_only_the_last_30_runs_are_drawn() -> None:
    kept = chart_runs(runs(*range(100, 140)))
    assert len(kept) == MAX_RUNS
    assert (kept[0].accepted, kept[-1].accepted) == (110, 139)


def test_entries_that_are_not_runs_are_left_out() -> None:
    history: list[object] = [
        "junk",
        {"started_at": "a", "accepted": True, "companies": 3},
        {"started_at": "b", "accepted": 4, "companies": 3},
        {"started_at": "c", "accepted": -1, "companies": 3},
        {"started_at": "d", "accepted": "2", "companies": 3},
        {"started_at": "e", "accepted": 2, "companies": 3},
    ]
    assert [run.started_at for run in chart_runs(history)] == ["e"]


def test_outside_text_is_escaped() -> None:
    hostile = [{"started_at": '</title><script>alert(1)</script>"', "accepted": 1, "companies": 2}]
    chart = accepted_chart(hostile)
    assert "<script" not in chart
    tip = svg_of(chart).find("{http://www.w3.org/2000/svg}g/{http://www.w3.org/2000/svg}title")
    assert tip is not None and tip.text == '</title><script>alert(1)</script>": 1 of 2 accepted'


def test_a_dip_of_a_few_companies_shows_and_the_axis_says_where_it_starts() -> None:
    svg = svg_of(accepted_chart(runs(495, 480, 497)))
    heights = [
        int(group.findall("{http://www.w3.org/2000/svg}rect")[1].get("height") or 0)
        for group in svg.findall("{http://www.w3.org/2000/svg}g")
    ]
    assert heights[1] < heights[0] < heights[2]
    assert heights[0] - heights[1] >= 10  # not a pixel's difference on a 0-based axis
    labels = [text.text for text in svg.findall("{http://www.w3.org/2000/svg}text")]
    assert labels == ["500", "470"]
    # A fleet mostly failing is drawn from 0.
    low = svg_of(accepted_chart(runs(100, 200)))
    assert [text.text for text in low.findall("{http://www.w3.org/2000/svg}text")] == ["500", "0"]
