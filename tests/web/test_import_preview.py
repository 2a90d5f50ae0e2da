"""The browser import of several files or a .zip, and a preview that says what was guessed.

The preview lists how each paper was recognised and the file it came from,
and its "Read this file as" select reads the kept files again another way
(HTMX swaps the preview; without it the page comes back whole). The
confirmation imports exactly what was previewed, in the reading shown.
"""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import Note, Paper, ReadingLog, Role
from tests.conftest import make_log
from tests.web.conftest import assert_partial

# Three small logs of my own: a numbered log, a log with an unnumbered paper,
# and one whose [1] clashes with the first.
GLASS = (
    b"# Glass lab log\n\n"
    b"### [1] Annealing Schedules for Borosilicate\n\n"
    b"- Figure 4: cooling faster than 2 K/min cracks the rods.\n\n"
    b"### [2] Stress Birefringence in Practice\n\n"
    b"- Polarised light shows the strain.\n"
)
CERAMICS = (
    b"# Ceramics\n\n### [1] Kiln Atmospheres and Glaze Colour\n\n- Reduction turns copper red.\n"
)
METALS = b"## Work Hardening of Copper Wire\n\n- Bending it ten times doubles the stiffness.\n"
# A reading list by topic: each `##` a paper, or each numbered item a paper.
TOPICS = b"""# Lab reading list

## Vision models

1. **ViT**: An Image Is Worth 16x16 Words. [arXiv](https://arxiv.org/abs/2010.11929)
    - patches as tokens
    - needs lots of data
2. **CLIP**: Learning Transferable Visual Models. [arXiv](https://arxiv.org/abs/2103.00020)
    - contrastive pretraining

## Sequence models

1. **S4**: Structured State Spaces for Long Sequences. [arXiv](https://arxiv.org/abs/2111.00396)
    - a long convolution kernel
"""
TABLE = b"""# Optics papers

| # | Paper | Link | Notes |
|---|---|---|---|
| 1 | Deep Residual Learning | https://arxiv.org/abs/1512.03385 | skip connections help |
| 2 | Batch Normalization | https://arxiv.org/abs/1502.03167 | faster training |
"""
# One paper per file: a `# Title`, its link, and sections of its own.
KILN_PAPER = b"""# Firing Curves for Stoneware

https://arxiv.org/abs/2301.01234

## Summary

Slow cooling through quartz inversion avoids dunting.

## Method

- thermocouples at three heights
- twelve firings
"""
ITEM_TITLES = [
    "An Image Is Worth 16x16 Words",
    "Learning Transferable Visual Models",
    "Structured State Spaces for Long Sequences",
]


def upload(data, name):
    return SimpleUploadedFile(name, data, content_type="text/markdown")


