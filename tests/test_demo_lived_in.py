"""The demo looks lived in (issue #11, item 8): bob and carol have written notes,
comments, tags and resolved questions on the sample's papers, once only.
"""

from io import StringIO

from django.core.management import call_command

from papers.models import Comment, Note, Question, ReadingLog

SLUG = "2024-paper-reading-logs"


def counts():
    people = ["bob", "carol"]
    return (
        Note.objects.filter(author__username__in=people).count(),
        Comment.objects.filter(author__username__in=people).count(),
        Question.objects.filter(status=Question.Status.RESOLVED).count(),
    )


def test_bob_and_carol_have_been_reading_and_running_it_again_adds_nothing(db, client):
    call_command("load_demo", stdout=StringIO())
    notes, comments, resolved = counts()
    assert notes >= 3 and comments >= 3 and resolved >= 2
    log = ReadingLog.objects.get(slug=SLUG)
    tagged = {p.number: {t.name for t in p.tags.all()} for p in log.papers.all()}
    assert {"transformers", "nlp"} <= tagged[3] and "bayesian" in tagged[8]

    call_command("load_demo", stdout=StringIO())
    assert counts() == (notes, comments, resolved)

    client.login(username="dave", password="readinglog")
    html = client.get(f"/logs/{SLUG}/papers/5/").content.decode()
    assert "Resolved" in html and "0.05 is the usual starting point" in html
    assert 'chip chip-anchor">Figure 1</span>' in html
