"""Django's sign-in views, answering invalid input with 422 like every other form,
labelled without colons like the rest of the app, and throttled (papers/throttle.py)."""

import math

from axes.decorators import axes_dispatch
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.utils import reset as reset_failures
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator

from papers import mail
from papers.throttle import LoginThrottle


class _LikeOurForms:
    """Label fields without colons and answer invalid input with 422, like our own views."""

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "label_suffix": ""}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class LoginView(_LikeOurForms, auth_views.LoginView):
    pass


class PasswordChangeView(_LikeOurForms, auth_views.PasswordChangeView):
    pass


class _ResetLater(auth_forms.PasswordResetForm):
    """Django's reset form, whose save() only keeps its options: send() mails the account."""

    def save(self, **options):
        self.options = options

    def send(self):
        super().save(**self.options)


@method_decorator(axes_dispatch, name="dispatch")
class PasswordResetView(_LikeOurForms, auth_views.PasswordResetView):
    """Mail a link to choose a new password, refused from an address that is locked out.

    The page comes back the same, and as fast, whether or not an account has the
    address: the lookup and the mail happen after the response (issue #8).
    """

    form_class = _ResetLater

    def post(self, request, *args, **kwargs):
        # Each request counts like a failed login from its address, so that nobody
        # floods an inbox with reset mail.
        AxesProxyHandler.user_login_failed(type(self), credentials=None, request=request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)  # _ResetLater.save() sends nothing yet
        return mail.after_response(response, form.send)


class PasswordResetConfirmView(_LikeOurForms, auth_views.PasswordResetConfirmView):
    """Choose a new password from the mailed link; that also lifts a lockout of the account."""

    def form_valid(self, form):
        response = super().form_valid(form)
        reset_failures(username=form.user.get_username())
        return response


def locked_out(request, original_response=None, credentials=None):
    """Say that logins are refused, why and for how long (settings.AXES_LOCKOUT_CALLABLE)."""
    lockout = LoginThrottle().lockout(request, credentials)
    seconds = max(1, round((lockout.until - timezone.now()).total_seconds()))
    context = {
        "lockout": lockout,
        "minutes": math.ceil(seconds / 60),
        "username": get_client_username(request, credentials),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LogoutView(auth_views.LogoutView):
    """Log out, and say so on the page it lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response
