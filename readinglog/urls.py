from django.contrib import admin
from django.urls import include, path

from papers.views import auth

urlpatterns = [
    path("admin/", admin.site.urls),
    # Django's auth views, with 422 for invalid input; the rest of auth.urls as is.
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
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
