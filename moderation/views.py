"""The flag forms, the review queues and the audit logs (a community's and the site's)."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import selectors as account_selectors
from accounts.models import User
from accounts.permissions import is_administrator
from communities import permissions as community_permissions
from communities.models import Community
from communities.selectors import get_community_for
from core import params
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions import permissions as discussion_permissions
from discussions.selectors import threads as thread_selectors
from moderation import selectors, services
from moderation.forms import FlagForm, LogFilterForm, ReviewForm
from moderation.models import QueueReason


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _flag(request: HttpRequest, *, target: dict, back: str, title: str) -> HttpResponse:
    """Show the flag form (GET) or flag (POST), answering 404 for what the person may not
    read; a refused flag re-renders the form with the person's text."""
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag(by=request.user, **target, **form.cleaned_data)
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. The moderators will take a look; nobody is told who flagged."),
            )
            return _redirect(request, back)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/flag.html",
        {"form": form, "back": back, "title": title, "action": request.path},
        status=status,
    )


@login_required
@rate_limit("flags", methods=("POST",))
def post_flag(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    community = get_community_for(user=request.user, slug=slug)
    thread = thread_selectors.get_thread(
        user=request.user, community=community, thread_id=thread_id
    )
    post = thread_selectors.get_post(thread=thread, post_id=post_id)
    if post.is_deleted or not discussion_permissions.can_see_item(request.user, post):
        raise Http404
    back = f"{thread.get_absolute_url()}?after={post.pk - 1}#post-{post.pk}"
    title = thread.title
    if post.is_first:
        return _flag(request, target={"thread": thread}, back=back, title=title)
    return _flag(request, target={"post": post}, back=back, title=title)


@login_required
@rate_limit("flags", methods=("POST",))
def person_flag(request: HttpRequest, pk: int) -> HttpResponse:
    person = account_selectors.get_person(
        pk=pk, among=discussion_permissions.people_visible_to(request.user)
    )
    back = reverse("person_detail", args=[person.pk])
    return _flag(request, target={"person": person}, back=back, title=person.name)


# -- the review queue -----------------------------------------------------------------------


def _queue(
    request: HttpRequest, *, community: Community | None, errors: dict | None = None
) -> HttpResponse:
    order = request.GET.get("order", "newest")
    order = order if order in selectors.QUEUE_ORDERS else "newest"
    page = selectors.queue_page(
        user=request.user,
        community=community,
        order=order,
        after=params.text(request.GET.get("after"), 80) or None,
    )
    if community is not None:
        action_url = lambda item: reverse("moderation_review", args=[community.slug, item.pk])  # noqa: E731
    else:
        action_url = lambda item: reverse("site_moderation_review", args=[item.pk])  # noqa: E731
    context = {
        "community": community,
        "page": page,
        "order": order,
        "action_url": action_url,
        "errors": errors or {},
        "held": QueueReason.HELD,
        "edited": QueueReason.EDITED,
    }
    return render(request, "moderation/queue.html", context, status=400 if errors else 200)


def _review(request: HttpRequest, *, community: Community | None, item_id: int) -> HttpResponse:
    item = selectors.get_open_item(pk=item_id, community=community)
    if not services.can_review(request.user, item):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Choose one of the actions offered.")
    else:
        try:
            services.review(by=request.user, item=item, **form.cleaned_data)
        except ValidationError as problem:
            error = " ".join(problem.messages)
    if error:
        typed = params.text(request.POST.get("reason"), 300)
        return _queue(request, community=community, errors={item.pk: (error, typed)})
    messages.success(request, _("Done. The flags on this item are resolved."))
    back = request.path.rsplit("/items/", 1)[0] + "/"
    return _redirect(request, back)


@login_required
def community_queue(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for(user=request.user, slug=slug)
    community_permissions.require_moderate(request.user, community)
    return _queue(request, community=community)


@login_required
@require_POST
@rate_limit("writes")
def community_review(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    community = get_community_for(user=request.user, slug=slug)
    community_permissions.require_moderate(request.user, community)
    return _review(request, community=community, item_id=item_id)


def _require_administrator(user: User) -> None:
    if not is_administrator(user):
        raise PermissionDenied


@login_required
def site_queue(request: HttpRequest) -> HttpResponse:
    _require_administrator(request.user)
    return _queue(request, community=None)


@login_required
@require_POST
@rate_limit("writes")
def site_review(request: HttpRequest, item_id: int) -> HttpResponse:
    _require_administrator(request.user)
    return _review(request, community=None, item_id=item_id)


# -- the audit log --------------------------------------------------------------------------


def _log_filters(request: HttpRequest, community: Community | None):
    form = LogFilterForm(request.GET or None)
    filters = selectors.LogFilters()
    if form.is_valid():
        data = form.cleaned_data
        if data["person"]:
            filters.person = User.objects.filter(pk=data["person"]).first()
            if filters.person is None:
                form.add_error("person", _("Nobody has this id."))
        if data["community"] and community is None:
            filters.community = Community.objects.filter(slug=data["community"]).first()
            if filters.community is None:
                form.add_error("community", _("No community has this address."))
        filters.action = data["action"]
        filters.since, filters.until = data["since"], data["until"]
    if community is not None:
        del form.fields["community"]
    return form, filters


def _log(request: HttpRequest, *, community: Community | None) -> HttpResponse:
    form, filters = _log_filters(request, community)
    page = selectors.audit_page(
        community=community,
        filters=filters,
        after=params.text(request.GET.get("after"), 80) or None,
    )
    query = {key: value for key, value in request.GET.items() if key != "after" and value}
    if community is not None:
        export = reverse("moderation_log_export", args=[community.slug])
    else:
        export = reverse("site_moderation_log_export")
    context = {
        "community": community,
        "form": form,
        "page": page,
        "filters": filters,
        "query": urlencode(query),
        "export_url": f"{export}?{urlencode(query)}" if query else export,
    }
    return render(request, "moderation/log.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "id",
    "when",
    "action",
    "by",
    "community",
    "target_type",
    "target_id",
    "target",
    "about",
    "reason",
    "before",
    "after",
]


def _csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _export(request: HttpRequest, *, community: Community | None) -> StreamingHttpResponse:
    _form, filters = _log_filters(request, community)
    entries = selectors.audit_entries(community=community, filters=filters)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_HEADER)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    entry.pk,
                    entry.created_at.isoformat(),
                    entry.action,
                    _csv_cell(entry.actor.email if entry.actor else ""),
                    entry.community.slug if entry.community else "",
                    entry.target_type,
                    entry.target_id or "",
                    _csv_cell(entry.target_label),
                    _csv_cell(entry.subject.email if entry.subject else ""),
                    _csv_cell(entry.reason),
                    _csv_cell(str(entry.before or "")),
                    _csv_cell(str(entry.after or "")),
                ]
            )

    name = f"audit-log-{community.slug}.csv" if community else "audit-log.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _community_for_log(request: HttpRequest, slug: str) -> Community:
    community = get_community_for(user=request.user, slug=slug)
    community_permissions.require_configure(request.user, community)
    return community


