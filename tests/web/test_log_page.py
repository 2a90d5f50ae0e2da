import pytest
from django.urls import reverse

from papers.models import Paper, ReadingLog, Tag
from tests.conftest import make_paper, make_question
from tests.web.conftest import assert_partial


def url(log="group"):
    return reverse("log_detail", args=[log])


def add_url(log="group"):
    return reverse("paper_add", args=[log])


def test_it_lists_the_papers_with_their_columns(client, carol, log, paper):
    tag = Tag.objects.create(log=log, name="transformers")
    paper.tags.add(tag)
    make_question(paper, by=carol)
    client.force_login(carol)
    response = client.get(url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Group reading log" in html
    assert "Attention Is All You Need" in html
    assert "transformers" in html
    assert 'class="badge badge-open">1<' in html


def test_it_requires_login_for_a_private_log(client, log):
    response = client.get(url())
    assert response.status_code == 404


def test_it_hides_a_private_log_from_outsiders(client, mallory, log):
    client.force_login(mallory)
    response = client.get(url())
    assert response.status_code == 404
    assert b"Group reading log" not in response.content


def test_anyone_reads_a_public_log(client, log, paper):
    ReadingLog.objects.filter(pk=log.pk).update(visibility="public")
    response = client.get(url())
    assert response.status_code == 200
    assert b"Attention Is All You Need" in response.content
    assert b'id="paper-add"' not in response.content


def test_a_viewer_sees_no_add_form(client, dave, log):
    client.force_login(dave)
    assert b'id="paper-add"' not in client.get(url()).content


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"q": "scaling"}, "Scaling Laws", "Attention Is"),
        ({"status": "read"}, "Scaling Laws", "Attention Is"),
        ({"curiosity": "high"}, "Attention Is", "Scaling Laws"),
        ({"tag": "nlp"}, "Attention Is", "Scaling Laws"),
        ({"open": "on"}, "Scaling Laws", "Attention Is"),
    ],
)
def test_it_filters_papers(client, carol, log, query, shown, hidden):
    first = make_paper(log, by=carol, curiosity="high")
    first.tags.add(Tag.objects.create(log=log, name="nlp"))
    second = make_paper(
        log, by=carol, title="Scaling Laws for Neural Language Models", status="read"
    )
    make_question(second, by=carol)
    client.force_login(carol)
    html = client.get(url(), query).content.decode()
    assert shown in html
    assert hidden not in html


def test_it_sorts_by_title(client, carol, log):
    make_paper(log, by=carol, title="Zebra")
    make_paper(log, by=carol, title="Aardvark")
    client.force_login(carol)
    html = client.get(url(), {"sort": "title"}).content.decode()
    assert html.index("Aardvark") < html.index("Zebra")


def test_column_headers_sort_and_keep_the_filters(client, carol, log, paper):
    client.force_login(carol)
    html = client.get(url(), {"status": "to_read", "page": "1"}).content.decode()
    assert 'href="?status=to_read&amp;sort=title"' in html
    assert 'href="?status=to_read&amp;sort=-number"' in html  # sorted by number: flip it
    assert 'aria-sort="ascending"' in html


def test_the_current_sort_column_is_marked(client, carol, log, paper):
    client.force_login(carol)
    html = client.get(url(), {"sort": "open"}).content.decode()
    assert html.count("aria-sort=") == 1
    assert 'aria-sort="descending"><a class="sort-link" href="?sort=open">' in html


def test_a_paper_without_open_questions_shows_a_quiet_dash(client, carol, log, paper):
    client.force_login(carol)
    html = client.get(url()).content.decode()
    assert "badge-zero" not in html
    assert '<span class="visually-hidden">No open questions</span>' in html
    assert ">just now</time>" in html


def test_an_empty_log_offers_curators_the_import(client, bob, carol, dave, log):
    import_url = reverse("log_import", args=[log.slug])
    client.force_login(bob)
    html = client.get(url()).content.decode()
    assert "No papers yet." in html and import_url in html
    client.force_login(carol)
    html = client.get(url()).content.decode()
    assert "Add the first one above." in html and import_url not in html
    client.force_login(dave)
    assert "as soon as a member adds one" in client.get(url()).content.decode()


def test_no_match_says_so_and_offers_to_clear(client, carol, log, paper):
    client.force_login(carol)
    html = client.get(url(), {"q": "nothing like this"}).content.decode()
    assert "No papers match these filters." in html
    assert "No papers yet." not in html


def test_search_as_you_type_returns_the_list_partial(client, carol, log, paper, htmx):
    client.force_login(carol)
    response = client.get(url(), {"q": "attention"}, **htmx)
    assert_partial(response, "paper-list")
    assert b"Attention Is All You Need" in response.content


def test_it_pages_fifty_papers_at_a_time(client, carol, log):
    Paper.objects.bulk_create(
        [Paper(log=log, number=n, title=f"Paper {n:03}") for n in range(1, 53)]
    )
    client.force_login(carol)
    first = client.get(url()).content.decode()
    second = client.get(url(), {"page": 2}).content.decode()
    assert "Paper 050" in first and "Paper 051" not in first
    assert "Paper 051" in second and "Page 2 of 2" in second


@pytest.mark.parametrize("size", [3, 30])
def test_log_page_runs_a_fixed_number_of_queries(
    client, carol, log, size, django_assert_num_queries
):
    tags = [Tag.objects.create(log=log, name=f"tag{n}") for n in range(3)]
    for n in range(size):
        paper = make_paper(log, by=carol, title=f"Paper {n}")
        paper.tags.add(*tags)
        make_question(paper, by=carol)
    client.force_login(carol)
    # session, user, log, membership, last visit (update), paper count, the page
    # of papers with open-question counts, their tags (prefetch), the log's tag names,
    # the log's open questions (the log nav's badge), the member's digest ("Watching").
    with django_assert_num_queries(11):
        response = client.get(url(), {"sort": "open"})
    assert response.status_code == 200


