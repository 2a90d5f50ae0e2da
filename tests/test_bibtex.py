"""BibTeX out of a log and into one: keys, escaping, LaTeX decoding, duplicates, bad input."""

from types import SimpleNamespace
from unittest.mock import patch

import bibtexparser
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from papers.actions import trash
from papers.bibtex import export_bibtex, parse_bibtex
from papers.logformat import LogFormatError
from papers.models import ChangeLogEntry, Paper
from tests.conftest import make_paper

HOSTILE = [
    "{B}ERT & co: 100% \\ of $x^2$ #1 a_b ~ c -- d --- ``q'' }{ {unbalanced",
    "@misc{evil, title={x}}",
    'Müller\'s naïve "quoted" é',
    "¿Why?` no!` <<x>> ,,y'' `a' 'b`",
    "} @article{injected, title = {pwned}",
    "%comment \\end{document} \\\\ \\input{/etc/passwd}",
]

SAMPLE = r"""
@article{devlin2019bert,
  title = {{B}ERT: Pre-training of Deep Bidirectional Transformers -- for Language},
  author = {Devlin, Jacob and Chang, Ming-Wei and M{\"u}ller, J{\"o}rg and van der Berg, Jan},
  year = 2019,
  doi = {https://doi.org/10.18653/V1/N19-1423},
  abstract = {We introduce a new language representation model called \textbf{BERT}.},
}
@misc{vaswani2017attention,
  title = {Attention is all you need},
  author = {Vaswani, Ashish and others},
  year = {2017},
  eprint = {1706.03762v5},
  archivePrefix = {arXiv},
}
@misc{again,
  title = {A paper twice},
  eprint = {2101.00001},
}
@misc{again2,
  title = {A paper twice, arXiv v2},
  eprint = {2101.00001v2},
}
"""


def export(log, tmp_path):
    out = tmp_path / "out.bib"
    call_command("export_log", log.slug, "--format", "bibtex", "--output", str(out))
    return out.read_text()


def import_bib(tmp_path, text, *args):
    path = tmp_path / "refs.bib"
    path.write_text(text)
    call_command("import_log", str(path), *args)
    return path


def test_export_keys_fields_and_escaping(log, carol, tmp_path, settings):
    settings.SITE_URL = "https://reading.example"
    make_paper(
        log, by=carol, authors="Ashish Vaswani, Noam Shazeer", year=2017,
        arxiv_id="1706.03762", tldr="Attention, 50% & no {recurrence}.",
    )  # fmt: skip
    make_paper(log, by=carol, number=2, title="Attention Is All You Need (again)",
               authors="Ashish Vaswani", year=2017, doi="10.1000/xyz")  # fmt: skip
    make_paper(log, by=carol, number=3, title="Attention, again", authors="A. Vaswani", year=2017)
    text = export(log, tmp_path)
    entries = {e.key: e for e in bibtexparser.parse_string(text).entries}
    assert list(entries) == [
        "vaswani2017attention",
        "vaswani2017attentionb",
        "vaswani2017attentionc",
    ]
    first = entries["vaswani2017attention"]
    assert first.entry_type == "misc"
    assert first["eprint"] == "1706.03762"
    assert first["archivePrefix"] == "arXiv"
    assert first["author"] == "Ashish Vaswani and Noam Shazeer"
    assert first["url"] == "https://reading.example/logs/group/papers/1/"
    assert first["note"] == r"Attention, 50\% \& no \{recurrence\}."
    second = entries["vaswani2017attentionb"]
    assert second.entry_type == "article" and second["doi"] == "10.1000/xyz"
    # Stable: the same keys again, and a later paper does not move them.
    make_paper(log, by=carol, number=4, title="Attention later", authors="Vaswani", year=2017)
    again = [e.key for e in bibtexparser.parse_string(export(log, tmp_path)).entries]
    assert again[:3] == list(entries)
    # Deleting the first paper leaves the others' keys alone.
    trash(Paper.objects.get(log=log, number=1), by=carol)
    after = [e.key for e in bibtexparser.parse_string(export(log, tmp_path)).entries]
    assert after[:2] == ["vaswani2017attentionb", "vaswani2017attentionc"]


