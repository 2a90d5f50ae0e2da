"""The account settings page: the user's email address, how each kind of notification
reaches them, and the secret of their private feed links."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from papers.forms import AccountForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_settings(request):
    """Show and save the user's email address and notification deliveries.

    No log is involved: the page is the user's own. Queries: session, user,
    and the save.
    """
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("account_settings")
        return render(request, "papers/account.html", {"form": form}, status=422)
    return render(request, "papers/account.html", {"form": form})


@login_required
@require_POST
def feed_token_reset(request):
    """Give the user a new feed secret: every private feed link they had stops working."""
    request.user.reset_feed_token()
    messages.success(
        request, "Your private feed links are new. The old ones no longer work: update your reader."
    )
    return redirect("account_settings")