def test_a_member_adds_a_paper_with_the_next_number_and_its_arxiv_id(client, carol, log, paper):
    client.force_login(carol)
    response = client.post(
        add_url(), {"title": "Scaling Laws", "url": "https://arxiv.org/pdf/2001.08361v2"}
    )
    added = Paper.objects.get(title="Scaling Laws")
    assert response.status_code == 302
    assert response.url == added.get_absolute_url()
    assert (added.number, added.arxiv_id, added.added_by) == (2, "2001.08361v2", carol)


def test_adding_a_paper_with_a_doi_link_fills_the_doi(client, carol, log):
    client.force_login(carol)
    client.post(add_url(), {"title": "X", "url": "https://doi.org/10.1145/3290605.3300233"})
    assert Paper.objects.get(title="X").doi == "10.1145/3290605.3300233"


def test_adding_a_paper_with_htmx_returns_the_form_and_the_new_row(client, carol, log, htmx):
    client.force_login(carol)
    response = client.post(add_url(), {"title": "Scaling Laws", "url": ""}, **htmx)
    assert_partial(response, "paper-add")
    html = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#paper-rows"' in html
    assert "Scaling Laws" in html


def test_adding_a_paper_without_a_title_rerenders_with_errors(client, carol, log, htmx):
    client.force_login(carol)
    response = client.post(add_url(), {"title": " ", "url": "https://example.org/p"}, **htmx)
    assert_partial(response, "paper-add", status=422)
    assert b"https://example.org/p" in response.content
    assert not Paper.objects.exists()


def test_adding_a_paper_without_htmx_and_bad_input_shows_the_page(client, carol, log):
    client.force_login(carol)
    response = client.post(add_url(), {"title": "", "url": "not a url"})
    assert response.status_code == 422
    assert b"<html" in response.content
    assert b"errorlist" in response.content


def test_adding_a_paper_requires_login(client, log):
    response = client.post(add_url(), {"title": "X"})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_a_viewer_cannot_add_a_paper(client, dave, log):
    client.force_login(dave)
    assert client.post(add_url(), {"title": "X"}).status_code == 403
    assert not Paper.objects.exists()


def test_an_outsider_cannot_add_a_paper(client, mallory, log):
    client.force_login(mallory)
    assert client.post(add_url(), {"title": "X"}).status_code == 404


def test_markdown_preview_renders_sanitized_html(client, carol, log):
    client.force_login(carol)
    response = client.post(
        reverse("markdown_preview", args=["group"]), {"body": "**hi** <script>x</script>"}
    )
    assert response.status_code == 200
    assert response.content.decode() == "<p><strong>hi</strong> </p>"


def test_markdown_preview_is_for_members(client, dave, mallory, log):
    preview = reverse("markdown_preview", args=["group"])
    client.force_login(dave)
    assert client.post(preview, {"body": "x"}).status_code == 403
    client.force_login(mallory)
    assert client.post(preview, {"body": "x"}).status_code == 404


def test_search_finds_words_in_notes_and_questions_too(client, carol, log):
    from tests.conftest import make_note

    noted = make_paper(log, by=carol, title="Towards Responsible Generative AI")
    asked = make_paper(log, by=carol, title="Attention Is All You Need")
    make_paper(log, by=carol, title="Scaling Laws")
    make_note(noted, by=carol, body="Interesting that there's sycophancy in LLMs.")
    make_question(asked, by=carol, body="Why divide by sqrt(d_k)?")
    client.force_login(carol)

    def found(query):
        html = client.get(reverse("log_detail", args=[log.slug]), {"q": query}).content.decode()
        return [title for title in ("Towards", "Attention Is", "Scaling") if title in html]

    assert found("sycophancy") == ["Towards"]
    assert found("sqrt") == ["Attention Is"]
    assert found("sycophancy attention") == []


@pytest.mark.parametrize(
    ("pasted", "url", "arxiv_id", "doi"),
    [
        ("2407.12687", "https://arxiv.org/abs/2407.12687", "2407.12687", ""),
        ("arXiv:2407.12687v2", "https://arxiv.org/abs/2407.12687v2", "2407.12687v2", ""),
        ("https://arxiv.org/pdf/2001.08361", "https://arxiv.org/pdf/2001.08361", "2001.08361", ""),
        ("10.1145/3290605.3300233", "https://doi.org/10.1145/3290605.3300233", "",
         "10.1145/3290605.3300233"),
        ("https://example.org/paper", "https://example.org/paper", "", ""),
    ],
)  # fmt: skip
def test_a_paper_is_added_from_a_pasted_link_id_or_doi(
    client, carol, log, pasted, url, arxiv_id, doi
):
    client.force_login(carol)
    client.post(reverse("paper_add", args=[log.slug]), {"title": "A paper", "url": pasted})
    paper = log.papers.get()
    assert (paper.url, paper.arxiv_id, paper.doi) == (url, arxiv_id, doi)


def test_something_that_is_no_link_is_refused_and_kept(client, carol, log):
    client.force_login(carol)
    response = client.post(
        reverse("paper_add", args=[log.slug]), {"title": "A paper", "url": "see the appendix"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Paste a link (https://…), an arXiv id like 2407.12687" in html
    assert 'value="see the appendix"' in html
    assert not log.papers.exists()
