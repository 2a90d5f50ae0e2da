"""Nobody can stall or poison the renderer (issue #8).

CORPUS holds inputs that made Python-Markdown scan quadratically, recurse
or break, each MAX_TEXT characters long: the cases of cmark's
test/pathological_tests.py and markdown-it's pathological tests, and the
ones found by timing every construct at the size limit. Each must render in
under a second of CPU time (generous: benchmarks/render.py records the real
figure) and leave the next render exactly as it was. CPU time, not wall
time: the suite shares the machine with other jobs.
"""

import logging
import random
import time
from pathlib import Path

import markdown
import pytest
from markdown.extensions.tables import TableProcessor
from markdown.treeprocessors import InlineProcessor

from papers import markdown as renderer
from papers.markdown import MAX_TEXT, render_markdown

ROOT = Path(__file__).resolve().parent.parent


def repeat(unit, size=MAX_TEXT):
    """Return unit repeated to exactly `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def nest(opener, middle, closer):
    """Return opener×n + middle + closer×n, padded to MAX_TEXT characters."""
    n = (MAX_TEXT - len(middle)) // (len(opener) + len(closer))
    return (opener * n + middle + closer * n).ljust(MAX_TEXT, "a")


def lines(make_line):
    """Return make_line(0), make_line(1), … one a line, cut to MAX_TEXT characters."""
    out, size, i = [], 0, 0
    while size < MAX_TEXT:
        out.append(make_line(i) + "\n")
        size += len(out[-1])
        i += 1
    return "".join(out)[:MAX_TEXT]


def growing(make_piece, size=MAX_TEXT):
    """Return make_piece(1) + make_piece(2) + …, padded to `size` characters."""
    out, i = [], 1
    while sum(map(len, out)) < size:
        out.append(make_piece(i))
        i += 1
    return "".join(out)[:size]


CORPUS = {
    # Math (issue #11): formulas to convert, the same or all different, and nesting.
    "many formulas": repeat("$x$ "),
    "many different formulas": growing(lambda i: f"$x_{{{i}}}^2$ "),
    "deeply nested fractions": repeat("$" + r"\frac{" * 40 + "x" + "}{y}" * 40 + "$ "),
    "unclosed dollars": repeat("$a "),
    # From cmark's test/pathological_tests.py and markdown-it's port of it.
    "nested strong emph": nest("*a **a ", "b", " a** a*"),
    "many emph closers with no openers": repeat("a_ "),
    "many emph openers with no closers": repeat("_a "),
    "many link closers with no openers": repeat("a]"),
    "many link openers with no closers": repeat("[a"),
    "mismatched openers and closers": repeat("*a_ "),
    "commonmark/cmark#389": repeat("*a ", MAX_TEXT // 2) + repeat("_a*_ ", MAX_TEXT // 2),
    "openers and closers multiple of 3": "a**b" + repeat("c* ", MAX_TEXT - 4),
    "link openers and emph closers": repeat("[ a_"),
    "pattern [ (]( repeated": repeat("[ (]("),
    "pattern ![[]() repeated": repeat("![[]()"),
    "nested brackets": nest("[", "a", "]"),
    "nested block quotes": repeat("> ", MAX_TEXT - 1) + "a",
    "deeply nested lists": lines(lambda i: "  " * i + "* a"),
    "U+0000 in input": repeat("abc\x00de\x00"),
    "backticks": growing(lambda i: "e" + "`" * i),
    "unclosed links A": repeat("[a](<b"),
    "unclosed links B": repeat("[a](b"),
    "unclosed <!--": "</" + repeat("<!--", MAX_TEXT - 2),
    "empty lines in deeply nested lists": repeat("- ", MAX_TEXT // 2) + "x" + "\n" * 24_999,
    "empty lines in nested lists in a quote": (
        "> " + repeat("- ", MAX_TEXT // 2 - 4) + "x\n" + repeat(">\n", MAX_TEXT // 2)
    ),
    "emph in deep blockquote": repeat(">", MAX_TEXT // 2) + repeat("a*", MAX_TEXT // 2),
    "nested inlines": nest("*", "a", "*"),
    "emphasis **_* pattern": repeat("**_* "),
    "backtick ``\\`` pattern": repeat("``\\"),
    "autolinks <<<<…<<> pattern": repeat("<", MAX_TEXT - 1) + ">",
    "hardbreak whitespaces": "x" + " " * (MAX_TEXT - 6) + "x  \nx",
    # From issue #8.
    "link openers": repeat("["),
    "image openers": repeat("!["),
    "list markers on one line": repeat("- ", MAX_TEXT - 1) + "x",
    # Found by timing each construct at the size limit.
    "nested image brackets": nest("![", "a", "]"),
    "links in links": nest("[a", "b", "](c)"),
    "reference openers": repeat("[a]["),
    "unclosed link titles": repeat('[a](b "'),
    "link titles never closed before )": repeat('[a]("x)'),
    "link titles with two quotes": repeat("[a](\"'x)"),
    "unclosed angle link targets": repeat("[a](<"),
    "emphasis alternating": repeat("*_"),
    "backtick pairs": repeat("`a"),
    "quotes without spaces": repeat(">", MAX_TEXT - 1) + "a",
    "ordered markers on one line": repeat("1. ", MAX_TEXT - 1) + "x",
    "quotes and lists on one line": repeat("- > "),
    "quote then list on each line": lines(lambda i: "> " * (i % 16) + "- a"),
    "ordered lists nested by indent": lines(lambda i: "  " * i + "1. a"),
    "escaped characters": repeat("\\*"),
    "entities": repeat("&amp;"),
    "HTML declarations": repeat("<!"),
    "processing instructions": repeat("<?"),
    "CDATA openers": repeat("<![CDATA["),
    "unclosed start tags": repeat("<a "),
    "unclosed end tags": repeat("</a"),
    "nested div blocks": repeat("<div>\n"),
    "autolink openers": repeat("<http://"),
    "email autolink openers": repeat("<a@"),
    "unclosed comments on lines": repeat("<!--\n"),
    "lines in one paragraph": repeat("a\n"),
    "headings without blank lines": repeat("# a\n"),
    "setext headings without blank lines": repeat("a\n=\n"),
    "rules without blank lines": repeat("* * *\n"),
    "list items": repeat("- a\n"),
    "paragraphs": repeat("a\n\n"),
    "unclosed fences of growing length": growing(lambda i: "`" * (i + 2) + "\n"),
    "fences": repeat("```\n"),
    "table row of code spans and pipes": "| a | b |\n|---|---|\n"
    + repeat("| `a | b` ", MAX_TEXT - 20),
    "long emphasis runs": repeat("*" * 100 + "a"),
    # Issue #9: lists nested at any indent, list starts, headings, missing images.
    "lists nested by tabs": lines(lambda i: "\t" * i + "- a"),
    "lists nested by tabs and back": lines(lambda i: "\t" * (i % 300) + "- a"),
    "ordered lists nested by three spaces": lines(lambda i: "   " * i + "1. a"),
    "bullets and numbers nested in turn": lines(lambda i: "  " * i + ("- a" if i % 2 else "3. a")),
    "lists nested in a quote": lines(lambda i: "> " + "  " * i + "- a"),
    "a list start of 50,000 digits": "9" * (MAX_TEXT - 3) + ". a",
    "list starts of nine digits": repeat("999999999. a\n"),
    "list starts of ten digits": repeat("9999999999. a\n"),
    "lists under lines of text": repeat("a\n- b\n"),
    "numbered lists under lines of text": repeat("a\n1. b\n"),
    "lists under paragraphs": repeat("a\n\n- b\n"),
    "headings of every level": repeat("# a\n## b\n### c\n#### d\n##### e\n###### f\n"),
    "raw h1 tags": repeat("<h1>a</h1>"),
    "raw ol starts": repeat('<ol start="99999999999"><li>'),
    "relative images": repeat("![a](./x.png)"),
    "fenced code under items": repeat("- a\n  ```\n  b\n  ```\n"),
    "fences under items never closed": repeat("- a\n  ```\n"),
}


def ordinary():
    """Return a few notes as people write them: a sample log and its markdown."""
    sample = (ROOT / "docs/examples/paper-reading-log-2024.md").read_text()
    return [
        sample,
        "Figure 3: the *attention* map shows [this](https://arxiv.org/abs/1706.03762) "
        "and `softmax(QK^T)`.\n\n- parent\n  - child\n    - grandchild\n- sibling",
        "| model | loss |\n|---|---|\n| GPT-2 | 3.1 |\n\n> quoted **bold** <sub>2</sub>\n\n"
        "```python\nif a < b:\n    pass\n```\n\n1. one\n2. two\n\n---\n\n## Heading\n\nA &amp; B",
    ]


ORDINARY = ordinary()
BEFORE = [render_markdown(text) for text in ORDINARY]  # rendered before any hostile input


# A quadratic or deeply recursive path takes seconds to minutes on these inputs
# (61 s for "![" * 10000 before issue #8); linear ones take 0.3 to 0.9 s of CPU
# depending on the machine (benchmarks/render.py). The limit leaves a slow CI
# machine room and still catches the first kind.
FAST = 2.0


def cpu_seconds(function, *args):
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


def test_every_corpus_input_is_at_the_size_limit():
    assert len(CORPUS) >= 30
    assert {name: len(text) for name, text in CORPUS.items() if len(text) != MAX_TEXT} == {}


@pytest.mark.parametrize("name", list(CORPUS))
def test_it_renders_a_pathological_input_fast_and_the_next_render_as_before(name, caplog):
    html, seconds = cpu_seconds(render_markdown, CORPUS[name])
    assert seconds < FAST, f"{name}: {seconds:.2f} s"
    assert html and not caplog.records, "rendered, not shown as typed after a failure"
    assert [render_markdown(text) for text in ORDINARY] == BEFORE


@pytest.mark.parametrize(
    "text", ["[" * 10_000, "![" * 10_000, "- " * 1000 + "x"], ids=["[", "![", "- "]
)
def test_the_inputs_of_issue_8_render_fast(text, caplog):
    html, seconds = cpu_seconds(render_markdown, text)
    assert seconds < FAST and not caplog.records
    assert [render_markdown(text) for text in ORDINARY] == BEFORE


@pytest.mark.parametrize(
    "text",
    [
        "- " * 10_000 + "x",
        "1. " * 10_000 + "x",
        "\n".join("\t" * i + "- x" for i in range(10_000))[:MAX_TEXT],
        "\n".join(" " * i + "- x" for i in range(10_000))[:MAX_TEXT],
    ],
    ids=["bullets", "numbers", "tabs", "spaces"],
)
def test_ten_thousand_nested_list_levels_render_fast_and_sixteen_deep(text, caplog):
    html, seconds = cpu_seconds(render_markdown, text)
    assert seconds < FAST and not caplog.records
    assert 0 < html.count("<ul>") + html.count("<ol>") <= 16


def test_markers_on_one_line_nest_sixteen_deep_and_the_rest_is_text():
    html = render_markdown("- " * 20 + "x")
    assert html.count("<ul>") == 16
    assert "- - - - x" in html


def test_a_horizontal_rule_of_many_dashes_stays_a_rule():
    assert render_markdown("- " * 40) == "<hr>"


def test_a_failed_render_shows_the_text_as_typed_and_the_next_render_is_normal(monkeypatch, caplog):
    def fail_halfway(self, lines):
        self.md.parser.state.set("list")  # what the RecursionError of issue #8 left behind
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(renderer._NeutralizeBlocks, "run", fail_halfway)
    with caplog.at_level(logging.ERROR, logger="papers.markdown"):
        html = render_markdown("<script>alert(1)</script> & *this*")
    assert html == "<pre>&lt;script&gt;alert(1)&lt;/script&gt; &amp; *this*</pre>"
    assert "Could not render" in caplog.text and "RecursionError" in caplog.text
    monkeypatch.undo()
    assert [render_markdown(text) for text in ORDINARY] == BEFORE


def python_markdown():
    """Return Python-Markdown as configured here, with its own inline and table processors."""
    md = markdown.Markdown(extensions=renderer.EXTENSIONS)
    md.treeprocessors.register(InlineProcessor(md), "inline", 20)
    table = md.parser.blockprocessors["table"]
    md.parser.blockprocessors.register(TableProcessor(md.parser, table.config), "table", 75)
    return md


TOKENS = [
    *"[]()!`\\*_<>&\"'|#-> \n",
    *["``", "```", "**", "__", "  \n", "\n\n", "- ", "1. ", "> ", "word", "é"],
    *["<b>", "</b>", "<!-- c -->", "&amp;", "&#42;", "<http://a.b/c>", "<a@b.c>"],
    *["$x$", "$$y$$", "$", r"\(z\)"],
    *["[a](b)", '[a](b "t")', "[a][r]", "\n[r]: /u", "![i](s)", "| a | b |\n|---|---|\n"],
]


@pytest.mark.parametrize("seed", range(4))
def test_one_pass_inline_patterns_and_linear_tables_render_what_python_markdown_does(seed):
    rng = random.Random(seed)
    for _ in range(150):
        text = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 80)))
        expected = python_markdown().convert(text)
        assert renderer._converter().convert(text) == expected, text


def test_ordinary_markdown_at_the_size_limit_renders_what_python_markdown_does():
    text = repeat("\n\n".join(ORDINARY) + "\n\n")
    assert renderer._converter().convert(text) == python_markdown().convert(text)


def link_everyone(names):
    return {name: f"/logs/group/members/#member-{len(name)}" for name in names}


@pytest.mark.parametrize(
    "unit", ["@", "@a ", "@a", "@.", "-@", "`@a` ", "a@b ", "[@a](/x) ", "@" + "a" * 200 + " "]
)
def test_mentions_at_the_size_limit_render_fast(unit, caplog):
    text = repeat(unit)
    html, seconds = cpu_seconds(lambda: render_markdown(text, mentions=link_everyone))
    assert seconds < FAST, f"{unit!r}: {seconds:.2f} s"
    assert html and not caplog.records


def link_every_paper(numbers):
    return {number: (f"/logs/group/papers/{number}/", "A title") for number in numbers}


@pytest.mark.parametrize(
    "unit", ["[[1]] ", "[[", "[[1", "[[1|" + "a" * 200 + "]] ", "`[[1]]` ", "[[1]]$x$"]
)
def test_cross_links_at_the_size_limit_render_fast(unit, caplog):
    text = repeat(unit)
    html, seconds = cpu_seconds(lambda: render_markdown(text, papers=link_every_paper))
    assert seconds < FAST, f"{unit!r}: {seconds:.2f} s"
    assert html and not caplog.records


def test_different_cross_links_beyond_the_limit_stay_as_typed():
    text = " ".join(f"[[{n}]]" for n in range(1, 151))
    asked = []
    html = render_markdown(text, papers=lambda numbers: asked.append(numbers) or {})
    assert asked == [set(range(1, 101))]  # one look-up of at most MAX_CROSSLINKS numbers
    assert html.count("crosslink-missing") == 100 and "[[150]]</p>" in html
