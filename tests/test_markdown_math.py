"""Math in every markdown field is MathML made on the server (issue #11, item 4).

No JavaScript draws it (the content policy would not run any); what cannot
be converted is shown as written, as code; prices stay prose; nothing
hostile gets through inside MathML; the source is kept byte for byte.
"""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from papers.markdown import MAX_FORMULA, render_markdown
from papers.models import Note, ReadingLog
from tests.conftest import make_note
from tests.test_markdown import FORBIDDEN


@pytest.mark.parametrize(
    ("text", "display"),
    [
        (r"Scaled by $\sqrt{d_k}$ here", "inline"),
        (r"Scaled by \(\sqrt{d_k}\) here", "inline"),
        ("$$\n\\sqrt{d_k}\n$$", "block"),
        ("\\[\n\\sqrt{d_k}\n\\]", "block"),
        (r"so $$\sqrt{d_k}$$ in a sentence", "block"),
    ],
)
def test_each_syntax_becomes_mathml(text, display):
    html = render_markdown(text)
    assert f'<math display="{display}"><mrow><msqrt><mrow><msub><mi>d</mi><mi>k</mi>' in html
    assert "$" not in html and "\\(" not in html and "<script" not in html


def test_greek_letters_and_superscripts():
    html = render_markdown(r"$\rho$ and $E=mc^2$")
    assert "<mi>ρ</mi>" in html and "<msup><mi>c</mi><mn>2</mn></msup>" in html


@pytest.mark.parametrize(
    "text",
    ["It costs $5 and $10.", "Between $5 and $ 10", "From $3.50 to $4.75 a month"],
)
def test_prices_stay_prose(text):
    html = render_markdown(text)
    assert "<math" not in html and "$5" in html or "$3.50" in html


def test_an_escaped_dollar_is_a_dollar():
    assert render_markdown(r"costs \$5 and \$6") == "<p>costs $5 and $6</p>"


def test_math_in_code_stays_code():
    assert render_markdown("`$x$`") == "<p><code>$x$</code></p>"


@pytest.mark.parametrize(
    "text",
    [r"$\frac{$", r"$x^{$", r"$\sqrt[$"],
)
def test_a_formula_that_does_not_parse_is_shown_as_written_in_code(text):
    html = render_markdown(f"See {text} here")
    assert html == f"<p>See <code>{text}</code> here</p>"


def test_a_display_formula_that_does_not_parse_is_a_code_block():
    assert render_markdown("$$\n\\frac{\n$$") == "<pre><code>$$\n\\frac{\n$$\n</code></pre>"


def test_too_long_or_too_deep_formulas_are_code_and_fast():
    long = "$" + "x+" * (MAX_FORMULA // 2) + "x$"
    deep = "$" + r"\frac{" * 300 + "x" + "}{y}" * 300 + "$"
    chain = "$" + r"\sqrt" * 390 + " x$"
    for text in (long, deep, chain):
        start = time.process_time()
        html = render_markdown(text)
        assert time.process_time() - start < 1
        assert html.startswith(("<p><code>$", "<math"))
    assert render_markdown(long).startswith("<p><code>$") and "<code>$" in render_markdown(deep)


MATH_HOSTILE = [
    '<math href="javascript:alert(1)"><mi>x</mi></math>',
    '<math><mi xlink:href="javascript:alert(1)" style="color:red" onclick="x()">x</mi></math>',
    '<math><maction actiontype="statusline">x<mtext>evil</mtext></maction></math>',
    '<math><semantics><mi>x</mi><annotation-xml encoding="text/html">'
    "<script>alert(1)</script><iframe src=//evil.example></iframe>"
    "</annotation-xml></semantics></math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mspace width="-9999em" height="500em"/><mpadded voffset="-50em">x</mpadded></math>',
    r"$\href{javascript:alert(1)}{x}$",
    r"$\hspace{-5000em}x$",
    r"$\text{<img src=x onerror=alert(1)><script>alert(1)</script>}$",
    r"$\color{red}{x}\style{position:fixed}{y}$",
]


@pytest.mark.parametrize("text", MATH_HOSTILE)
def test_nothing_hostile_survives_in_mathml(text):
    html = render_markdown(text).lower()
    for pattern in FORBIDDEN:
        assert not re.search(pattern, html), (pattern, html)
    for pattern in [r"href", r"<maction", r"<semantics", r"<annotation", r"mathcolor",
                    r"voffset", r"width=\"-", r"height=\"500", r"<mglyph"]:  # fmt: skip
        assert not re.search(pattern, html), (pattern, html)


def test_the_live_preview_shows_math(client, log, carol):
    client.force_login(carol)
    response = client.post(
        reverse("markdown_preview", args=[log.slug]), {"body": r"Divide by $\sqrt{d_k}$"}
    )
    assert response.status_code == 200
    assert '<math display="inline">' in response.content.decode()


def test_a_note_shows_math_and_keeps_its_source(client, log, paper, carol):
    source = "Scaled by $\\sqrt{d_k}$, see\n\n$$\n\\frac{QK^T}{\\sqrt{d_k}}\n$$\n\nbut $5 and $10"
    note = make_note(paper, by=carol, body=source)
    client.force_login(carol)
    page = client.get(paper.get_absolute_url()).content.decode()
    assert '<math display="block">' in page and '<math display="inline">' in page
    assert Note.objects.get(pk=note.pk).body == source


def test_export_and_import_keep_math_byte_for_byte(log, paper, carol, tmp_path):
    source = "Eq. $\\mathrm{softmax}(QK^T/\\sqrt{d_k})V$ and \\(x\\) and $5 and $10"
    make_note(paper, by=carol, body=source)
    target = tmp_path / "log.md"
    call_command("export_log", log.slug, "--output", str(target))
    assert source in target.read_text()
    call_command("import_log", str(target), "--owner", "alice", "--log", "again", stdout=StringIO())
    again = ReadingLog.objects.get(slug="again")
    assert Note.objects.get(paper__log=again).body == source


def test_a_text_with_math_does_not_take_the_plain_fast_path():
    assert "<math" in render_markdown(r"Attention uses $\sqrt{d}$")
    assert "<math" in render_markdown(r"Attention uses \(d\)")
