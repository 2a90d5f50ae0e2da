"""A paper filled from arXiv or Crossref, and duplicates merged (issue #11).

The preview of what a pasted id finds while the add form is typed in, the
"Fetch details" of a paper, and a curator's merge of two papers of a log.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from papers import actions, metadata
from papers.forms import PaperAddForm, PaperMergeForm
from papers.models import Role, get_log_for_user
from papers.views.paper import get_paper


@login_required
@require_POST
def paper_add_preview(request, slug):
    """Show what the add form would add: the paper a pasted id finds, or the one it duplicates.

    Queries: the lookup's cache (1, +1 when it asks the site) and the duplicate (1).
    """
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    form = PaperAddForm(request.POST)
    context = {"log": log, "add_form": form}
    if form.is_valid():
        ids = form.ids
        found = metadata.lookup(**ids)
        title = form.cleaned_data["title"] or (found.data.get("title", "") if found else "")
        same = log.papers.same_as(**ids, title=title).order_by("number")
        context |= {"preview_found": found, "preview_duplicate": same.first()}
    return render(request, "papers/log_detail.html#paper-add-preview", context)


@login_required
@require_POST
def paper_fetch(request, slug, number):
    """Fill the paper's empty title, authors, year and abstract from its arXiv id or DOI.

    A title that is only the id (a paper added from its id while the site was
    down) counts as empty. What a person wrote is never replaced.
    """
    log, role = get_log_for_user(request.user, slug, need=Role.MEMBER)
    paper = get_paper(log, number)
    if not paper.can_edit(request.user, role):
        raise PermissionDenied("Only who added the paper, or a curator, can fetch its details.")
    if not (paper.arxiv_id or paper.doi):
        messages.warning(request, "This paper has no arXiv id or DOI to look up.")
    else:
        found, filled = metadata.fill_paper(paper, by=request.user)
        if not found.found:
            messages.warning(request, f"Nothing was filled in: {found.error}")
        elif filled:
            messages.success(request, f"Filled in {', '.join(filled)}.")
        else:
            messages.info(request, "Nothing to fill in: every field already has a value.")
    if request.htmx:
        return HttpResponseClientRedirect(paper.get_absolute_url())
    return redirect(paper)


@login_required
@require_http_methods(["GET", "POST"])
def paper_merge(request, slug, number):
    """Merge this paper and another of the log, after a confirm step (curators).

    The paper with the lower number is kept; the other's notes, questions,
    comments, tags and history move to it and it goes to the trash
    (actions.papers_merge, undoable from the change log).
    """
    log, role = get_log_for_user(request.user, slug, need=Role.CURATOR)
    paper = get_paper(log, number)
    form = PaperMergeForm(request.POST or None)
    context = {"log": log, "role": role, "paper": paper, "form": form}
    if request.method == "GET":
        return render(request, "papers/paper_merge.html", context)
    if not form.is_valid():
        return render(request, "papers/paper_merge.html", context, status=422)
    other = log.papers.filter(number=form.cleaned_data["into"]).first()
    if other is None or other.pk == paper.pk:
        form.add_error("into", "Give the number of another paper of this log.")
        return render(request, "papers/paper_merge.html", context, status=422)
    kept, gone = sorted([paper, other], key=lambda p: p.number)
    if not form.cleaned_data["confirm"]:
        context |= {
            "other": other,
            "kept": kept,
            "gone": gone,
            "moving": {
                "notes": gone.notes.count(),
                "questions": gone.questions.count(),
                "comments": gone.comments.count(),
            },
            "confirming": True,
        }
        return render(request, "papers/paper_merge.html", context)
    kept = actions.papers_merge([paper, other], by=request.user)
    messages.success(request, f"Merged [{gone.number}] into [{kept.number}].")
    return redirect(kept)
