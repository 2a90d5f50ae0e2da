"""Bad input gets one clear error, naming the line where there is one."""

import pytest

from papers.logformat import LogFormatError, parse_log

PAPER = "# Log\n\n### [1] A paper\n\n- a note\n"


def error_of(data, **kwargs):
    with pytest.raises(LogFormatError) as caught:
        parse_log(data, **kwargs)
    return caught.value


def test_it_rejects_text_that_is_not_utf8_naming_the_line():
    error = error_of(b"# Log\n\n### [1] Caf\xe9\n")
    assert error.line == 3
    assert str(error) == (
        "Line 3: The file is not UTF-8 text (byte 0xe9 cannot be read); "
        "save it as UTF-8 and try again."
    )


def test_it_rejects_a_binary_file():
    error = error_of(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert str(error) == "Line 3: This is a binary file, not a markdown text file."


def test_it_rejects_utf16_with_advice():
    error = error_of(PAPER.encode("utf-16"))
    assert error.line is None
    assert str(error) == "The file is UTF-16 text; save it as UTF-8 and try again."


@pytest.mark.parametrize("data", [b"", "", b"\xef\xbb\xbf", " \n\t\r\n"])
def test_it_rejects_an_empty_file(data):
    assert str(error_of(data)) == "The file is empty."


def test_it_rejects_a_file_over_the_size_limit():
    error = error_of(PAPER.encode() + b"x" * 3000, max_bytes=2048)
    assert str(error) == "The file is 3.0 KB; the limit is 2.0 KB."
    assert str(error_of("é" * 20, max_bytes=30)) == "The file is 40 bytes; the limit is 30 bytes."
    assert parse_log(PAPER, max_bytes=len(PAPER))


def test_a_file_without_paper_sections_is_read_as_one_paper_not_refused():
    doc = parse_log("# My log\n\n- just some bullets\n\n#### change logs\n\n- 2024-01-01: x\n")
    assert doc.reading == "file"
    assert [(p.title, p.found_as) for p in doc.papers] == [("My log", "one file")]
    assert [n.body for n in doc.papers[0].notes] == ["just some bullets"]
    assert doc.warnings[0].line == 1
    assert doc.warnings[0].message == "Read as one paper: no paper headings found."


def test_it_rejects_the_same_number_twice():
    text = "# Log\n\n### [1] One\n\n### [2] Two\n\n- note\n\n### [1] Again\n"
    error = error_of(text)
    assert error.line == 9
    assert str(error) == "Line 9: The paper number [1] is used twice: on line 3 and here."


def test_it_rejects_a_code_block_that_is_never_closed():
    error = error_of("# Log\n\n### [1] One\n\n```python\nx = 1\n\n### [2] Two\n")
    assert error.line == 5
    assert "never closed" in str(error)


def test_it_rejects_an_impossible_change_log_date():
    error = error_of(PAPER + "\n## Change log\n\n- 2024-02-30: leap\n")
    assert str(error) == "Line 9: 2024-02-30 is not a valid date."


def test_it_rejects_a_lone_surrogate_in_text():
    assert error_of(PAPER + "\ud800").line == 6


def test_the_error_is_a_value_error_with_message_and_line():
    error = LogFormatError("Something is wrong.", line=4)
    assert isinstance(error, ValueError)
    assert (error.message, error.line) == ("Something is wrong.", 4)
    assert str(LogFormatError("Whole file.")) == "Whole file."


@pytest.mark.parametrize("number", ["0", "00"])
def test_it_rejects_paper_number_zero_naming_the_line(number):
    error = error_of(f"# T\n\n### [{number}] Zero\n- a\n")
    assert error.line == 3
    assert str(error) == f"Line 3: Paper numbers start at 1: [{number}]."


def test_it_rejects_a_paper_number_too_large_for_the_database():
    assert parse_log("# T\n\n### [2147483647] Last\n- a\n").papers[0].number == 2147483647
    error = error_of("# T\n\n### [1] One\n\n### [2147483648] Big\n- a\n")
    assert str(error) == (
        "Line 5: The paper number [2147483648] is too large: the largest is 2147483647."
    )


def test_it_rejects_a_paper_number_of_thousands_of_digits_without_crashing():
    error = error_of("# T\n\n### [" + "9" * 5000 + "] Huge\n- a\n")
    assert error.line == 3
    assert str(error) == (
        "Line 3: The paper number [99999999999999999999…] is too large: the largest is 2147483647."
    )


def test_it_rejects_an_unnumbered_paper_whose_number_would_be_too_large():
    error = error_of("# T\n\n### [2147483647] Last\n\n### No number\n- a\n")
    assert error.line == 5
    assert "the next free number would be [2147483648]" in str(error)
