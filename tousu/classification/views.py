"""The triage page: open complaints the model was not sure enough to classify (D7)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.accounts.permissions import can_triage
from tousu.classification.forms import TriageForm
from tousu.classification.selectors import triage_queue
from tousu.complaints.models import Complaint
from tousu.core.errors import DomainError
from tousu.routing.services import complaint_categorise


def triage(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not can_triage(user):
        raise PermissionDenied
    queue = triage_queue(user)
    if request.method == "POST":
        form = TriageForm(request.POST)
        if form.is_valid():
            complaint = queue.filter(number=form.cleaned_data["number"]).first()
            if complaint is None:
                raise Http404(form.cleaned_data["number"])
            try:
                done: Complaint = complaint_categorise(
                    complaint=complaint, actor=user, category=form.cleaned_data["category"]
                )
            except DomainError as e:
                messages.error(request, str(e))
            else:
                messages.success(
                    request,
                    _("%(number)s classified as %(category)s.")
                    % {"number": done.number, "category": form.cleaned_data["category"]},
                )
            return redirect("complaints:triage")
        messages.error(request, _("Choose a category."))
        return redirect("complaints:triage")
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    return render(request, "classification/triage.html", {"page": page, "form": TriageForm()})
