"""Django's sign-in views, answering invalid input with 422 like every other form,
and labelled without colons like the rest of the app."""

from django.contrib import messages
from django.contrib.auth import views as auth_views


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


class PasswordResetView(_LikeOurForms, auth_views.PasswordResetView):
    pass


class PasswordResetConfirmView(_LikeOurForms, auth_views.PasswordResetConfirmView):
    pass


class LogoutView(auth_views.LogoutView):
    """Log out, and say so on the page it lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response
