"""The admin shows communities, memberships, requests, invitations and bans; every change it
makes goes through `communities.services`, so counters, bans, audiences and the access
rules stay exactly as the site's own pages leave them. Rows are never edited directly."""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from communities import services
from communities.models import (
    AUDIENCE_FIELDS,
    IDEA_VOTER_FIELDS,
    Ban,
    Category,
    Community,
    Invitation,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Role,
)
from core.text import validate_single_line


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are looked at here; they change only through the actions, which call services."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def run_service(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable,
    call: Callable,
    done: Callable[[int], str],
) -> None:
    """Call `call(row)` for each row, each in its own transaction (the services are atomic),
    and tell the administrator how many succeeded and why any did not."""
    succeeded = 0
    for row in rows:
        try:
            call(row)
        except (ValidationError, PermissionDenied) as error:
            reasons = getattr(error, "messages", None) or [
                str(error) or _("You are not allowed to do that.")
            ]
            modeladmin.message_user(request, f"{row}: {' '.join(reasons)}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done(succeeded), messages.SUCCESS)


class CategoryInline(admin.TabularInline):
    """Categories change on the community's settings page, where their names are checked."""

    model = Category
    extra = 0
    fields = ["name", "position"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CommunityAdminForm(forms.ModelForm):
    """Says on the form what `services.update_community` would refuse."""

    class Meta:
        model = Community
        fields = [
            "name",
            "slug",
            "purpose",
            "description",
            "guidelines",
            *AUDIENCE_FIELDS.values(),
            "visibility",
            "join_policy",
            "default_notification_level",
            *IDEA_VOTER_FIELDS.values(),
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        validate_single_line(name)
        return name

    def clean(self):
        cleaned_data = super().clean()
        if not any(cleaned_data.get(field) for field in AUDIENCE_FIELDS.values()):
            raise ValidationError(_("Open the community to at least one member type."))
        return cleaned_data


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    """Changes are saved by `services.update_community`, as on the settings page, so an
    audience change here has the same effect on memberships as there. Communities are
    created on the site's own page, which makes the creator an owner."""

    form = CommunityAdminForm
    list_display = ["name", "purpose", "visibility", "join_policy", "member_count"]
    list_filter = [
        "visibility",
        "join_policy",
        "open_to_employees",
        "open_to_customers",
        "open_to_vendors",
        "open_to_partners",
    ]
    search_fields = ["name", "slug", "purpose__title"]
    list_select_related = ["purpose"]
    readonly_fields = ["member_count", "created_at", "description_html", "guidelines_html"]
    inlines = [CategoryInline]
    autocomplete_fields = ["purpose"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Community, form, change: bool) -> None:
        # The service reads the stored row (the audience before the change, the categories).
        stored = Community.objects.get(pk=obj.pk)
        try:
            self._update(request, stored, obj)
        except (ValidationError, PermissionDenied) as error:
            # Checked by the form already, unless something changed meanwhile (the address
            # taken by another community a moment ago): say so instead of failing.
            reasons = getattr(error, "messages", None) or [_("You are not allowed to do that.")]
            self.message_user(request, " ".join(reasons), messages.ERROR)
            request.community_not_saved = True
            return
        obj.refresh_from_db()

    def response_change(self, request: HttpRequest, obj: Community):
        if getattr(request, "community_not_saved", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @staticmethod
    def _update(request: HttpRequest, stored: Community, obj: Community) -> None:
        services.update_community(
            community=stored,
            by=request.user,
            purpose=obj.purpose,
            name=obj.name,
            slug=obj.slug,
            description=obj.description,
            guidelines=obj.guidelines,
            audience=obj.audience,
            visibility=obj.visibility,
            join_policy=obj.join_policy,
            default_notification_level=obj.default_notification_level,
            categories=list(stored.categories.values_list("name", flat=True)),
            idea_voters=obj.idea_voters or None,
        )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "community", "role", "joined_via", "joined_at"]
    list_filter = ["role", "joined_via"]
    search_fields = ["user__email", "user__display_name", "community__name"]
    list_select_related = ["user", "community"]
    actions = ["remove_members", "ban_members", "make_members", "make_moderators", "make_owners"]

    def _memberships(self, queryset):
        return queryset.select_related("user", "community")

    @admin.action(description=_("Remove the selected members"))
    def remove_members(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            self._memberships(queryset),
            lambda membership: services.remove_member(membership=membership, by=request.user),
            lambda count: (
                ngettext("%(count)d member removed.", "%(count)d members removed.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Remove and ban the selected members"))
    def ban_members(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            self._memberships(queryset),
            lambda membership: services.remove_member(
                membership=membership, by=request.user, ban=True
            ),
            lambda count: (
                ngettext(
                    "%(count)d member removed and banned.",
                    "%(count)d members removed and banned.",
                    count,
                )
                % {"count": count}
            ),
        )

    def _change_role(self, request: HttpRequest, queryset, role: str) -> None:
        run_service(
            self,
            request,
            self._memberships(queryset),
            lambda membership: services.change_role(
                membership=membership, by=request.user, role=role
            ),
            lambda count: (
                ngettext(
                    "%(count)d member is now %(role)s.",
                    "%(count)d members are now %(role)s.",
                    count,
                )
                % {"count": count, "role": Role(role).label}
            ),
        )

    @admin.action(description=_("Make the selected people members"))
    def make_members(self, request: HttpRequest, queryset) -> None:
        self._change_role(request, queryset, Role.MEMBER)

    @admin.action(description=_("Make the selected people moderators"))
    def make_moderators(self, request: HttpRequest, queryset) -> None:
        self._change_role(request, queryset, Role.MODERATOR)

    @admin.action(description=_("Make the selected people owners"))
    def make_owners(self, request: HttpRequest, queryset) -> None:
        self._change_role(request, queryset, Role.OWNER)


@admin.register(JoinRequest)
class JoinRequestAdmin(ReadOnlyAdmin):
    list_display = ["user", "community", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["user__email", "community__name"]
    list_select_related = ["user", "community", "decided_by"]
    actions = ["approve_requests", "decline_requests"]

    def _pending(self, queryset):
        return queryset.filter(status=JoinRequestStatus.PENDING).select_related("user", "community")

    @admin.action(description=_("Approve the selected requests"))
    def approve_requests(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            self._pending(queryset),
            lambda join_request: services.approve_join_request(
                join_request=join_request, by=request.user
            ),
            lambda count: (
                ngettext("%(count)d request approved.", "%(count)d requests approved.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Decline the selected requests"))
    def decline_requests(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            self._pending(queryset),
            lambda join_request: services.decline_join_request(
                join_request=join_request, by=request.user
            ),
            lambda count: (
                ngettext("%(count)d request declined.", "%(count)d requests declined.", count)
                % {"count": count}
            ),
        )


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations are sent from a community's moderation page, which applies the rules
    about member types and rate limits; here they can only be revoked."""

    list_display = ["__str__", "community", "member_type", "use_count", "max_uses", "expires_at"]
    list_filter = ["member_type"]
    search_fields = ["email", "community__name"]
    list_select_related = ["community"]
    exclude = ["token"]
    actions = ["revoke_invitations"]

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke_invitations(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            queryset.select_related("community"),
            lambda invitation: services.revoke_invitation(invitation=invitation, by=request.user),
            lambda count: (
                ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", count)
                % {"count": count}
            ),
        )


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    """Bans are made by removing a member with a ban (here, from the memberships list)."""

    list_display = ["user", "community", "banned_by", "created_at"]
    search_fields = ["user__email", "community__name"]
    list_select_related = ["user", "community", "banned_by"]
    actions = ["lift_bans"]

    @admin.action(description=_("Lift the selected bans"))
    def lift_bans(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            queryset.select_related("user", "community"),
            lambda ban: services.unban(community=ban.community, user=ban.user, by=request.user),
            lambda count: (
                ngettext("%(count)d ban lifted.", "%(count)d bans lifted.", count)
                % {"count": count}
            ),
        )
