from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from communities import fragments, permissions, selectors, services
from communities.forms import (
    CommunityForm,
    DeclineForm,
    InviteEmailsForm,
    InviteLinkForm,
    JoinRequestForm,
    MemberFilterForm,
    MembershipPreferencesForm,
    RemoveMemberForm,
    RoleForm,
)
from communities.models import Community
from core import params
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions.permissions import can_post
from discussions.selectors.threads import latest_threads
from moderation import limits
from moderation import services as moderation_services
from moderation.selectors import open_item_count
from purposes.models import Purpose
from purposes.selectors import purpose_shown_to


def _error_message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return str(error) or _("You may not do that here.")
    return " ".join(error.messages)


def community_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "purpose_slug": params.text(request.GET.get("purpose", ""), 100),
        "open_to_me": request.GET.get("open_to_me") == "1",
        "query": params.text(request.GET.get("q", ""), 80),
    }
    page = selectors.community_directory(
        user=request.user, after=request.GET.get("after"), **filters
    )
    purposes = selectors.directory_purposes(user=request.user)
    return render(
        request,
        "communities/community_list.html",
        {
            "page": page,
            "cards_html": fragments.community_cards(page.items),
            "filters": filters,
            "purposes": purposes.choices,
            "can_create": purposes.can_create,
        },
    )


@login_required
@rate_limit("writes", methods=("POST",))
def community_create(request: HttpRequest) -> HttpResponse:
    purposes = permissions.purposes_for_new_community(request.user).order_by("title")
    if not purposes.exists():
        raise PermissionDenied(
            _("Only administrators and the owners of a purpose can create communities.")
        )
    initial = {
        "visibility": "listed",
        "join_policy": "open",
        "audience": ["employee"],
        "idea_voters": ["employee"],
        "default_notification_level": "participating",
    }
    purpose_slug = params.text(request.GET.get("purpose"), 100)
    if purpose_slug:
        initial["purpose"] = purposes.filter(slug=purpose_slug).first()
    form = CommunityForm(request.POST or None, initial=initial, purposes=purposes)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.create_community(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Community created. Invite people or share its page."))
            return redirect(community)
    return render(request, "communities/community_form.html", {"form": form, "community": None})


def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug, with_membership=True)
    user = request.user
    membership = selectors.membership_shown(user=user, community=community)
    context = {
        "community": community,
        "purpose": purpose_shown_to(user=user, purpose=community.purpose),
        "membership": membership,
        "can_read": permissions.can_read_content(user, community),
        "can_join": permissions.can_join(user, community),
        "can_request": permissions.can_request(user, community),
        "has_pending_request": permissions.has_pending_request(user, community),
        "suspension_notice": permissions.suspension_notice(user, community),
        "sanction_notice": permissions.sanction_refusal(user, community),
        "join_refusal": None,
        "can_configure": permissions.can_configure(user, community),
        "can_moderate": permissions.can_moderate(user, community),
        "open_review_items": (
            open_item_count(community) if permissions.can_moderate(user, community) else 0
        ),
        "latest_threads": latest_threads(user=user, community=community),
        "can_start_thread": can_post(user, community),
        "request_form": JoinRequestForm(),
        "preferences_form": MembershipPreferencesForm(
            initial={
                "notification_level": membership.notification_level,
            }
        )
        if membership
        else None,
    }
    if user.is_authenticated and membership is None and not context["has_pending_request"]:
        if community.join_policy == "request":
            context["join_refusal"] = permissions.request_refusal(user, community)
        else:
            context["join_refusal"] = permissions.join_refusal(user, community)
        if context["join_refusal"] == context["sanction_notice"]:
            # A ban is told once, at the top of the page.
            context["join_refusal"] = None
    return render(request, "communities/community_detail.html", context)


@login_required
@require_POST
@rate_limit("joins")
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    try:
        services.join_community(user=request.user, community=community)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
    return redirect(community)


