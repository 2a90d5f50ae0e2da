"""Import a markdown log in the browser (upload → preview → confirm) and export one."""

import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import ChangeLogEntry, Comment, Note, Paper, Question, ReadingLog, Role
from tests.conftest import make_comment, make_log, make_note, make_paper, make_question
from tests.web.conftest import assert_partial

SAMPLE = Path(__file__).resolve().parents[2] / "docs/examples/paper-reading-log-2024.md"
SMALL = b"# Small log\n\n### [1] Attention Is All You Need\n\n- Figure 1 shows the encoder.\n"


def upload(data, name="log.md"):
    return SimpleUploadedFile(name, data, content_type="text/markdown")


@pytest.fixture
def empty_log(alice, bob, carol, dave):
    return make_log(
        alice,
        slug="empty",
        members=[(bob, Role.CURATOR), (carol, Role.MEMBER), (dave, Role.VIEWER)],
    )


def import_url(log):
    return reverse("log_import", args=[log.slug])


def confirm_url(log):
    return reverse("log_import_confirm", args=[log.slug])


def token_of(response):
    """Read the signed token from the confirm form, as the browser would post it."""
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match[1]


def record_counts():
    return [m.objects.count() for m in (ReadingLog, Paper, Note, Question, Comment)]


# -- The whole flow --------------------------------------------------------------


def test_upload_preview_confirm_imports_the_sample_log(client, bob, empty_log):
    client.force_login(bob)
    assert client.get(import_url(empty_log)).status_code == 200

    response = client.post(import_url(empty_log), {"file": upload(SAMPLE.read_bytes())})

    assert response.status_code == 200
    preview = response.context["preview"]
    assert dict(preview["counts"])["papers"] == 9
    assert preview["paper_total"] == 9
    assert len(preview["entries"]) == 9
    assert not any(matched for _, matched in preview["entries"])
    html = response.content.decode()
    assert "Line 34" in html
    assert "read as a reply to the question above it" in html
    assert "no [N] number; it is numbered [9]" in html
    assert not empty_log.papers.exists(), "the preview wrote nothing"

    response = client.post(confirm_url(empty_log), {"token": token_of(response)})

    assert response.status_code == 302
    assert response["Location"] == empty_log.get_absolute_url()
    assert empty_log.papers.count() == 9
    assert Note.objects.filter(paper__log=empty_log).count() > 0
    assert Question.objects.filter(paper__log=empty_log).count() > 0
    assert empty_log.changelog.filter(kind=ChangeLogEntry.Kind.IMPORTED).exists()
    page = client.get(response["Location"])
    assert "Imported 9 papers" in page.content.decode()


def test_reuploading_the_same_file_previews_nothing_new(client, bob, empty_log):
    client.force_login(bob)
    first = client.post(import_url(empty_log), {"file": upload(SAMPLE.read_bytes())})
    client.post(confirm_url(empty_log), {"token": token_of(first)})

    response = client.post(import_url(empty_log), {"file": upload(SAMPLE.read_bytes())})

    preview = response.context["preview"]
    assert not preview["has_new"]
    assert all(matched for _, matched in preview["entries"])
    html = response.content.decode()
    assert "Nothing new" in html
    assert "Confirm the import" not in html
    assert "Already in the log" in html


def test_confirming_twice_does_not_import_twice(client, bob, empty_log):
    client.force_login(bob)
    preview = client.post(import_url(empty_log), {"file": upload(SMALL)})
    client.post(confirm_url(empty_log), {"token": token_of(preview)})

    response = client.post(confirm_url(empty_log), {"token": token_of(preview)})

    assert response.status_code == 422
    assert empty_log.papers.count() == 1


def test_preview_marks_papers_already_in_the_log(client, bob, log, paper):
    client.force_login(bob)
    data = SMALL + b"\n### [2] Scaling Laws for Neural Language Models\n\n- Loss falls.\n"

    response = client.post(import_url(log), {"file": upload(data)})

    entries = response.context["preview"]["entries"]
    assert [(entry.title, matched) for entry, matched in entries] == [
        ("Attention Is All You Need", True),
        ("Scaling Laws for Neural Language Models", False),
    ]
    assert dict(response.context["preview"]["counts"]) == {
        "papers": 1,
        "notes": 2,
        "questions": 0,
        "replies": 0,
        "change-log entries": 0,
    }