@pytest.mark.parametrize("budget", [300_000, 0], ids=["pylatexenc", "plain decoder"])
@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_round_trip(log, carol, tmp_path, title, budget, monkeypatch):
    monkeypatch.setattr("papers.bibtex.DECODE_BUDGET", budget)
    make_paper(log, by=carol, title=title, authors="Jörg Müller, Team & Co 50%", tldr=title)
    text = export(log, tmp_path)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert len(library.entries) == 1
    Paper.objects.all().delete()
    import_bib(tmp_path, text, "--log", log.slug, "--owner", "alice")
    paper = Paper.objects.get(log=log)
    assert paper.title == title
    assert paper.tldr == title
    assert paper.authors == "Jörg Müller, Team & Co 50%"


def test_import_adds_new_papers_with_metadata(log, carol, tmp_path, capsys):
    make_paper(log, by=carol, title="Something else", arxiv_id="1706.03762v1")
    import_bib(tmp_path, SAMPLE, "--log", log.slug, "--owner", "alice")
    out = capsys.readouterr().out
    assert "Added 2 papers" in out
    assert "vaswani2017attention: already in the log as [1] Something else" in out
    assert "again2: already in the log as “A paper twice” (earlier in the file)" in out
    bert = Paper.objects.get(log=log, doi="10.18653/V1/N19-1423")
    assert bert.title == "BERT: Pre-training of Deep Bidirectional Transformers – for Language"
    assert bert.authors == "Jacob Devlin, Ming-Wei Chang, Jörg Müller, Jan van der Berg"
    assert bert.year == 2019
    assert bert.abstract == "We introduce a new language representation model called BERT."
    assert bert.number == 2
    twice = Paper.objects.get(log=log, title="A paper twice")
    assert twice.arxiv_id == "2101.00001" and twice.number == 3
    entry = ChangeLogEntry.objects.get(log=log, kind=ChangeLogEntry.Kind.IMPORTED)
    assert entry.text.startswith("Imported 2 papers")
    # Again: everything is in the log now.
    import_bib(tmp_path, SAMPLE, "--log", log.slug, "--owner", "alice")
    assert "Added 0 papers" in capsys.readouterr().out
    assert Paper.objects.filter(log=log).count() == 3


def test_import_dry_run_and_new_log(alice, tmp_path, capsys):
    import_bib(tmp_path, SAMPLE, "--log", "refs", "--owner", "alice", "--dry-run")
    assert "Would add 3 papers" in capsys.readouterr().out
    assert not Paper.objects.exists()
    import_bib(tmp_path, SAMPLE, "--log", "refs", "--owner", "alice")
    assert Paper.objects.filter(log__slug="refs").count() == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no BibTeX entries"),
        ("just some prose, no entries", "no BibTeX entries"),
        ("@article{x, title = {unclosed\n@misc{y, title={z}}", "does not parse"),
        ("@misc{x, title={ok}}\n" * 2001, "more than 2000 entries"),
        ("@" * 100_000, "more than 2000 entries"),
        ("@misc{x, title = {" + "a" * 600 + "}}", "title is longer than 500"),
        ("@misc{x, author = {A}}", "Added 0 papers"),
    ],
)
def test_bad_input_changes_nothing(log, tmp_path, capsys, text, message):
    try:
        import_bib(tmp_path, text, "--log", log.slug, "--owner", "alice")
    except CommandError as error:
        assert message in str(error)
    else:
        assert message in capsys.readouterr().out
    assert not Paper.objects.filter(log=log).exists()
    assert not ChangeLogEntry.objects.filter(log=log).exists()


TITLES = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), max_codepoint=0x2FFF)
        | st.sampled_from(list("\\{}%&$#_^~-`'\"@,=?!")),
        min_size=1,
        max_size=60,
    )
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)


@pytest.mark.parametrize("budget", [300_000, 0], ids=["pylatexenc", "plain decoder"])
@given(title=TITLES)
@settings(max_examples=150, deadline=None)
def test_any_title_parses_back_as_written(budget, title):
    """Whatever a title holds (its spaces aside), the exported entry reads back to it."""
    with patch("papers.bibtex.DECODE_BUDGET", budget):
        paper = SimpleNamespace(
            number=1, title=title, authors="", year=None, arxiv_id="", doi="", tldr="", url="",
            abstract="", get_absolute_url=lambda: "/logs/x/papers/1/",
        )  # fmt: skip
        [entry] = parse_bibtex(export_bibtex([paper], {1: "key"})).document.papers
    assert entry.title == title


