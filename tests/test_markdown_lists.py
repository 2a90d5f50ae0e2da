"""Notes render as their writers meant them (issue #9, item 4).

Lists nest however far they were indented and may start right under a line of
text; an ordered list starts at its first number; a heading in a note never
outranks the page's own; an image that was never uploaded shows its alt text.
The renderer's rules are tested on render_markdown, and each one a reader sees
through the paper page too.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from papers.markdown import render_markdown
from papers.models import Note, Paper
from tests.conftest import make_note
from tests.web.conftest import HTMX, assert_partial

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "paper-reading-log-2024.md"


def squeeze(html):
    """Drop the newlines Python-Markdown puts after tags: a test says the structure in one line."""
    return html.replace("\n", "")


def paper_page(client, paper):
    return client.get(reverse("paper_detail", args=[paper.log.slug, paper.number]))


# == Nested lists ==


@pytest.mark.parametrize("indent", ["  ", "   ", "    ", "\t"])
def test_a_list_under_a_line_of_text_is_a_list_whatever_the_indent(indent):
    text = f"Two things:\n- the method\n{indent}- its cost\n{indent}{indent}- in memory\n- the data"
    assert squeeze(render_markdown(text)) == (
        "<p>Two things:</p><ul><li>the method<ul><li>its cost<ul><li>in memory</li></ul>"
        "</li></ul></li><li>the data</li></ul>"
    )


def test_bullets_under_numbers_and_numbers_under_bullets():
    text = (
        "1. Train\n   - on web text\n   - for a week\n2. Evaluate\n\n- Setup\n  1. GPUs\n  2. Time"
    )
    assert squeeze(render_markdown(text)) == (
        "<ol><li>Train<ul><li>on web text</li><li>for a week</li></ul></li><li>Evaluate</li>"
        "</ol><ul><li>Setup<ol><li>GPUs</li><li>Time</li></ol></li></ul>"
    )


def test_a_numbered_list_under_a_line_of_text():
    assert squeeze(render_markdown("Steps:\n1. tokenize\n2. embed")) == (
        "<p>Steps:</p><ol><li>tokenize</li><li>embed</li></ol>"
    )


def test_items_numbered_with_a_parenthesis_are_a_list_too():
    assert squeeze(render_markdown("Steps:\n1) tokenize\n2) embed\n   3) pool")) == (
        '<p>Steps:</p><ol><li>tokenize</li><li>embed<ol start="3"><li>pool</li></ol></li></ol>'
    )


def test_a_parenthesis_in_a_sentence_stays_as_typed():
    assert render_markdown("We see\n2) a drop") == "<p>We see<br>\n2) a drop</p>"


def test_a_number_that_does_not_start_at_one_stays_in_its_sentence():
    # As in CommonMark: "1986." at the start of a wrapped line is not a list.
    assert render_markdown("It was published in\n1986. Nobody read it.") == (
        "<p>It was published in<br>\n1986. Nobody read it.</p>"
    )


def test_a_line_right_under_an_item_belongs_to_it():
    assert squeeze(render_markdown("Notes:\n- first\nwrapped here\n- second")) == (
        "<p>Notes:</p><ul><li>first<br>wrapped here</li><li>second</li></ul>"
    )


def test_the_next_item_right_under_a_paragraph_of_an_item_is_an_item():
    html = squeeze(render_markdown("- a\n\n  more about a\n  - under a\n- b"))
    assert html == (
        "<ul><li><p>a</p><p>more about a</p><ul><li>under a</li></ul></li></ul><ul><li>b</li></ul>"
    )
    html = squeeze(render_markdown("1. a\n\n   more about a\n2. b"))
    assert html == "<ol><li><p>a</p><p>more about a</p></li><li><p>b</p></li></ol>"


def test_a_list_under_a_quote_ends_the_quote():
    assert squeeze(render_markdown("> they claim\n- but it fails")) == (
        "<blockquote><p>they claim</p></blockquote><ul><li>but it fails</li></ul>"
    )


def test_fenced_code_under_an_item_is_the_items_code_block():
    text = "- The loss:\n  ```python\n  def loss(x):\n      return x\n  ```\n- The data"
    assert squeeze(render_markdown(text)) == (
        "<ul><li>The loss:<pre><code>def loss(x):    return x</code></pre></li></ul>"
        "<ul><li>The data</li></ul>"
    )
    assert "    return x\n</code>" in render_markdown(text)  # its indentation kept


def test_a_list_after_fenced_code_nests_as_written():
    html = squeeze(render_markdown("```\nx = 1\n```\n- parent\n    - child"))
    assert html == "<pre><code>x = 1</code></pre><ul><li>parent<ul><li>child</li></ul></li></ul>"


def test_dashes_in_code_and_raw_html_stay_as_they_are():
    assert "Usage:\n- x\n" in render_markdown("```\nUsage:\n- x\n```")
    assert render_markdown("a rule\n\n---") == "<p>a rule</p>\n<hr>"


def test_deep_nesting_keeps_every_level_down_to_sixteen():
    text = "\n".join("  " * level + f"- level {level}" for level in range(20))
    html = render_markdown(text)
    assert html.count("<ul>") == 16
    assert all(f"level {level}</li>" in html or f"level {level}<ul>" in html for level in range(20))


# == Ordered lists keep their numbers ==


def test_an_ordered_list_starts_at_its_first_number():
    assert squeeze(render_markdown("3. third step\n4. fourth step")) == (
        '<ol start="3"><li>third step</li><li>fourth step</li></ol>'
    )
    assert render_markdown("1. first").startswith("<ol>\n")
    assert render_markdown("007. seventh").startswith('<ol start="7">')


def test_a_nested_ordered_list_keeps_its_number_too():
    html = squeeze(render_markdown("- Setup\n  5. fifth"))
    assert html == '<ul><li>Setup<ol start="5"><li>fifth</li></ol></li></ul>'


def test_a_number_of_ten_digits_is_text():
    assert render_markdown("1234567890. x") == "<p>1234567890. x</p>"


@pytest.mark.parametrize(
    "start", ['"javascript:alert(1)"', '"3;x"', '"99999999999999999999"', '"1e9"', '" 3"']
)
def test_raw_html_keeps_only_a_number_as_a_start(start):
    assert render_markdown(f"<ol start={start}><li>x</li></ol>") == "<ol><li>x</li></ol>"


def test_raw_html_keeps_a_plain_start():
    assert render_markdown('<ol start="-2"><li>x</li></ol>') == '<ol start="-2"><li>x</li></ol>'


# == Headings in notes ==


def test_a_heading_keeps_its_level_and_the_text_under_it():
    assert squeeze(render_markdown("#### Method\nWe fine-tune.\n\nThen we test.")) == (
        "<h4>Method</h4><p>We fine-tune.</p><p>Then we test.</p>"
    )


@pytest.mark.parametrize(
    "text", ["# Big", "## Big", "### Big", "Big\n===", "Big\n---", "<h1>Big</h1>", "<H2>Big</H2>"]
)
def test_a_heading_never_outranks_the_page(text):
    assert render_markdown(text) == "<h3>Big</h3>"


def test_headings_from_h3_down_keep_their_level():
    html = render_markdown("#### four\n\n##### five\n\n###### six\n\n### three")
    assert html == "<h4>four</h4>\n<h5>five</h5>\n<h6>six</h6>\n<h3>three</h3>"


def test_headings_above_h3_move_down_together_and_stay_above_the_ones_under_them():
    html = render_markdown("# Paper\n\n## Method\n\n### Data\n\n##### Detail")
    assert html == "<h3>Paper</h3>\n<h4>Method</h4>\n<h5>Data</h5>\n<h6>Detail</h6>"
    assert render_markdown("## Method\n\n###### Detail") == "<h3>Method</h3>\n<h6>Detail</h6>"


def test_heading_tags_written_as_text_are_left_alone():
    html = render_markdown("`<h1>` and &lt;h2&gt;")
    assert html == "<p><code>&lt;h1&gt;</code> and &lt;h2&gt;</p>"
    html = render_markdown('<abbr title="<h1>">x</abbr>')
    assert html == '<p><abbr title="&lt;h1&gt;">x</abbr></p>'


# == Images never uploaded ==


@pytest.mark.parametrize("path", ["figures/fig1.png", "./img.png", "../x.png", "fig 1.png"])
def test_a_relative_image_shows_its_alt_text_and_that_it_was_not_uploaded(path):
    html = render_markdown(f"![Figure 1](<{path}>)")
    assert "<img" not in html
    assert f"🖼 Figure 1 <small>(image not uploaded: {path})</small>" in html


# == Through the paper page ==


@pytest.mark.django_db
def test_the_samples_the_paper_note_shows_as_a_paragraph_and_a_list(client, alice):
    call_command("import_log", str(SAMPLE), "--owner", "alice", "--log", "demo", stdout=StringIO())
    paper = Paper.objects.get(log__slug="demo", number=1)
    note = paper.notes.get(body__startswith="The paper:")
    client.force_login(alice)
    response = paper_page(client, paper)
    assert response.status_code == 200
    html = squeeze(response.content.decode())
    assert note.body_html.startswith("<p>The paper:</p>")
    assert re.search(
        r"<p>The paper:</p><ul><li>majorly focuses [^<]*</li><li>summarizes [^<]*</li></ul>", html
    )


def test_a_note_shows_its_nested_list_numbers_and_heading_on_the_page(client, carol, paper):
    make_note(paper, by=carol, body="#### Results\nThree steps:\n1. warm up\n   - 2 epochs")
    make_note(paper, by=carol, body="3. evaluate\n4. compare")
    make_note(paper, by=carol, body="# Conclusion\n![Figure 2](figs/fig2.png)")
    client.force_login(carol)
    html = squeeze(paper_page(client, paper).content.decode())
    assert (
        "<h4>Results</h4><p>Three steps:</p><ol><li>warm up<ul><li>2 epochs</li></ul></li></ol>"
    ) in html
    assert '<ol start="3"><li>evaluate</li><li>compare</li></ol>' in html
    assert "<h3>Conclusion</h3>" in html and "<h1>Conclusion" not in html
    assert "(image not uploaded: figs/fig2.png)" in html


def test_a_note_added_with_htmx_renders_its_list(client, carol, paper):
    client.force_login(carol)
    body = "The paper:\n- majorly about tutors\n   - in schools\n- summarizes benchmarks"
    response = client.post(
        reverse("note_add", args=[paper.log.slug, paper.number]), {"body": body}, **HTMX
    )
    assert_partial(response, "note-form")
    expected = (
        "<p>The paper:</p><ul><li>majorly about tutors<ul><li>in schools</li></ul></li>"
        "<li>summarizes benchmarks</li></ul>"
    )
    assert expected in squeeze(response.content.decode())
    assert Note.objects.get().body == body  # rendered, not rewritten


def test_the_preview_renders_as_the_note_will(client, carol, log):
    client.force_login(carol)
    response = client.post(
        reverse("markdown_preview", args=[log.slug]), {"body": "## Method\n5. fifth"}
    )
    assert response.status_code == 200
    assert squeeze(response.content.decode()) == (
        '<h3>Method</h3><ol start="5"><li>fifth</li></ol>'
    )


def test_a_numbered_list_in_a_file_is_one_note_per_item_each_keeping_its_number(
    client, alice, tmp_path
):
    source = tmp_path / "log.md"
    source.write_text(
        "### [1] A paper\n\n"
        "1. The loss is a sum over tokens.\n"
        "2. Warm-up matters:\n"
        "   - without it the first steps diverge\n"
        "3. Labels are smoothed.\n"
    )
    call_command("import_log", str(source), "--owner", "alice", "--log", "nums", stdout=StringIO())
    paper = Paper.objects.get(log__slug="nums", number=1)
    bodies = list(paper.notes.order_by("position").values_list("body", flat=True))
    assert bodies == [
        "1. The loss is a sum over tokens.",
        "2. Warm-up matters:\n   - without it the first steps diverge",
        "3. Labels are smoothed.",
    ]
    client.force_login(alice)
    html = squeeze(paper_page(client, paper).content.decode())
    assert '<ol start="2"><li>Warm-up matters:<ul><li>without it the first steps diverge' in html
    assert '<ol start="3"><li>Labels are smoothed.</li></ol>' in html

    out = StringIO()
    call_command("export_log", "nums", stdout=out)
    again = tmp_path / "again.md"
    again.write_text(out.getvalue())
    call_command("import_log", str(again), "--owner", "alice", "--log", "nums2", stdout=StringIO())
    out2 = StringIO()
    call_command("export_log", "nums2", stdout=out2)
    assert out2.getvalue().replace("nums2", "nums") == out.getvalue()
