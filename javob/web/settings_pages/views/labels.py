"""Labels: create, rename, recolour, delete."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from javob.conversations import settings_actions
from javob.conversations.models import Label
from javob.core.errors import ActionError
from javob.web.membership import admin_required, http_errors
from javob.web.settings_pages.forms import LabelForm, show_error
from javob.web.settings_pages.views.common import actor, page


def _labels(workspace_id: int) -> list[Label]:
    return list(
        Label.objects.filter(workspace_id=workspace_id)
        .annotate(conversation_count=Count("conversations"))
        .order_by("name", "id")
    )


@admin_required
@require_http_methods(["GET", "POST"])
def label_list(request: HttpRequest) -> HttpResponse:
    me = actor(request)
    form = LabelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label = settings_actions.check_create_label(
                me, form.cleaned_data["name"], form.cleaned_data["color"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Label %(name)s is created.") % {"name": label.name})
            return redirect("settings:labels")
    context = {"labels": _labels(me.workspace_id), "form": form}
    return page(request, "labels.html", "labels", context)


def _label(request: HttpRequest, label_id: int) -> Label:
    label = Label.objects.filter(workspace_id=actor(request).workspace_id, pk=label_id).first()
    if label is None:
        raise Http404
    return label


@admin_required
@require_http_methods(["GET", "POST"])
def label_edit(request: HttpRequest, label_id: int) -> HttpResponse:
    label = _label(request, label_id)
    form = LabelForm(request.POST or None, initial={"name": label.name, "color": label.color})
    if request.method == "POST" and form.is_valid():
        try:
            label = settings_actions.check_update_label(
                actor(request), label.pk, form.cleaned_data["name"], form.cleaned_data["color"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Label %(name)s is saved.") % {"name": label.name})
            return redirect("settings:labels")
    return page(request, "label_edit.html", "labels", {"form": form, "label": label})


@admin_required
@require_POST
def label_delete(request: HttpRequest, label_id: int) -> HttpResponse:
    label = _label(request, label_id)
    with http_errors():
        settings_actions.check_delete_label(actor(request), label.pk)
    messages.success(request, _("Label %(name)s is deleted.") % {"name": label.name})
    return redirect("settings:labels")
