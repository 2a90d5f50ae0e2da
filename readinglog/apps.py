from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, served by readinglog.admin.AdminSite."""

    default_site = "readinglog.admin.AdminSite"
