"""Login throttling (issue #8), with django-axes counting failures in the database.

Every gunicorn worker and app server reads the same counts. An account is
refused after settings.AXES_FAILURE_LIMIT failures, an address after
settings.READINGLOG_ADDRESS_FAILURE_LIMIT, until AXES_COOLOFF_TIME has passed
since the last failure that counts.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.db.models import Max, Sum
from django.db.models.functions import Coalesce


class ThrottledBackend(AxesStandaloneBackend):
    """Refuse a login from a locked-out account or address (first in AUTHENTICATION_BACKENDS).

    Only a login that comes with a request is throttled: every web login does
    (Django's login form passes it); the test client's login() and a shell's
    authenticate() do not, and axes would raise for them.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


@dataclass(frozen=True)
class Lockout:
    """Why logins are refused, and until when."""

    by_address: bool
    until: datetime


class LoginThrottle(AxesDatabaseHandler):
    """Axes' database handler, with a higher limit for an address than for an account.

    Axes compares the failures for each of AXES_LOCKOUT_PARAMETERS (here the
    username, then the address) with one AXES_FAILURE_LIMIT; its maintainers
    suggest a handler for separate limits (jazzband/django-axes#661). Here an
    address's failures count only past READINGLOG_ADDRESS_FAILURE_LIMIT -
    AXES_FAILURE_LIMIT, so people sharing a network do not lock each other out.
    """

    def get_failures(self, request, credentials=None):
        by_account, by_address = self._recent_failures(request, credentials)
        grace = settings.READINGLOG_ADDRESS_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT
        return max(by_account["failures"], by_address["failures"] - grace)

    def lockout(self, request, credentials=None):
        """Return the Lockout that refuses this request's login, or None."""
        by_account, by_address = self._recent_failures(request, credentials)
        if by_address["failures"] >= settings.READINGLOG_ADDRESS_FAILURE_LIMIT:
            return Lockout(by_address=True, until=by_address["last"] + get_cool_off(request))
        if by_account["failures"] >= settings.AXES_FAILURE_LIMIT:
            return Lockout(by_address=False, until=by_account["last"] + get_cool_off(request))
        return None

    def _recent_failures(self, request, credentials):
        """Sum the failures within the cool-off for the username and for the address.

        A request without a username (a password reset) has no account failures:
        the rows it leaves have no username either.
        """
        by_account, by_address = self.get_user_attempts(request, credentials)
        if get_client_username(request, credentials) is None:
            by_account = by_account.none()
        return [
            attempts.aggregate(
                failures=Coalesce(Sum("failures_since_start"), 0), last=Max("attempt_time")
            )
            for attempts in (by_account, by_address)
        ]


def client_address(request):
    """Return the address whose failures a request counts against (AXES_CLIENT_IP_CALLABLE).

    Behind a reverse proxy (settings.TRUST_X_FORWARDED_FOR) it is the last
    address in X-Forwarded-For, the one the proxy appended; those before it
    come from the client and anyone can write them. An IPv6 address stands for
    its /64, which one customer usually has whole.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUST_X_FORWARDED_FOR:
        address = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip() or address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)
