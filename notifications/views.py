"""The notification centre, the bell's count, notification settings and unsubscribing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities.models import Community
from core.ratelimit import rate_limit
from notifications import selectors, services
from notifications.forms import NotificationSettingsForm
from notifications.models import NotificationKind
from purposes.selectors import followed_purposes


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = selectors.notification_groups(user=request.user, after=request.GET.get("after"))
    return render(
        request,
        "notifications/notification_list.html",
        {
            "groups": page.groups,
            "next_cursor": page.next_cursor,
            "unread": selectors.unread_count(user=request.user),
        },
    )


@never_cache
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's number, polled by the header: one counter row."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = selectors.unread_count(user=request.user)
    return render(request, "notifications/_bell_count.html", {"count": count})


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification reads it (and the rest of its thread's) and goes to the
    exact post, response or page it is about."""
    notification = selectors.get_notification_for(
        user=request.user, notification_id=notification_id
    )
    target = selectors.describe(notification).url
    services.mark_thread_read(user=request.user, notification=notification)
    return redirect(target)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def notification_mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = selectors.get_notification_for(
        user=request.user, notification_id=notification_id
    )
    services.mark_thread_read(user=request.user, notification=notification)
    return redirect("notification_list")


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("writes", methods=("POST",))
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = services.settings_for(request.user)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.update_settings(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification_settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "followed_purposes": followed_purposes(user=request.user)},
    )


def _kind_label(kind: str) -> str:
    if kind == services.DIGEST:
        return _("Email digests")
    return NotificationKind(kind).label


# Mail clients send the one-click POST (RFC 8058) with no session and no CSRF token; the
# signed token is the authority, and unsubscribing twice changes nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@rate_limit("unsubscribe", methods=("POST",))
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = services.read_unsubscribe_token(token)
    if found is None:
        raise Http404
    user_id, kind, community_id = found
    community = None
    if community_id is not None:
        # Named only to the holder of a signed link made for them.
        community = Community.objects.filter(pk=community_id).only("name").first()
        if community is None:
            raise Http404
    context = {
        "kind_label": _kind_label(kind) if community is None else "",
        "community": community,
        "token": token,
        "done": False,
    }
    if request.method == "POST":
        if not services.unsubscribe(user_id=user_id, kind=kind, community_id=community_id):
            raise Http404
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
