"""Members page: roles, removal, invitations; accepting an invitation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from papers.models import Invitation, Membership, ReadingLog, Role, User
from tests.conftest import PASSWORD, at_once, make_log, make_user
from tests.web.conftest import assert_partial


def members_url(log):
    return reverse("log_members", args=[log.slug])


def membership(log, user):
    return Membership.objects.get(log=log, user=user)


# -- The list ------------------------------------------------------------------


def test_every_member_sees_the_member_list(client, log, dave):
    client.force_login(dave)
    response = client.get(members_url(log))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("alice", "bob", "carol", "dave"):
        assert name in html
    assert "Invitations" not in html  # owners only
    assert reverse("member_role", args=[log.slug, membership(log, dave).pk]) not in html


def test_owners_see_role_forms_and_invitations(client, log, alice):
    client.force_login(alice)
    html = client.get(members_url(log)).content.decode()
    assert "Invitations" in html
    assert reverse("invitation_create", args=[log.slug]) in html


def test_members_page_requires_login(client, log):
    response = client.get(members_url(log))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_members_page_is_404_for_outsiders_and_403_on_a_public_log(client, log, mallory):
    client.force_login(mallory)
    assert client.get(members_url(log)).status_code == 404
    log.visibility = ReadingLog.Visibility.PUBLIC
    log.save()
    assert client.get(members_url(log)).status_code == 403


def test_members_page_with_htmx_returns_the_list(client, log, carol, htmx):
    client.force_login(carol)
    assert_partial(client.get(members_url(log), **htmx), "members")


@pytest.mark.parametrize("extra", [0, 20])
def test_members_page_runs_a_fixed_number_of_queries(
    client, log, alice, django_assert_num_queries, extra
):
    for n in range(extra):
        Invitation.objects.create(log=log, created_by=alice, max_uses=2).accept(
            make_user(f"user{n}")
        )
    client.force_login(alice)
    # 1 session, 2 user, 3 log, 4 alice's role, 5 memberships with users, 6 usable invitations,
    # 7 the uses of the log's invitations with who used them and the invitation,
    # 8 the log's open questions (the log nav's badge).
    with django_assert_num_queries(8):
        assert client.get(members_url(log)).status_code == 200


# -- Roles ---------------------------------------------------------------------


def role_url(log, user):
    return reverse("member_role", args=[log.slug, membership(log, user).pk])


def role_data(log, user, role):
    return {f"m{membership(log, user).pk}-role": role}


def test_owner_changes_a_role(client, log, alice, dave):
    client.force_login(alice)
    response = client.post(role_url(log, dave), role_data(log, dave, "curator"))
    assert response["Location"] == members_url(log)
    assert membership(log, dave).role == Role.CURATOR


def test_role_change_with_htmx_returns_the_list_and_announces(client, log, alice, dave, htmx):
    client.force_login(alice)
    response = client.post(role_url(log, dave), role_data(log, dave, "member"), **htmx)
    assert_partial(response, "members")
    assert "announce" in response["HX-Trigger"]
    assert membership(log, dave).role == Role.MEMBER


def test_only_owners_change_roles(client, log, bob, dave, mallory):
    client.force_login(bob)
    assert client.post(role_url(log, dave), role_data(log, dave, "owner")).status_code == 403
    client.force_login(mallory)
    assert client.post(role_url(log, dave), role_data(log, dave, "owner")).status_code == 404
    assert membership(log, dave).role == Role.VIEWER


def test_the_last_owner_cannot_step_down(client, log, alice, htmx):
    client.force_login(alice)
    response = client.post(role_url(log, alice), role_data(log, alice, "member"))
    assert response.status_code == 422
    assert "at least one owner" in response.content.decode()
    assert membership(log, alice).role == Role.OWNER
    htmx_response = client.post(role_url(log, alice), role_data(log, alice, "member"), **htmx)
    assert_partial(htmx_response, "members", status=422)


def test_an_owner_can_step_down_when_another_owner_remains(client, log, alice, bob):
    Membership.objects.filter(log=log, user=bob).update(role=Role.OWNER)
    client.force_login(alice)
    response = client.post(role_url(log, alice), role_data(log, alice, "curator"))
    assert response["Location"] == members_url(log)
    assert membership(log, alice).role == Role.CURATOR


def test_an_unknown_role_is_422(client, log, alice, dave):
    client.force_login(alice)
    response = client.post(role_url(log, dave), role_data(log, dave, "emperor"))
    assert response.status_code == 422
    assert membership(log, dave).role == Role.VIEWER


def test_a_membership_of_another_log_is_404(client, log, alice, mallory):
    other = make_log(mallory, slug="other")
    client.force_login(alice)
    pk = membership(other, mallory).pk
    url = reverse("member_role", args=[log.slug, pk])
    assert client.post(url, {f"m{pk}-role": "viewer"}).status_code == 404


# -- Removing --------------------------------------------------------------------


def remove_url(log, user):
    return reverse("member_remove", args=[log.slug, membership(log, user).pk])


def test_owner_removes_a_member(client, log, alice, carol, htmx):
    client.force_login(alice)
    response = client.post(remove_url(log, carol), **htmx)
    assert_partial(response, "members")
    assert "carol" not in response.content.decode()
    assert not Membership.objects.filter(log=log, user=carol).exists()


def test_remove_without_htmx_redirects(client, log, alice, dave):
    client.force_login(alice)
    assert client.post(remove_url(log, dave))["Location"] == members_url(log)


def test_the_last_owner_cannot_be_removed(client, log, alice):
    client.force_login(alice)
    response = client.post(remove_url(log, alice))
    assert response.status_code == 422
    assert "last owner" in response.content.decode()
    assert membership(log, alice).role == Role.OWNER


def test_only_owners_remove(client, log, bob, carol):
    client.force_login(bob)
    assert client.post(remove_url(log, carol)).status_code == 403
    assert Membership.objects.filter(log=log, user=carol).exists()


def test_remove_needs_post(client, log, alice, carol):
    client.force_login(alice)
    assert client.get(remove_url(log, carol)).status_code == 405


def test_removing_a_member_revokes_the_invitations_they_used(client, log, alice, mallory, htmx):
    used = Invitation.objects.create(log=log, max_uses=5)
    other = Invitation.objects.create(log=log, max_uses=5)
    elsewhere = Invitation.objects.create(log=make_log(alice, slug="other"), max_uses=5)
    used.accept(mallory)
    elsewhere.accept(mallory)
    client.force_login(alice)

    response = client.post(remove_url(log, mallory), **htmx)

    assert_partial(response, "members")
    html = response.content.decode()
    assert '<section id="invitations"' in html and 'hx-swap-oob="true"' in html
    assert used.token not in html and other.token in html
    assert "Revoked the invitation they used." in response["HX-Trigger"]
    for invitation in (used, other, elsewhere):
        invitation.refresh_from_db()
    assert used.revoked_at is not None
    assert other.is_usable and elsewhere.is_usable
    assert "link revoked" in client.get(members_url(log)).content.decode()


def test_a_removed_member_cannot_rejoin_with_the_invitation_they_used(client, log, alice, mallory):
    invitation = Invitation.objects.create(log=log, max_uses=5)
    client.force_login(mallory)
    join(client, invitation)
    client.force_login(alice)
    removed = client.post(remove_url(log, mallory))
    assert removed["Location"] == members_url(log)

    client.force_login(mallory)
    for response in (client.get(accept_url(invitation)), join(client, invitation)):
        assert response.status_code == 410
        assert "An owner of the log revoked it." in response.content.decode()
    assert log.role_of(mallory) is None
    client.logout()
    assert client.get(signup_url(invitation)).status_code == 410


def test_removing_a_member_who_used_no_invitation_leaves_the_invitations_alone(
    client, log, alice, carol, htmx
):
    invitation = Invitation.objects.create(log=log)
    client.force_login(alice)
    response = client.post(remove_url(log, carol), **htmx)
    assert "hx-swap-oob" not in response.content.decode()
    assert "Revoked" not in response["HX-Trigger"]
    invitation.refresh_from_db()
    assert invitation.is_usable


# -- Invitations -----------------------------------------------------------------


def test_owner_makes_an_invitation_with_role_expiry_and_uses(client, log, alice):
    client.force_login(alice)
    response = client.post(
        reverse("invitation_create", args=[log.slug]),
        {"role": "viewer", "days": "3", "max_uses": "5"},
    )
    invitation = Invitation.objects.get(log=log)
    assert response["Location"] == members_url(log) + f"#invitation-{invitation.pk}"
    assert invitation.role == Role.VIEWER
    assert invitation.created_by == alice
    assert (invitation.max_uses, invitation.times_used) == (5, 0)
    expected = timezone.now() + timedelta(days=3)
    assert abs((invitation.expires_at - expected).total_seconds()) < 60
    html = client.get(members_url(log)).content.decode()
    assert f"http://testserver/invitations/{invitation.token}/" in html
    assert "0 of 5 used" in html


def test_an_invitation_is_single_use_unless_the_owner_says_otherwise(client, log, alice):
    client.force_login(alice)
    client.post(reverse("invitation_create", args=[log.slug]), {"role": "member", "days": "14"})
    assert Invitation.objects.get(log=log).max_uses == 1
    assert "0 of 1 used" in client.get(members_url(log)).content.decode()


def test_making_an_invitation_with_htmx_shows_the_link_focused(client, log, alice, htmx):
    client.force_login(alice)
    response = client.post(
        reverse("invitation_create", args=[log.slug]), {"role": "member", "days": "14"}, **htmx
    )
    assert_partial(response, "invitations")
    html = response.content.decode()
    token = Invitation.objects.get(log=log).token
    assert token in html
    assert "data-focus" in html


def test_an_invalid_invitation_is_422_and_made_not(client, log, alice, htmx):
    client.force_login(alice)
    url = reverse("invitation_create", args=[log.slug])
    response = client.post(url, {"role": "member", "days": "0"})
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert_partial(client.post(url, {"role": "x", "days": "5"}, **htmx), "invitations", 422)
    for uses in ("0", str(Invitation.MAX_USES + 1), "many"):
        response = client.post(url, {"role": "member", "days": "5", "max_uses": uses})
        assert response.status_code == 422
    assert not Invitation.objects.exists()


def test_only_owners_make_invitations(client, log, bob, mallory):
    url = reverse("invitation_create", args=[log.slug])
    client.force_login(bob)
    assert client.post(url, {"role": "owner", "days": "5"}).status_code == 403
    client.force_login(mallory)
    assert client.post(url, {"role": "owner", "days": "5"}).status_code == 404
    assert not Invitation.objects.exists()


def test_owner_revokes_an_invitation(client, log, alice, htmx):
    invitation = Invitation.objects.create(log=log, created_by=alice)
    client.force_login(alice)
    url = reverse("invitation_revoke", args=[log.slug, invitation.pk])
    response = client.post(url, **htmx)
    assert_partial(response, "invitations")
    assert invitation.token not in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_revoke_is_for_owners_of_that_log(client, log, alice, bob, mallory):
    other = make_log(mallory, slug="other")
    theirs = Invitation.objects.create(log=other)
    ours = Invitation.objects.create(log=log)
    client.force_login(bob)
    assert client.post(reverse("invitation_revoke", args=[log.slug, ours.pk])).status_code == 403
    client.force_login(alice)
    assert client.post(reverse("invitation_revoke", args=[log.slug, theirs.pk])).status_code == 404
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 2


# -- Accepting -------------------------------------------------------------------


def accept_url(invitation):
    return reverse("invitation_accept", args=[invitation.token])


def join(client, invitation):
    return client.post(accept_url(invitation))


def test_a_logged_out_visitor_sees_the_log_and_the_role_and_how_to_join(client, log):
    invitation = Invitation.objects.create(log=log, role=Role.CURATOR)
    response = client.get(accept_url(invitation))
    assert response.status_code == 200
    html = response.content.decode()
    assert log.title in html
    assert "<strong>curator</strong>" in html
    assert f'href="{reverse("login")}?next={accept_url(invitation)}"' in html
    assert f'href="{signup_url(invitation)}"' in html
    assert "Join the log</button>" not in html  # no form that could join without an account
    invitation.refresh_from_db()
    assert invitation.times_used == 0


def test_a_logged_out_post_is_sent_to_log_in_and_joins_nobody(client, log):
    invitation = Invitation.objects.create(log=log)
    response = join(client, invitation)
    assert response["Location"] == f"{reverse('login')}?next={accept_url(invitation)}"
    invitation.refresh_from_db()
    assert invitation.times_used == 0


def test_a_logged_out_visitor_logs_in_from_the_invitation_and_joins(client, log, mallory):
    invitation = Invitation.objects.create(log=log, role=Role.MEMBER)
    client.get(accept_url(invitation))
    login = client.post(
        f"{reverse('login')}?next={accept_url(invitation)}",
        {"username": "mallory", "password": PASSWORD, "next": accept_url(invitation)},
    )
    assert login["Location"] == accept_url(invitation)
    page = client.get(login["Location"])
    assert "Join the log</button>" in page.content.decode()
    assert join(client, invitation)["Location"] == log.get_absolute_url()
    assert log.role_of(mallory) == Role.MEMBER


def test_an_invitation_shows_the_log_and_joins_on_post(client, log, mallory):
    invitation = Invitation.objects.create(log=log, role=Role.CURATOR)
    client.force_login(mallory)
    page = client.get(accept_url(invitation))
    assert page.status_code == 200
    assert log.title in page.content.decode()
    assert log.role_of(mallory) is None  # opening the link alone does not join
    response = client.post(accept_url(invitation))
    assert response["Location"] == log.get_absolute_url()
    assert log.role_of(mallory) == Role.CURATOR
    invitation.refresh_from_db()
    assert invitation.times_used == 1
    use = invitation.uses.get()
    assert use.user == mallory
    assert abs((use.used_at - timezone.now()).total_seconds()) < 60


def test_a_single_use_invitation_lets_one_person_in_and_then_is_410(client, log, mallory):
    invitation = Invitation.objects.create(log=log, role=Role.MEMBER)
    client.force_login(mallory)
    join(client, invitation)
    client = Client()
    client.force_login(make_user("erin"))
    for response in (client.get(accept_url(invitation)), join(client, invitation)):
        assert response.status_code == 410
        html = response.content.decode()
        assert "no longer works" in html
        assert "for one person" in html
        assert log.title not in html
    assert log.memberships.filter(user__username="erin").count() == 0
    invitation.refresh_from_db()
    assert invitation.times_used == 1


def test_a_link_for_n_uses_counts_them_lists_them_and_refuses_one_more(client, log, alice):
    invitation = Invitation.objects.create(log=log, role=Role.VIEWER, max_uses=3)
    people = [make_user(name) for name in ("erin", "frank", "grace", "heidi")]
    for person in people[:2]:
        client.force_login(person)
        assert join(client, invitation)["Location"] == log.get_absolute_url()
    client.force_login(alice)
    html = client.get(members_url(log)).content.decode()
    assert "2 of 3 used" in html
    for use in invitation.uses.all():
        assert f'id="invitation-use-{use.pk}"' in html
        assert f"{use.used_at:%-d %b %Y, %H:%M}" in html
    uses = html.split("Who used an invitation")[1]
    assert uses.index("frank") < uses.index("erin")  # newest first

    client.force_login(people[2])
    assert join(client, invitation)["Location"] == log.get_absolute_url()
    client.force_login(people[3])
    refused = join(client, invitation)
    assert refused.status_code == 410
    assert "All 3 uses it allowed have been taken." in refused.content.decode()
    assert log.role_of(people[3]) is None

    client.force_login(alice)
    html = client.get(members_url(log)).content.decode()
    assert invitation.token not in html  # used up: no longer an open link
    assert "No open invitations." in html
    assert [u.user.username for u in invitation.uses.order_by("used_at", "pk")] == [
        "erin", "frank", "grace"
    ]  # fmt: skip
    for name in ("erin", "frank", "grace"):
        assert f"<strong>{name}</strong>" in html.split("Who used an invitation")[1]


def test_joining_twice_uses_the_invitation_once(client, log, mallory):
    invitation = Invitation.objects.create(log=log, max_uses=2)
    client.force_login(mallory)
    join(client, invitation)
    assert join(client, invitation)["Location"] == log.get_absolute_url()
    invitation.refresh_from_db()
    assert invitation.times_used == 1


def test_a_member_opening_an_invitation_goes_to_the_log(client, log, bob):
    invitation = Invitation.objects.create(log=log, role=Role.MEMBER)
    client.force_login(bob)
    assert client.get(accept_url(invitation))["Location"] == log.get_absolute_url()


def test_an_invitation_to_a_higher_role_can_upgrade_a_member(client, log, dave):
    invitation = Invitation.objects.create(log=log, role=Role.MEMBER)
    client.force_login(dave)
    assert client.get(accept_url(invitation)).status_code == 200
    client.post(accept_url(invitation))
    assert log.role_of(dave) == Role.MEMBER


@pytest.mark.parametrize("state", ["expired", "revoked", "used up"])
@pytest.mark.parametrize("signed_in", [True, False])
def test_an_unusable_invitation_is_410_without_the_log_title(
    client, log, mallory, state, signed_in
):
    invitation = Invitation.objects.create(log=log, max_uses=2)
    if state == "expired":
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
        invitation.save()
    elif state == "revoked":
        invitation.revoke()
    else:
        Invitation.objects.filter(pk=invitation.pk).update(times_used=2)
    if signed_in:
        client.force_login(mallory)
    responses = [client.get(accept_url(invitation)), client.get(signup_url(invitation))]
    if signed_in:
        responses.append(client.post(accept_url(invitation)))
    for response in responses:
        assert response.status_code == 410
        html = response.content.decode()
        assert "no longer works" in html
        assert log.title not in html
    assert log.role_of(mallory) is None


def test_an_unknown_invitation_is_404(client, mallory):
    client.force_login(mallory)
    assert client.get(reverse("invitation_accept", args=["nope"])).status_code == 404


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one writer at a time, so there is no race",
)
@pytest.mark.django_db(transaction=True)
def test_of_people_taking_the_last_use_at_once_only_one_joins(log):
    """Each request runs in its own thread, client and connection, released together."""
    invitation = Invitation.objects.create(log=log, max_uses=2)
    invitation.accept(make_user("erin"))  # one use left
    readers = [make_user(f"reader{n}") for n in range(10)]
    calls = []
    for reader in readers:
        reader_client = Client()
        reader_client.force_login(reader)
        calls.append(lambda c=reader_client: join(c, invitation).status_code)
    for name in ("newcomer1", "newcomer2"):
        data = {"username": name, "password1": "a long pass phrase 42",
                "password2": "a long pass phrase 42"}  # fmt: skip
        calls.append(lambda d=data: Client().post(signup_url(invitation), d).status_code)
    statuses = at_once(*calls)

    assert sorted(statuses) == [302] + [410] * (len(calls) - 1)
    invitation.refresh_from_db()
    assert invitation.times_used == 2
    assert invitation.uses.count() == 2
    joined = log.memberships.filter(user__username__startswith="reader").count()
    joined += User.objects.filter(username__startswith="newcomer").count()
    assert joined == 1


# -- Signing up with an invitation ----------------------------------------------


def signup_url(invitation):
    return reverse("invitation_signup", args=[invitation.token])


def test_the_login_page_offers_signup_to_people_with_an_invitation(client, log):
    invitation = Invitation.objects.create(log=log)
    page = client.get(f"{reverse('login')}?next={accept_url(invitation)}")
    assert signup_url(invitation) in page.content.decode()
    assert signup_url(invitation) not in client.get(reverse("login")).content.decode()


def test_a_newcomer_creates_an_account_and_joins_in_one_step(client, log):
    invitation = Invitation.objects.create(log=log, role=Role.MEMBER)
    page = client.get(signup_url(invitation))
    assert page.status_code == 200 and log.title in page.content.decode()
    response = client.post(
        signup_url(invitation),
        {"username": "erin", "email": "erin@example.org",
         "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"},
    )  # fmt: skip
    assert response["Location"] == log.get_absolute_url()
    erin = User.objects.get(username="erin")
    assert log.role_of(erin) == Role.MEMBER
    assert client.get(log.get_absolute_url()).status_code == 200  # signed in
    assert invitation.uses.get().user == erin


def test_a_logged_out_visitor_signs_up_from_the_invitation_page_and_joins(client, log):
    invitation = Invitation.objects.create(log=log, role=Role.VIEWER)
    page = client.get(accept_url(invitation)).content.decode()
    assert f'href="{signup_url(invitation)}"' in page
    signup = client.get(signup_url(invitation))
    assert "<strong>viewer</strong>" in signup.content.decode()
    response = client.post(
        signup_url(invitation),
        {"username": "erin", "email": "erin@example.org",
         "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"},
    )  # fmt: skip
    assert response["Location"] == log.get_absolute_url()
    assert log.role_of(User.objects.get(username="erin")) == Role.VIEWER


def test_a_bad_signup_is_422_with_errors_and_creates_nobody(client, log, carol):
    invitation = Invitation.objects.create(log=log)
    users = User.objects.count()
    response = client.post(
        signup_url(invitation),
        {"username": "carol", "password1": "short", "password2": "different"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "A user with that username already exists." in html
    assert 'value="carol"' in html
    assert User.objects.count() == users


def test_signup_with_an_unusable_invitation_is_410(client, log):
    invitation = Invitation.objects.create(log=log)
    invitation.revoke()
    response = client.post(
        signup_url(invitation),
        {"username": "erin", "password1": "a long pass phrase 42",
         "password2": "a long pass phrase 42"},
    )  # fmt: skip
    assert response.status_code == 410
    assert log.title not in response.content.decode()
    assert not User.objects.filter(username="erin").exists()


def test_a_signed_in_visitor_is_sent_to_the_usual_invitation_page(client, log, mallory):
    invitation = Invitation.objects.create(log=log)
    client.force_login(mallory)
    assert client.get(signup_url(invitation))["Location"] == accept_url(invitation)