@pytest.mark.parametrize("budget", [300_000, 0], ids=["pylatexenc", "plain decoder"])
def test_latex_decoded(budget, monkeypatch):
    monkeypatch.setattr("papers.bibtex.DECODE_BUDGET", budget)
    text = r"""@misc{x, title = {{B}ERT and G{\"o}del{\'e} -- na\"{\i}ve \emph{really} \& co},
      author = {{\v{S}}koda, Ji{\v r}{\'\i} and Stra{\ss}e, Anne}}"""
    [paper] = parse_bibtex(text).document.papers
    assert paper.title == "BERT and Gödelé – naïve really & co"
    assert paper.authors == "Jiří Škoda, Anne Straße"


@pytest.mark.parametrize(
    "text, message",
    [
        ("@misc{x, title={" + "{" * 100_000 + "}" * 100_000 + "}}", "title is longer than 500"),
        ("@misc{x, title={" + "{" * 300 + "a" + "}" * 300 + "}}", ""),
        ("@misc{x, title={" + "a" * 5_000_000 + "}}", "title is longer than 500"),
        ("@misc{x, " + "f={v}, " * 200_000 + "title={t}}", "too many fields"),
        ("@misc{x, title={t}, author={" + " and ".join(["A B"] * 400) + "}}", "300 authors"),
        ("@misc{x, title={t}, abstract={" + "\\x{" * 3000 + "}" * 3000 + "}}", ""),
    ],
    ids=["deep braces", "300 braces", "5 MB title", "many fields", "authors", "macros"],
)
def test_pathological_input_is_quick_and_clear(text, message):
    """Each is read or refused in a second or two (pylatexenc alone took minutes or crashed)."""
    if message:
        with pytest.raises(LogFormatError, match=message):
            parse_bibtex(text)
    else:
        assert len(parse_bibtex(text).document.papers) == 1


def test_not_utf8_and_too_big(log, tmp_path, settings):
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@misc{x, title={\xff}}")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_log", str(path), "--log", log.slug, "--owner", "alice")
    settings.READINGLOG_MAX_IMPORT_BYTES = 10
    with pytest.raises(CommandError, match="larger than the import limit"):
        call_command("import_log", str(path), "--log", log.slug, "--owner", "alice")


def test_tldr_lines_round_trip(log, carol, tmp_path):
    tldr = "Attention only:\n\n- no recurrence, 100% parallel\n- $O(n^2)$ memory\n\n  indented"
    make_paper(log, by=carol, tldr=tldr, abstract="One line.\nAnother & more.")
    text = export(log, tmp_path)
    Paper.objects.all().delete()
    import_bib(tmp_path, text, "--log", log.slug, "--owner", "alice")
    paper = Paper.objects.get(log=log)
    assert (paper.tldr, paper.abstract) == (tldr, "One line.\nAnother & more.")
    assert "<li>" in paper.tldr_html


def test_our_own_export_imported_elsewhere_keeps_each_papers_link(log, alice, carol, tmp_path):
    """The export's `url` is the paper's page here; the import takes the paper's own link."""
    make_paper(log, by=carol, title="Attention", arxiv_id="1706.03762")
    make_paper(log, by=carol, title="ResNet", url="", doi="10.1109/CVPR.2016.90")
    make_paper(log, by=carol, title="A blog post", url="https://example.org/a_post?x=1%20#y")
    text = export(log, tmp_path)
    assert "url = {http://127.0.0.1:8000/logs/group/papers/1/}" in text

    import_bib(tmp_path, text, "--log", "elsewhere", "--owner", "alice")

    links = dict(Paper.objects.filter(log__slug="elsewhere").values_list("title", "url"))
    assert links == {
        "Attention": "https://arxiv.org/abs/1706.03762",
        "ResNet": "https://doi.org/10.1109/CVPR.2016.90",
        "A blog post": "https://example.org/a_post?x=1%20#y",
    }