# -- Bad files -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a binary file"),
        (b"# Log\n\n### [1] Caf\xe9 paper\n", "The file is not UTF-8 text (byte 0xe9"),
        (b"\xff\xfe#\x00", "UTF-16"),
        (b"   \n\n", "The file is empty."),
        (b"# Log\n\n### [1] One\n\n### [1] Two\n", "Line 5: The paper number [1] is used twice"),
    ],
    ids=["binary", "latin-1", "utf-16", "blank", "duplicate-number"],
)
def test_a_bad_file_gets_its_message_with_422_and_writes_nothing(
    client, bob, empty_log, data, message
):
    client.force_login(bob)
    before = record_counts()

    response = client.post(import_url(empty_log), {"file": upload(data)})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert record_counts() == before
    assert "readinglog.import" not in client.session


def test_a_file_without_paper_headings_previews_as_one_paper(client, bob, empty_log):
    client.force_login(bob)

    response = client.post(
        import_url(empty_log), {"file": upload(b"# Just a title\n\nSome prose without papers.\n")}
    )

    assert response.status_code == 200
    assert dict(response.context["preview"]["counts"])["papers"] == 1
    html = response.content.decode()
    assert "Read as one paper: no paper headings found." in html
    assert "Just a title" in html
    assert not empty_log.papers.exists(), "the preview wrote nothing"


def test_an_empty_file_is_refused(client, bob, empty_log):
    client.force_login(bob)
    response = client.post(import_url(empty_log), {"file": upload(b"")})
    assert response.status_code == 422
    assert "The file is empty." in response.content.decode()


def test_no_file_is_refused(client, bob, empty_log):
    client.force_login(bob)
    response = client.post(import_url(empty_log), {})
    assert response.status_code == 422
    assert "Choose a markdown file to import." in response.content.decode()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, bob, empty_log, settings):
    settings.READINGLOG_MAX_IMPORT_BYTES = 1024
    client.force_login(bob)

    response = client.post(import_url(empty_log), {"file": upload(SMALL + b"x" * 2000)})

    assert response.status_code == 422
    assert "the limit is 1.0 KB" in response.content.decode()
    assert not empty_log.papers.exists()


# -- The confirmation cannot be forged -------------------------------------------


def test_a_changed_token_is_refused_and_writes_nothing(client, bob, empty_log):
    client.force_login(bob)
    token = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    before = record_counts()

    for forged in [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "abc:def"]:
        response = client.post(confirm_url(empty_log), {"token": forged})
        assert response.status_code == 422
        assert "could not be confirmed" in response.content.decode()
    assert record_counts() == before


def test_a_token_for_another_log_is_refused(client, bob, log, empty_log):
    client.force_login(bob)
    token = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    client.post(import_url(log), {"file": upload(SMALL)})  # a preview for `log` too
    before = record_counts()

    response = client.post(confirm_url(log), {"token": token})

    assert response.status_code == 422
    assert record_counts() == before


def test_a_token_from_an_earlier_preview_does_not_import_the_later_file(client, bob, empty_log):
    client.force_login(bob)
    old = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    client.post(import_url(empty_log), {"file": upload(SAMPLE.read_bytes())})

    response = client.post(confirm_url(empty_log), {"token": old})

    assert response.status_code == 422
    assert not empty_log.papers.exists()


def test_another_users_token_is_refused(client, alice, bob, empty_log):
    client.force_login(bob)
    token = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    client.force_login(alice)
    client.post(import_url(empty_log), {"file": upload(SMALL)})

    response = client.post(confirm_url(empty_log), {"token": token})

    assert response.status_code == 422
    assert not empty_log.papers.exists()


# -- Permissions -----------------------------------------------------------------


def test_import_requires_login(client, empty_log):
    response = client.get(import_url(empty_log))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_cannot_import(client, carol, empty_log):
    client.force_login(carol)
    assert client.get(import_url(empty_log)).status_code == 403
    response = client.post(import_url(empty_log), {"file": upload(SMALL)})
    assert response.status_code == 403
    assert not empty_log.papers.exists()