@login_required
def community_log(request: HttpRequest, slug: str) -> HttpResponse:
    return _log(request, community=_community_for_log(request, slug))


@login_required
@rate_limit("lookups")
def community_log_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    return _export(request, community=_community_for_log(request, slug))


@login_required
def site_log(request: HttpRequest) -> HttpResponse:
    _require_administrator(request.user)
    return _log(request, community=None)


@login_required
@rate_limit("lookups")
def site_log_export(request: HttpRequest) -> StreamingHttpResponse:
    _require_administrator(request.user)
    return _export(request, community=None)


community_urlpatterns: list[URLPattern] = [
    path("threads/<int:thread_id>/posts/<int:post_id>/flag/", post_flag, name="post_flag"),
    path("moderation/queue/", community_queue, name="moderation_queue"),
    path("moderation/queue/items/<int:item_id>/", community_review, name="moderation_review"),
    path("moderation/log/", community_log, name="moderation_log"),
    path("moderation/log/export/", community_log_export, name="moderation_log_export"),
]
site_urlpatterns: list[URLPattern] = [
    path("people/<int:pk>/flag/", person_flag, name="person_flag"),
    path("moderation/", site_queue, name="site_moderation"),
    path("moderation/items/<int:item_id>/", site_review, name="site_moderation_review"),
    path("moderation/log/", site_log, name="site_moderation_log"),
    path("moderation/log/export/", site_log_export, name="site_moderation_log_export"),
]
