"""Email: every message the app sends to a member is built here (issue #10).

A message has a plain-text and an HTML part rendered from
templates/emails/<name>.txt and .html, links made absolute with SITE_URL, and
a one-click unsubscribe link (signed, so it works without logging in) that is
also its List-Unsubscribe header (RFC 8058). What the link turns off is named
by a scope: "kind:<notification kind>" (that kind goes back to the site
only), "digest:<log pk>" (that log's digest) or "all" (every email).
"""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

UNSUBSCRIBE_SALT = "readinglog.mail.unsubscribe"


def absolute(url):
    """Return url (a path like /logs/x/) as a link that works from a mail client."""
    return settings.SITE_URL + url if url.startswith("/") else url


def unsubscribe_token(user, scope):
    return signing.dumps([user.pk, scope], salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    """Return (user pk, scope) from a token; raise signing.BadSignature if it is not ours."""
    try:
        user_pk, scope = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (ValueError, TypeError) as exc:
        raise signing.BadSignature("malformed unsubscribe token") from exc
    if not isinstance(user_pk, int) or not isinstance(scope, str):
        raise signing.BadSignature("malformed unsubscribe token")
    return user_pk, scope


def unsubscribe_url(user, scope):
    return absolute(reverse("unsubscribe", args=[unsubscribe_token(user, scope)]))


def message(user, *, subject, template, context, scope):
    """Build (not send) an email to user from templates/emails/<template>.txt and .html.

    The templates get `context`, `user`, `site_url` and `unsubscribe_url`.
    """
    unsubscribe = unsubscribe_url(user, scope)
    context = {
        **context,
        "user": user,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return email


def describe_scope(scope):
    """Say in words what an unsubscribe scope turns off; None for a scope we never made."""
    from papers.models import Notification, ReadingLog

    what, _, arg = scope.partition(":")
    if scope == "all":
        return "every email from Readinglog"
    if what == "kind" and arg in Notification.Kind.values:
        return f"emails when someone {Notification.Kind(arg).label}"
    if what == "digest" and arg.isdigit():
        log = ReadingLog.objects.filter(pk=int(arg)).first()
        return f"the digest of “{log.title}”" if log else "a log's digest"
    return None


def unsubscribe(user, scope):
    """Turn off the email scope names for user; it never touches what is shown on the site."""
    from papers.models import Membership, Notification

    what, _, arg = scope.partition(":")
    if scope == "all" or what == "kind":
        kinds = Notification.Kind.values if scope == "all" else [arg]
        delivery = dict(user.notification_delivery)
        for kind in kinds:
            if Notification.delivery_for(user, kind) == Notification.Delivery.EMAIL:
                delivery[kind] = Notification.Delivery.SITE
        user.notification_delivery = delivery
        user.save(update_fields=["notification_delivery"])
    digests = Membership.objects.filter(user=user)
    if what == "digest":
        digests = digests.filter(log_id=int(arg))
    if scope == "all" or what == "digest":
        digests.update(digest=Membership.Digest.OFF)