def test_an_outsider_gets_404_on_import(client, mallory, empty_log):
    client.force_login(mallory)
    assert client.get(import_url(empty_log)).status_code == 404
    assert client.post(confirm_url(empty_log), {"token": "x"}).status_code == 404


def test_the_log_page_offers_import_to_curators_only(client, bob, carol, empty_log):
    client.force_login(bob)
    assert import_url(empty_log) in client.get(empty_log.get_absolute_url()).content.decode()
    client.force_login(carol)
    html = client.get(empty_log.get_absolute_url()).content.decode()
    assert import_url(empty_log) not in html
    assert reverse("log_export_markdown", args=[empty_log.slug]) in html
    assert reverse("log_export_json", args=[empty_log.slug]) not in html


# -- HTMX ------------------------------------------------------------------------


def test_htmx_upload_returns_the_preview_partial(client, bob, empty_log, htmx):
    client.force_login(bob)
    response = client.post(import_url(empty_log), {"file": upload(SMALL)}, **htmx)
    assert_partial(response, "import-step")
    assert "Check what will be created" in response.content.decode()


def test_htmx_bad_file_returns_the_form_partial_with_422(client, bob, empty_log, htmx):
    client.force_login(bob)
    response = client.post(import_url(empty_log), {"file": upload(b"\x00\x01")}, **htmx)
    assert_partial(response, "import-step", status=422)
    assert "binary file" in response.content.decode()


def test_htmx_get_returns_the_upload_form_partial(client, bob, empty_log, htmx):
    client.force_login(bob)
    response = client.get(import_url(empty_log), **htmx)
    assert_partial(response, "import-step")
    assert 'hx-encoding="multipart/form-data"' in response.content.decode()


def test_htmx_confirm_redirects_the_browser_to_the_log(client, bob, empty_log, htmx):
    client.force_login(bob)
    preview = client.post(import_url(empty_log), {"file": upload(SMALL)}, **htmx)
    response = client.post(confirm_url(empty_log), {"token": token_of(preview)}, **htmx)
    assert response.status_code == 200
    assert response["HX-Redirect"] == empty_log.get_absolute_url()
    assert empty_log.papers.count() == 1


def test_htmx_forged_confirm_returns_the_form_partial_with_422(client, bob, empty_log, htmx):
    client.force_login(bob)
    client.post(import_url(empty_log), {"file": upload(SMALL)}, **htmx)
    response = client.post(confirm_url(empty_log), {"token": "forged"}, **htmx)
    assert_partial(response, "import-step", status=422)


# -- A new log from a file -------------------------------------------------------


def test_any_signed_in_user_can_create_a_log_from_a_file(client, mallory):
    client.force_login(mallory)
    url = reverse("log_import_new")
    assert client.get(url).status_code == 200

    preview = client.post(url, {"file": upload(SAMPLE.read_bytes())})

    assert "2024 Paper Reading Logs" in preview.content.decode()
    assert not ReadingLog.objects.exists()
    response = client.post(reverse("log_import_new_confirm"), {"token": token_of(preview)})
    log = ReadingLog.objects.get()
    assert response["Location"] == log.get_absolute_url()
    assert log.title == "2024 Paper Reading Logs"
    assert log.role_of(mallory) == Role.OWNER
    assert log.papers.count() == 9


def test_the_new_log_page_links_to_the_import(client, mallory):
    client.force_login(mallory)
    html = client.get(reverse("log_create")).content.decode()
    assert reverse("log_import_new") in html


def test_a_token_for_an_existing_log_cannot_create_a_new_log(client, bob, empty_log):
    client.force_login(bob)
    token = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    client.post(reverse("log_import_new"), {"file": upload(SMALL)})
    before = record_counts()

    response = client.post(reverse("log_import_new_confirm"), {"token": token})

    assert response.status_code == 422
    assert record_counts() == before


# -- Export ----------------------------------------------------------------------


