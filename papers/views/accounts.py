from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from papers.models import ReadingLog


@login_required
def home(request):
    """List the logs the user belongs to."""
    logs = ReadingLog.objects.member_of(request.user)
    return render(request, "papers/home.html", {"logs": logs})
