from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from papers.views import auth, outage
from papers.views.errors import server_error

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", outage.healthz, name="healthz"),
    # Pages without our <link rel="icon"> (Django admin) make browsers ask here;
    # lazy, because the static name is only known once the app runs (manifest).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
    # Django's auth views, with 422 for invalid input; the rest of auth.urls as is.
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path("accounts/password_reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("papers.urls")),
]

# Says "not saved" when a POST failed (issue #7).
handler500 = server_error