def test_a_viewer_downloads_markdown_that_imports_back(client, dave, log, paper, carol):
    make_note(paper, by=carol)
    client.force_login(dave)

    response = client.get(reverse("log_export_markdown", args=[log.slug]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="group.md"'
    text = response.content.decode()
    assert "Attention Is All You Need" in text
    assert "Figure 1 shows the encoder." in text


def test_a_viewer_cannot_download_json(client, dave, log):
    client.force_login(dave)
    assert client.get(reverse("log_export_json", args=[log.slug])).status_code == 403


def test_a_curator_downloads_json_with_hidden_comments(client, bob, log, paper, carol):
    comment = make_comment(paper, by=carol, body="Hidden later.")
    Comment.objects.filter(pk=comment.pk).update(hidden=True)
    client.force_login(bob)

    response = client.get(reverse("log_export_json", args=[log.slug]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="group.json"'
    data = json.loads(response.content)
    assert data["format"] == "readinglog-log"
    assert [c["body"] for c in data["comments"]] == ["Hidden later."]


def test_anyone_downloads_markdown_of_a_public_log(client, log, paper):
    ReadingLog.objects.filter(pk=log.pk).update(visibility=ReadingLog.Visibility.PUBLIC)
    response = client.get(reverse("log_export_markdown", args=[log.slug]))
    assert response.status_code == 200
    assert client.get(reverse("log_export_json", args=[log.slug])).status_code == 302


def test_an_outsider_gets_404_on_export(client, mallory, log):
    client.force_login(mallory)
    assert client.get(reverse("log_export_markdown", args=[log.slug])).status_code == 404
    assert client.get(reverse("log_export_json", args=[log.slug])).status_code == 404


# -- Query counts ----------------------------------------------------------------


def _grow(log, by, papers):
    for n in range(papers):
        paper = make_paper(log, by=by, title=f"Paper {n}", url="")
        make_note(paper, by=by)
        question = make_question(paper, by=by)
        make_comment(question, by=by)


@pytest.mark.parametrize("papers", [1, 8])
def test_markdown_export_runs_a_fixed_number_of_queries(
    client, dave, log, carol, papers, django_assert_num_queries
):
    _grow(log, carol, papers)
    client.force_login(dave)
    # session, user, log, membership; notes, visible replies, questions, papers,
    # their tags, written change-log entries.
    with django_assert_num_queries(10):
        client.get(reverse("log_export_markdown", args=[log.slug]))


@pytest.mark.parametrize("papers", [1, 8])
def test_preview_runs_a_bounded_number_of_queries(client, bob, log, carol, papers):
    _grow(log, carol, papers)
    client.force_login(bob)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(import_url(log), {"file": upload(SAMPLE.read_bytes())})
    assert response.status_code == 200
    # session, user, log, membership; the dry run: savepoint, existing papers,
    # bulk inserts per kind, what matched papers have, change-log entries,
    # rollback; the log's titles for the preview; the session write.
    assert len(queries) <= 30, [q["sql"][:80] for q in queries]


def test_the_message_says_what_was_imported_in_plain_words(client, bob, empty_log):
    client.force_login(bob)
    preview = client.post(import_url(empty_log), {"file": upload(SMALL)})
    response = client.post(confirm_url(empty_log), {"token": token_of(preview)}, follow=True)
    assert "Imported 1 paper and 1 note." in response.content.decode()


def test_the_session_keeps_one_pending_import_only(client, bob, log, empty_log):
    client.force_login(bob)
    first = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    client.post(import_url(log), {"file": upload(SAMPLE.read_bytes())})

    assert client.session["readinglog.import"]["target"] == str(log.pk)
    assert client.post(confirm_url(empty_log), {"token": first}).status_code == 422
    assert not empty_log.papers.exists()


def test_showing_the_upload_form_again_drops_the_pending_import(client, bob, empty_log):
    client.force_login(bob)
    token = token_of(client.post(import_url(empty_log), {"file": upload(SMALL)}))
    client.get(import_url(empty_log))

    assert "readinglog.import" not in client.session
    assert client.post(confirm_url(empty_log), {"token": token}).status_code == 422


def test_each_warning_shows_the_start_of_its_line(client, bob, log):
    client.force_login(bob)
    with SAMPLE.open("rb") as sample:
        response = client.post(reverse("log_import", args=[log.slug]), {"file": sample})
    html = response.content.decode()
    assert "Line 35</span>" in html
    assert "ref https://zenn.dev/tmizuho/books/3d511e017bfd23/viewer/62b1c7" in html
