"""The page a server error answers with."""

from django.http import HttpResponseServerError
from django.template import loader


def server_error(request):
    """Answer a failed request with 500.html, saying so when what was sent was not saved.

    Like Django's own handler, it renders with no context processors, so it
    touches neither the database nor the session, which may be what failed.
    """
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"posted": request.method == "POST"}))
