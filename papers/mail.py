"""Email: every message the app sends to a member is built here (issue #10).

A message has a plain-text and an HTML part rendered from
templates/emails/<name>.txt and .html, links made absolute with SITE_URL, and
a one-click unsubscribe link (signed, so it works without logging in) that is
also its List-Unsubscribe header (RFC 8058). What the link turns off is named
by a scope: "kind:<notification kind>" (that kind goes back to the site
only), "digest:<log pk>" (that log's digest) or "all" (every email).

Notifications a member gets by email go out in batches
(`send_notification_batches`): at most one email per EMAIL_BATCH per person,
holding every pending one. A request that made some sends the due batches of
their recipients after its response has gone (`SendAfterResponseMiddleware`);
`manage.py send_notification_emails` sends the rest.
"""

import contextvars
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "readinglog.mail.unsubscribe"
# At most one notification email per person in this time; what comes in
# between waits for the next batch.
EMAIL_BATCH = timedelta(minutes=10)


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


# -- Notification emails, batched ----------------------------------------------


def send_notification_batches(now=None, user_ids=None):
    """Send each person with pending notifications one email holding them all, if due.

    Due means their last notification email went EMAIL_BATCH or longer ago
    (or never). user_ids limits it to those people. Return how many emails
    went. A failure to send is logged and leaves that person's notifications
    pending for the next try; it never raises.
    """
    from papers.models import Notification

    now = now or timezone.now()
    due = Notification.objects.filter(email=Notification.Email.PENDING).filter(
        Q(recipient__last_emailed_at__isnull=True)
        | Q(recipient__last_emailed_at__lte=now - EMAIL_BATCH)
    )
    if user_ids is not None:
        due = due.filter(recipient_id__in=user_ids)
    sent = 0
    for user_pk in due.order_by("recipient_id").values_list("recipient_id", flat=True).distinct():
        try:
            sent += _send_batch(user_pk, now)
        except Exception:
            logger.exception("Notification email to user %s failed; kept for the next try", user_pk)
    return sent


def _send_batch(user_pk, now):
    """Email one person their pending notifications; return 1 if an email went, else 0.

    The user row stays locked from the check of their last email to the
    record of this one, so two processes never send the same batch: the
    second waits, then finds the batch sent and the window closed. If sending
    raises, the transaction rolls back and the batch stays pending.
    """
    from papers.models import Notification, User

    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_pk).first()
        if user is None or (user.last_emailed_at and user.last_emailed_at > now - EMAIL_BATCH):
            return 0
        pending = Notification.objects.filter(recipient=user, email=Notification.Email.PENDING)
        readable = set(pending.readable_by(user).values_list("pk", flat=True))
        batch, dropped = [], []
        for notification in pending.select_related("actor", "paper", "log").order_by(
            "created_at", "pk"
        ):
            worth_it = notification.pk in readable and _still_wanted(user, notification)
            (batch if worth_it else dropped).append(notification)
        if dropped:
            Notification.objects.filter(pk__in=[n.pk for n in dropped]).update(
                email=Notification.Email.NONE
            )
        if not batch:
            return 0
        notification_email(user, batch).send()
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
            email=Notification.Email.SENT
        )
        User.objects.filter(pk=user.pk).update(last_emailed_at=now)
    return 1


def _still_wanted(user, notification):
    """Say whether a pending notification still deserves an email.

    Not when it was read on the site meanwhile, when the user has since
    taken its kind off email, or when they have no address (or account) to
    send it to; those are dropped rather than left to pile up.
    """
    from papers.models import Notification

    return (
        notification.read_at is None
        and Notification.delivery_for(user, notification.kind) == Notification.Delivery.EMAIL
        and bool(user.email)
        and user.is_active
    )


def notification_email(user, notifications):
    """Build the email of a batch of notifications, oldest first."""
    kinds = {notification.kind for notification in notifications}
    count = len(notifications)
    items = [
        {
            "notification": notification,
            "link": absolute(reverse("notification_open", args=[notification.pk])),
        }
        for notification in notifications
    ]
    scope = f"kind:{kinds.pop()}" if len(kinds) == 1 else "all"
    return message(
        user,
        subject=f"{count} new notification{'' if count == 1 else 's'} on Readinglog",
        template="notifications",
        context={
            "items": items,
            "count": count,
            "stop": describe_scope(scope),
            "account_url": absolute(reverse("account_settings")),
        },
        scope=scope,
    )


# Recipients of notifications pending email that the current request made;
# None outside a request (commands send through send_notification_batches).
_recipients = contextvars.ContextVar("readinglog_mail_recipients", default=None)


def email_after_response(user_pk):
    """Have the current request send user's due batch once its response has gone."""
    recipients = _recipients.get()
    if recipients is not None:
        recipients.add(user_pk)


class SendAfterResponseMiddleware:
    """Send the due notification emails a request made, after its response is delivered.

    The batches go from `after_response`, so a slow or failing mail server
    never delays nor fails the request. Someone still within their
    EMAIL_BATCH waits for `send_notification_emails`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _recipients.set(set())
        try:
            response = self.get_response(request)
            recipients = _recipients.get()
        finally:
            _recipients.reset(token)
        if recipients:
            send = partial(send_notification_batches, user_ids=sorted(recipients))
            after_response(response, send)
        return response


def after_response(response, then):
    """Call `then` once the server has sent response, and return response.

    Servers close a response when they have sent it, and Django then runs its
    resource closers: mail goes from there, so the person waits for none of
    it. What goes wrong is logged; the response is gone and cannot say it.
    """
    response._resource_closers.append(partial(_quietly, then))
    return response


def _quietly(then):
    try:
        then()
    except Exception:
        logger.exception("Sending mail after a response failed")
