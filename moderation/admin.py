"""The audit log, the flags and the sanctions, read-only: they change only through the
moderation services, and the log is never edited or deleted. A silence or an account
sanction is lifted here by an action that calls the same service as the sanctions pages,
so the lifting is in the log; it is made or changed on those pages."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import AccountSanction
from communities.admin import run_service
from communities.models import Silence
from moderation import services
from moderation.models import AuditEntry, Flag, ReviewItem


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    list_display = ["created_at", "action", "actor", "community", "target_label", "subject"]
    list_filter = ["action"]
    list_select_related = ["actor", "community", "subject"]
    search_fields = ["target_label", "reason"]
    date_hierarchy = "created_at"
    raw_id_fields = ["actor", "community", "subject"]


@admin.register(ReviewItem)
class ReviewItemAdmin(_ReadOnly):
    list_display = ["pk", "kind", "community", "status", "reason", "open_flag_count", "queued_at"]
    list_filter = ["status", "kind", "reason"]
    list_select_related = ["community"]
    raw_id_fields = ["community", "thread", "post", "person", "author", "resolved_by"]


@admin.register(Flag)
class FlagAdmin(_ReadOnly):
    list_display = ["pk", "item", "flagger", "reason", "counts", "created_at", "resolved_at"]
    list_filter = ["reason"]
    list_select_related = ["flagger", "item"]
    raw_id_fields = ["item", "flagger"]


@admin.register(Silence)
class SilenceAdmin(_ReadOnly):
    list_display = ["user", "community", "reason", "silenced_by", "created_at", "ends_at"]
    list_filter = ["ends_at"]
    list_select_related = ["user", "community", "silenced_by"]
    search_fields = ["user__email", "user__display_name", "community__name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["community", "user", "silenced_by"]
    actions = ["lift_silences"]

    @admin.action(description=_("Lift the selected silences"))
    def lift_silences(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            queryset.select_related("user", "community"),
            lambda silence: services.lift_community_sanction(
                by=request.user, community=silence.community, user=silence.user, kind="silence"
            ),
            lambda count: (
                ngettext("%(count)d silence lifted.", "%(count)d silences lifted.", count)
                % {"count": count}
            ),
        )


@admin.register(AccountSanction)
class AccountSanctionAdmin(_ReadOnly):
    list_display = ["user", "kind", "reason", "created_by", "created_at", "ends_at"]
    list_filter = ["kind", "ends_at"]
    list_select_related = ["user", "created_by"]
    search_fields = ["user__email", "user__display_name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "created_by"]
    actions = ["lift_sanctions"]

    @admin.action(description=_("Lift the selected account sanctions"))
    def lift_sanctions(self, request: HttpRequest, queryset) -> None:
        run_service(
            self,
            request,
            queryset.select_related("user"),
            lambda sanction: services.lift_account_sanction(
                by=request.user, user=sanction.user, kind=sanction.kind
            ),
            lambda count: (
                ngettext(
                    "%(count)d account sanction lifted.",
                    "%(count)d account sanctions lifted.",
                    count,
                )
                % {"count": count}
            ),
        )
