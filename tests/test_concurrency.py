"""Several people adding papers to one log at the same moment (PostgreSQL).

Without the row lock in actions.paper_add, two adds read the same highest
number and one fails on the unique (log, number) constraint.
"""

import threading

import pytest
from django.db import connection, connections

from papers import actions
from papers.models import Paper, ReadingLog, User
from tests.conftest import make_log, make_user

THREADS, ADDS = 6, 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    owner = make_user("alice")
    log = make_log(owner)
    start, errors = threading.Barrier(THREADS), []

    def add_papers(n):
        try:
            me = User.objects.get(pk=owner.pk)
            here = ReadingLog.objects.get(pk=log.pk)
            start.wait()
            for i in range(ADDS):
                actions.paper_add(here, by=me, title=f"Paper {n}-{i}")
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add_papers, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Paper.objects.filter(log=log).values_list("number", flat=True))
    assert numbers == list(range(1, THREADS * ADDS + 1))
