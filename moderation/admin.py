"""The audit log and the flags, read-only: they change only through the moderation
services, and the log is never edited or deleted."""

from django.contrib import admin
from django.http import HttpRequest

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