@login_required
@require_POST
@rate_limit("joins")
def community_request(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your message is too long (1,000 characters at most)."))
        return redirect(community)
    try:
        services.request_to_join(
            user=request.user, community=community, message=form.cleaned_data["message"]
        )
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(
            request, _("Your request has been sent. You'll be told when a moderator answers.")
        )
    return redirect(community)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def community_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    if services.withdraw_join_request(user=request.user, community=community):
        messages.success(request, _("Your request has been withdrawn."))
    return redirect(community)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    try:
        services.leave_community(user=request.user, community=community)
    except ValidationError as error:
        messages.error(request, _error_message(error))
        return redirect(community)
    messages.success(request, _("You have left %(name)s.") % {"name": community.name})
    if permissions.can_see(request.user, _fresh(community)):
        return redirect(community)
    return redirect("community_list")


def _fresh(community: Community) -> Community:
    permissions.forget_viewer_facts(community)
    return community


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def membership_preferences(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    membership = selectors.viewer_membership(user=request.user, community=community)
    if membership is None:
        raise Http404
    form = MembershipPreferencesForm(request.POST)
    if form.is_valid():
        services.update_membership_preferences(membership=membership, **form.cleaned_data)
        messages.success(request, _("Your notification settings for this community are saved."))
    else:
        messages.error(request, _("Choose valid notification settings."))
    return redirect(community)


def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_readable_community(user=request.user, slug=slug)
    form = MemberFilterForm(request.GET or None)
    query, role = "", ""
    if form.is_valid():
        query, role = form.cleaned_data["q"], form.cleaned_data["role"]
    page = selectors.member_page(
        community=community,
        query=query,
        role=role,
        after=request.GET.get("after"),
        viewer=request.user,
    )
    return render(
        request,
        "communities/member_list.html",
        {
            "community": community,
            "page": page,
            "form": form,
            "query": query,
            "role": role,
            "can_moderate": permissions.can_moderate(request.user, community),
            "can_configure": permissions.can_configure(request.user, community),
            "remove_form": RemoveMemberForm(),
            "role_form": RoleForm(),
        },
    )


def _community_for_moderation(request: HttpRequest, slug: str) -> Community:
    community = selectors.get_community_for(user=request.user, slug=slug)
    permissions.require_moderate(request.user, community)
    return community


@login_required
@rate_limit("writes", methods=("POST",))
def community_settings(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    permissions.require_configure(request.user, community)
    purposes = permissions.purposes_for_new_community(request.user) | Purpose.objects.filter(
        pk=community.purpose_id
    )
    initial = {
        "purpose": community.purpose,
        "name": community.name,
        "slug": community.slug,
        "description": community.description,
        "guidelines": community.guidelines,
        "audience": community.audience,
        "idea_voters": community.idea_voters,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "default_notification_level": community.default_notification_level,
        "hold_first_posts": community.hold_first_posts,
        "categories": "\n".join(community.categories.values_list("name", flat=True)),
    }
    form = CommunityForm(request.POST or None, initial=initial, purposes=purposes.distinct())
    if request.method == "POST" and form.is_valid():
        try:
            community = services.update_community(
                community=community, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Community settings saved."))
            return redirect(community)
    return render(
        request, "communities/community_form.html", {"form": form, "community": community}
    )


def _invite_form_options(request: HttpRequest) -> dict:
    return {"can_set_member_type": permissions.can_set_invitation_member_type(request.user)}


def _moderation_context(request: HttpRequest, community: Community, **forms) -> dict:
    now = timezone.now()
    invitations = selectors.recent_invitations(community=community)
    for invitation in invitations:
        invitation.state = selectors.invitation_state(invitation, now)
    return {
        "community": community,
        "join_requests": selectors.pending_join_requests(community=community),
        "invitations": invitations,
        "bans": selectors.banned_people(community=community),
        "can_configure": permissions.can_configure(request.user, community),
        "decline_form": DeclineForm(),
        "invite_form": forms.get("invite_form")
        or InviteEmailsForm(**_invite_form_options(request)),
        "link_form": forms.get("link_form") or InviteLinkForm(**_invite_form_options(request)),
    }


@login_required
def moderation(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    return render(request, "communities/moderation.html", _moderation_context(request, community))


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def join_request_decide(request: HttpRequest, slug: str, request_id: int, decision: str):
    if decision not in ("approve", "decline"):
        raise Http404
    community = _community_for_moderation(request, slug)
    join_request = selectors.get_pending_join_request(community=community, request_id=request_id)
    try:
        if decision == "approve":
            services.approve_join_request(join_request=join_request, by=request.user)
            messages.success(
                request, _("%(name)s is now a member.") % {"name": join_request.user.name}
            )
        else:
            form = DeclineForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.decline_join_request(join_request=join_request, by=request.user, reason=reason)
            messages.success(request, _("Request declined."))
    except ValidationError as error:
        messages.error(request, _error_message(error))
    return redirect("community_moderation", slug=community.slug)


@login_required
@require_POST
@rate_limit("invitations")
def invite_emails(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    form = InviteEmailsForm(request.POST, **_invite_form_options(request))
    status, limit = 200, None
    if form.is_valid():
        limit = limits.invitation_refusal(request)
        if limit is not None:
            status = limits.show_in_form(form, limit)
    if form.is_valid():
        try:
            invitations = services.invite_by_email(
                community=community,
                by=request.user,
                emails=form.cleaned_data["emails"],
                member_type=form.cleaned_data["member_type"],
                valid_days=form.cleaned_data["valid_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Invitation sent to %(count)d person.",
                    "Invitations sent to %(count)d people.",
                    len(invitations),
                )
                % {"count": len(invitations)},
            )
            return redirect("community_moderation", slug=community.slug)
    response = render(
        request,
        "communities/moderation.html",
        _moderation_context(request, community, invite_form=form),
        status=status,
    )
    return limits.with_retry_after(response, limit)


@login_required
@require_POST
@rate_limit("invitations")
def invite_link(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    form = InviteLinkForm(request.POST, **_invite_form_options(request))
    status, limit = 200, None
    if form.is_valid():
        limit = limits.invitation_refusal(request)
        if limit is not None:
            status = limits.show_in_form(form, limit)
    if form.is_valid():
        try:
            invitation = services.create_invitation_link(
                community=community, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation link created: %(url)s")
                % {"url": request.build_absolute_uri(invitation.get_absolute_url())},
            )
            return redirect("community_moderation", slug=community.slug)
    response = render(
        request,
        "communities/moderation.html",
        _moderation_context(request, community, link_form=form),
        status=status,
    )
    return limits.with_retry_after(response, limit)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    invitation = community.invitations.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    services.revoke_invitation(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("community_moderation", slug=community.slug)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    membership = selectors.get_membership(community=community, membership_id=membership_id)
    form = RemoveMemberForm(request.POST)
    form.is_valid()
    try:
        if form.cleaned_data.get("ban", False):
            # A ban is a sanction: moderation's service records it (with no end date).
            moderation_services.ban_from_community(
                by=request.user,
                community=community,
                user=membership.user,
                reason=form.cleaned_data.get("reason", "") or _("Removed by a moderator"),
                ends_at=None,
            )
        else:
            services.remove_member(membership=membership, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": membership.user.name})
    return redirect("community_members", slug=community.slug)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def member_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = selectors.get_community_for(user=request.user, slug=slug)
    permissions.require_configure(request.user, community)
    membership = selectors.get_membership(community=community, membership_id=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(
                membership=membership, by=request.user, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(request, _("Role updated."))
    return redirect("community_members", slug=community.slug)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def member_unban(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    community = _community_for_moderation(request, slug)
    ban = community.bans.filter(user_id=user_id).select_related("user").first()
    if ban is None:
        raise Http404
    moderation_services.lift_community_sanction(
        by=request.user, community=community, user=ban.user, kind="ban"
    )
    messages.success(request, _("%(name)s may join again.") % {"name": ban.user.name})
    return redirect("community_moderation", slug=community.slug)


@rate_limit("writes", methods=("POST",))
def invitation_detail(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.get_invitation(token=token)
    now = timezone.now()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={invitation.get_absolute_url()}")
        try:
            services.accept_invitation(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, _error_message(error))
        else:
            messages.success(
                request, _("Welcome to %(name)s!") % {"name": invitation.community.name}
            )
            return redirect(invitation.community)
    refusal = permissions.invitation_refusal(request.user, invitation, moment=now)
    if not permissions.invitation_names_community(request.user, invitation, moment=now):
        return render(request, "communities/invitation_unavailable.html", {"refusal": refusal})
    already_member = request.user.is_authenticated and permissions.is_member(
        request.user, invitation.community
    )
    return render(
        request,
        "communities/invitation_detail.html",
        {
            "invitation": invitation,
            "community": invitation.community,
            "purpose": purpose_shown_to(user=request.user, purpose=invitation.community.purpose),
            "refusal": refusal,
            "already_member": already_member,
            "state": selectors.invitation_state(invitation, now),
        },
    )


@rate_limit("writes", methods=("POST",))
def invitation_signup(request: HttpRequest, token: str) -> HttpResponse:
    """Start sign-up for a person new to the site, remembering the invitation they hold.

    Only a POST from the invitation page's button remembers it: a GET (a link, or an image
    in someone's post) just shows the invitation page and changes nothing.
    """
    invitation = selectors.get_invitation(token=token)
    if (
        request.method != "POST"
        or request.user.is_authenticated
        or invitation.problem_at(timezone.now()) is not None
    ):
        return redirect(invitation)
    request.session["invitation_token"] = invitation.token
    url = reverse("account_signup")
    if invitation.email:
        # Encoded, or an address such as ana+ops@… would arrive with a space for its "+".
        url += "?" + urlencode({"email": invitation.email})
    return redirect(url)