def zip_of(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


@pytest.fixture
def lab(alice, bob, carol, dave):
    return make_log(
        alice,
        title="Lab",
        slug="lab",
        members=[(bob, Role.CURATOR), (carol, Role.MEMBER), (dave, Role.VIEWER)],
    )


def import_url(log=None):
    return reverse("log_import", args=[log.slug]) if log else reverse("log_import_new")


def confirm_url(log=None):
    return (
        reverse("log_import_confirm", args=[log.slug]) if log else reverse("log_import_new_confirm")
    )


def three_files():
    return [
        upload(METALS, "2024-05-02-metals.md"),
        upload(GLASS, "2024-03-01-glass.md"),
        upload(CERAMICS, "2024-04-11-ceramics.md"),
    ]


# -- Several files ---------------------------------------------------------------------


def test_the_upload_form_takes_several_files_or_a_zip(client, bob, lab):
    client.force_login(bob)

    html = client.get(import_url(lab)).content.decode()

    assert re.search(r'<input type="file" name="file"[^>]* multiple', html)
    assert 'accept=".md,.markdown,.txt,.zip,.bib"' in html


def test_several_files_are_previewed_in_name_order_with_their_file(client, bob, lab):
    client.force_login(bob)

    response = client.post(import_url(lab), {"file": three_files()})

    assert response.status_code == 200
    preview = response.context["preview"]
    entries = [(entry.number, entry.title, entry.file) for entry, _ in preview["entries"]]
    assert entries == [
        (1, "Annealing Schedules for Borosilicate", "2024-03-01-glass.md"),
        (2, "Stress Birefringence in Practice", "2024-03-01-glass.md"),
        (3, "Kiln Atmospheres and Glaze Colour", "2024-04-11-ceramics.md"),
        (4, "Work Hardening of Copper Wire", "2024-05-02-metals.md"),
    ]
    html = response.content.decode()
    assert "3 markdown files" in html
    assert '<th scope="col">File</th>' in html
    assert '<th scope="col">Read as</th>' in html
    assert '<td class="import-file">2024-04-11-ceramics.md</td>' in html
    assert "2024-04-11-ceramics.md, line 3</span>" in html  # [1] renumbered, in its own file
    assert not lab.papers.exists(), "the preview wrote nothing"


def test_confirming_several_files_imports_them_with_the_dates_of_their_names(client, bob, lab):
    client.force_login(bob)
    preview = client.post(import_url(lab), {"file": three_files()})

    response = client.post(confirm_url(lab), {"token": token_of(preview)})

    assert response.status_code == 302
    papers = list(lab.papers.order_by("number").values_list("title", "read_on"))
    assert [(title, str(day)) for title, day in papers] == [
        ("Annealing Schedules for Borosilicate", "2024-03-01"),
        ("Stress Birefringence in Practice", "2024-03-01"),
        ("Kiln Atmospheres and Glaze Colour", "2024-04-11"),
        ("Work Hardening of Copper Wire", "2024-05-02"),
    ]
    assert Note.objects.filter(paper__log=lab).count() == 4


def test_a_single_file_shows_no_file_column(client, bob, lab):
    client.force_login(bob)

    html = client.post(import_url(lab), {"file": upload(GLASS, "glass.md")}).content.decode()

    assert '<th scope="col">File</th>' not in html
    assert '<th scope="col">Read as</th>' in html
    assert '<td class="import-found-as">heading</td>' in html


def test_a_bad_file_among_several_is_named(client, bob, lab):
    client.force_login(bob)
    files = [upload(GLASS, "a.md"), upload(b"# Log\n\n### [1] One\n\n### [1] Two\n", "b.md")]

    response = client.post(import_url(lab), {"file": files})

    assert response.status_code == 422
    assert "b.md, line 5: The paper number [1] is used twice" in response.content.decode()
    assert "readinglog.import" not in client.session


def test_several_files_over_the_size_limit_are_refused(client, bob, lab, settings):
    settings.READINGLOG_MAX_IMPORT_BYTES = len(GLASS) + 10
    client.force_login(bob)

    response = client.post(import_url(lab), {"file": three_files()})

    assert response.status_code == 422
    assert "in all; the limit is" in response.content.decode()


def test_more_files_than_the_limit_are_refused(client, bob, lab, settings):
    settings.READINGLOG_MAX_IMPORT_FILES = 2
    client.force_login(bob)

    response = client.post(import_url(lab), {"file": three_files()})

    assert response.status_code == 422
    assert "That is 3 files; the limit is 2." in response.content.decode()


# -- A zip -------------------------------------------------------------------------------


def test_a_zip_is_previewed_and_imported_as_a_new_log_named_after_it(client, carol):
    client.force_login(carol)
    data = zip_of([("notes/b.md", METALS), ("notes/a.md", METALS.replace(b"Copper", b"Tin"))])

    preview = client.post(import_url(), {"file": upload(data, "workshop-notes.zip")})

    assert preview.status_code == 200
    assert "“workshop-notes”" in preview.content.decode()
    titles = [entry.title for entry, _ in preview.context["preview"]["entries"]]
    assert titles == ["Work Hardening of Tin Wire", "Work Hardening of Copper Wire"]

    response = client.post(confirm_url(), {"token": token_of(preview)})

    log = ReadingLog.objects.get(title="workshop-notes")
    assert response["Location"] == log.get_absolute_url()
    assert log.papers.count() == 2


def test_a_zip_bomb_is_refused_with_a_message(client, bob, lab, settings):
    settings.READINGLOG_MAX_IMPORT_BYTES = 64 * 1024
    client.force_login(bob)
    bomb = zip_of([("bomb.md", b"## Bomb\n\n" + b"a" * 5_000_000)])
    assert len(bomb) < 64 * 1024

    response = client.post(import_url(lab), {"file": upload(bomb, "bomb.zip")})

    assert response.status_code == 422
    assert "larger than 64.0 KB in all" in response.content.decode()
    assert not lab.papers.exists()


def test_a_corrupt_zip_is_refused_with_a_message(client, bob, lab):
    client.force_login(bob)

    response = client.post(import_url(lab), {"file": upload(b"PK\x03\x04 broken", "x.zip")})

    assert response.status_code == 422
    assert "x.zip: This .zip file is damaged or is not a zip file." in response.content.decode()


# -- Switching the reading ---------------------------------------------------------------


def test_the_preview_offers_the_readings_in_a_labelled_select(client, bob, lab):
    client.force_login(bob)

    response = client.post(import_url(lab), {"file": upload(GLASS, "glass.md")})

    html = response.content.decode()
    form = response.context["preview"]["reading_form"]
    offered = [key for key, _ in form.fields["reading"].choices]
    assert offered[0] == "headings"
    assert set(offered) <= {"headings", "file", "items", "rows"}
    assert '<label for="id_reading">Read this file as</label>' in html
    assert '<option value="headings" selected>each ## heading is a paper</option>' in html
    assert 'hx-trigger="change, submit"' in html
    assert '<p class="help" id="import-reading-help" aria-live="polite">' in html
    assert 'aria-describedby="import-reading-help"' in html
    assert "Read it this way</button>" in html  # works without JavaScript


def test_switching_the_reading_with_htmx_returns_the_preview_partial(client, bob, lab, htmx):
    client.force_login(bob)
    client.post(import_url(lab), {"file": upload(GLASS, "glass.md")})

    response = client.post(import_url(lab), {"reading": "headings"}, **htmx)

    assert_partial(response, "import-step")
    html = response.content.decode()
    assert "Read as: each ## heading is a paper." in html
    assert "Annealing Schedules for Borosilicate" in html
    assert re.search(r'<select name="reading"[^>]* data-focus', html)  # focus stays on the select


def test_switching_the_reading_without_htmx_returns_the_whole_page(client, bob, lab):
    client.force_login(bob)
    client.post(import_url(lab), {"file": upload(GLASS, "glass.md")})

    response = client.post(import_url(lab), {"reading": "headings"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert response.context["preview"]["paper_total"] == 2


def test_a_reading_that_finds_nothing_keeps_the_files_own_and_says_so(client, bob, lab):
    client.force_login(bob)
    client.post(import_url(lab), {"file": three_files()})

    response = client.post(import_url(lab), {"reading": "rows"})

    preview = response.context["preview"]
    assert preview["reading"] == "rows"
    assert preview["paper_total"] == 4
    html = response.content.decode()
    assert "No papers are found reading this file as “each table row is a paper”" in html


def test_each_reading_offered_is_the_one_confirm_imports(client, bob, lab):
    client.force_login(bob)
    first = client.post(import_url(lab), {"file": three_files()})
    offered = [key for key, _ in first.context["preview"]["reading_form"].fields["reading"].choices]
    last = offered[-1]

    switched = client.post(import_url(lab), {"reading": last})
    shown = [entry.title for entry, _ in switched.context["preview"]["entries"]]

    # The token of the first preview named another reading's texts: refused.
    if last != first.context["preview"]["reading"]:
        assert client.post(confirm_url(lab), {"token": token_of(first)}).status_code == 422
    response = client.post(confirm_url(lab), {"token": token_of(switched)})

    assert response.status_code == 302
    assert list(lab.papers.order_by("number").values_list("title", flat=True)) == shown


def test_the_token_of_an_earlier_reading_is_refused(client, bob, lab):
    client.force_login(bob)
    first = client.post(import_url(lab), {"file": upload(GLASS, "glass.md")})
    client.post(import_url(lab), {"reading": "items"})

    response = client.post(confirm_url(lab), {"token": token_of(first)})

    assert response.status_code == 422
    assert "could not be confirmed" in response.content.decode()
    assert not lab.papers.exists()


def test_switching_without_a_pending_import_asks_for_the_files_again(client, bob, lab):
    client.force_login(bob)

    response = client.post(import_url(lab), {"reading": "headings"})

    assert response.status_code == 422
    assert "upload the files again" in response.content.decode()


def test_switching_the_files_of_another_target_is_refused(client, bob, lab, log):
    client.force_login(bob)
    client.post(import_url(log), {"file": upload(GLASS, "glass.md")})

    response = client.post(import_url(lab), {"reading": "headings"})

    assert response.status_code == 422
    assert not Paper.objects.filter(log=lab).exists()


def test_an_unknown_reading_is_refused(client, bob, lab):
    client.force_login(bob)
    client.post(import_url(lab), {"file": upload(GLASS, "glass.md")})

    response = client.post(import_url(lab), {"reading": "sideways"})

    assert response.status_code == 422
    assert "There is no such way to read the files" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("dave", 403), ("carol", 403), ("mallory", 404)])
def test_only_curators_switch_the_reading_of_a_log_import(client, lab, persona, status, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(import_url(lab), {"reading": "headings"})

    assert response.status_code == status


def test_a_list_of_papers_can_be_read_by_headings_or_by_items(client, bob, lab, htmx):
    client.force_login(bob)
    first = client.post(import_url(lab), {"file": upload(TOPICS, "list.md")})
    offered = [key for key, _ in first.context["preview"]["reading_form"].fields["reading"].choices]
    assert {"headings", "items"} <= set(offered)

    by_items = client.post(import_url(lab), {"reading": "items"}, **htmx)
    html = by_items.content.decode()
    assert html.count('<td class="import-found-as">list item</td>') == 3
    assert all(title in html for title in ITEM_TITLES)
    assert '<option value="items" selected>each list item is a paper</option>' in html
    # The topic headings are listed apart, as headings that group papers.
    grouping = html[
        html.index("import-grouping") : html.index("</section>", html.index("import-grouping"))
    ]
    assert "2 headings were read as grouping the papers below them" in grouping
    assert "list.md" not in grouping  # one file: lines alone

    by_headings = client.post(import_url(lab), {"reading": "headings"}, **htmx)
    html = by_headings.content.decode()
    assert '<td class="import-found-as">list item</td>' not in html
    assert "<td>Vision models</td>" in html


def test_confirm_imports_the_reading_chosen_last(client, bob, lab):
    client.force_login(bob)
    client.post(import_url(lab), {"file": upload(TOPICS, "list.md")})
    client.post(import_url(lab), {"reading": "headings"})
    chosen = client.post(import_url(lab), {"reading": "items"})

    response = client.post(confirm_url(lab), {"token": token_of(chosen)})

    assert response.status_code == 302
    assert list(lab.papers.order_by("number").values_list("title", flat=True)) == ITEM_TITLES
    vit = lab.papers.get(title=ITEM_TITLES[0])
    assert vit.arxiv_id == "2010.11929"
    assert list(vit.tags.values_list("name", flat=True)) == ["Vision models"]


def test_files_read_in_different_ways_offer_the_guess_for_each_file(client, bob, lab, htmx):
    client.force_login(bob)

    response = client.post(
        import_url(lab), {"file": [upload(GLASS, "a-glass.md"), upload(TABLE, "b-table.md")]}
    )

    preview = response.context["preview"]
    assert preview["reading"] == ""
    found = [(entry.file, entry.found_as) for entry, _ in preview["entries"]]
    assert found == [("a-glass.md", "heading")] * 2 + [("b-table.md", "table row")] * 2
    html = response.content.decode()
    assert '<option value="" selected>as the importer guessed for each file</option>' in html
    assert "The files were read in different ways" in html

    again = client.post(import_url(lab), {"reading": ""}, **htmx)
    assert_partial(again, "import-step")
    assert '<td class="import-found-as">table row</td>' in again.content.decode()
    assert client.post(confirm_url(lab), {"token": token_of(again)}).status_code == 302
    assert lab.papers.count() == 4


def test_two_uploads_of_the_same_name_stay_apart(client, bob, lab):
    client.force_login(bob)

    response = client.post(
        import_url(lab), {"file": [upload(GLASS, "notes.md"), upload(METALS, "notes.md")]}
    )

    files = {entry.file for entry, _ in response.context["preview"]["entries"]}
    assert files == {"notes.md", "notes (2).md"}


def test_a_file_without_headings_is_read_as_one_paper_and_the_preview_says_so(client, bob, lab):
    client.force_login(bob)
    text = b"Some thoughts on kilns.\n\nThey get hot and the glaze runs.\n"

    response = client.post(import_url(lab), {"file": upload(text, "2024-06-01-kiln.md")})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Read as one paper: no paper headings found." in html
    assert '<td class="import-found-as">one file</td>' in html
    client.post(confirm_url(lab), {"token": token_of(response)})
    paper = lab.papers.get()
    assert str(paper.read_on) == "2024-06-01"
    assert paper.notes.count() == 2


def test_per_paper_files_are_one_paper_each_and_can_be_read_by_headings(client, bob, lab, htmx):
    client.force_login(bob)
    files = [
        upload(KILN_PAPER, "2024-02-01-firing.md"),
        upload(KILN_PAPER.replace(b"Stoneware", b"Porcelain"), "2024-02-02-firing.md"),
    ]

    first = client.post(import_url(lab), {"file": files})

    entries = first.context["preview"]["entries"]
    assert [(e.number, e.title, e.found_as) for e, _ in entries] == [
        (1, "Firing Curves for Stoneware", "one file"),
        (2, "Firing Curves for Porcelain", "one file"),
    ]
    assert first.context["preview"]["reading"] == "file"
    assert "taken by an earlier file" not in first.content.decode()

    by_headings = client.post(import_url(lab), {"reading": "headings"}, **htmx)
    assert "<td>Summary</td>" in by_headings.content.decode()

    by_file = client.post(import_url(lab), {"reading": "file"}, **htmx)
    client.post(confirm_url(lab), {"token": token_of(by_file)})
    papers = lab.papers.order_by("number")
    assert [(p.title, p.url, str(p.read_on)) for p in papers] == [
        ("Firing Curves for Stoneware", "https://arxiv.org/abs/2301.01234", "2024-02-01"),
        ("Firing Curves for Porcelain", "https://arxiv.org/abs/2301.01234", "2024-02-02"),
    ]


def test_a_zip_of_per_paper_files_makes_a_log_named_after_the_zip(client, carol):
    client.force_login(carol)
    data = zip_of(
        [
            ("kilns/2024-02-01-stoneware.md", KILN_PAPER),
            ("kilns/2024-02-02-porcelain.md", KILN_PAPER.replace(b"Stoneware", b"Porcelain")),
        ]
    )

    preview = client.post(import_url(), {"file": upload(data, "kilns.zip")})
    client.post(confirm_url(), {"token": token_of(preview)})

    log = ReadingLog.objects.get(title="kilns")
    assert list(log.papers.order_by("number").values_list("title", flat=True)) == [
        "Firing Curves for Stoneware",
        "Firing Curves for Porcelain",
    ]


def test_more_files_than_django_takes_in_one_request_is_a_400_not_a_500(client, bob, lab, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client.force_login(bob)

    response = client.post(import_url(lab), {"file": three_files()})

    assert response.status_code == 400
    assert not lab.papers.exists()


def test_a_date_heading_over_papers_is_shown_as_grouping_them(client, bob, lab):
    client.force_login(bob)
    text = (
        b"# Lab log\n\n## 2024-03-05\n\n### [1] Annealing Glass\n\n- Slowly.\n\n"
        b"### [2] Tempering Glass\n\n- Quickly.\n"
    )

    response = client.post(import_url(lab), {"file": upload(text, "log.md")})

    html = response.content.decode()
    grouping = html[
        html.index("import-grouping") : html.index("</section>", html.index("import-grouping"))
    ]
    assert "1 heading was read as grouping the papers below it, not as a paper" in grouping
    assert "2024-03-05" in grouping
    titles = [entry.title for entry, _ in response.context["preview"]["entries"]]
    assert titles == ["Annealing Glass", "Tempering Glass"]


def test_many_files_without_headings_get_one_notice(client, bob, lab):
    client.force_login(bob)
    files = [upload(f"Thoughts on kiln {i}.\n".encode(), f"kiln-{i}.md") for i in range(5)]

    response = client.post(import_url(lab), {"file": files})

    html = response.content.decode()
    assert "5 files were each read as one paper: no paper headings found in them." in html
    assert html.count("import-one-paper") == 1


def test_a_warning_many_files_share_is_listed_once_with_their_count(client, bob, lab):
    client.force_login(bob)
    files = [
        upload(KILN_PAPER.replace(b"Stoneware", f"Clay {i}".encode()), f"{i}.md") for i in range(5)
    ]

    response = client.post(import_url(lab), {"file": files})

    rows = response.context["preview"]["warnings"]
    shared = [row for row in rows if row["file"] == "5 files"]
    assert len(shared) == 1
    assert shared[0]["message"].startswith("Read as one paper")
    assert '<span class="import-line">5 files</span>' in response.content.decode()
