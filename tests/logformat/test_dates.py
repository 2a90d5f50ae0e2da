"""Headings that only group papers, and dates in file names."""

import datetime

import pytest

from papers.logformat.dates import file_name_day, grouping_heading


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("2024-03-05", ("day", datetime.date(2024, 3, 5))),
        ("**March 5, 2024**", ("day", datetime.date(2024, 3, 5))),
        ("Tue, 5th March 2024", ("day", datetime.date(2024, 3, 5))),
        ("March 2024", ("period", "March 2024")),
        ("Mar. 2024:", ("period", "Mar. 2024")),
        ("2023", ("period", "2023")),
        ("Week 12", ("period", "Week 12")),
        ("Table of Contents", ("contents", "Table of Contents")),
        ("Attention Is All You Need", None),
        ("2024/13/40", None),
        ("Transformers", None),
    ],
)
def test_grouping_headings_are_told_apart_from_paper_titles(heading, expected):
    assert grouping_heading(heading) == expected


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("2024-03-05-attention.md", datetime.date(2024, 3, 5)),
        ("20240305_notes.md", datetime.date(2024, 3, 5)),
        ("paper-1706.03762.md", None),
        ("2024-02-30-bad.md", None),
    ],
)
def test_a_date_in_a_file_name_is_read(name, day):
    assert file_name_day(name) == day


@pytest.mark.parametrize("heading", ["Papers", "📚 Papers", "Papers List", "Reading list"])
def test_a_heading_that_names_the_list_itself_is_no_topic(heading):
    assert grouping_heading(heading) == ("contents", heading)
