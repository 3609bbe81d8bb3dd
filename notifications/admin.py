"""Administration of notifications: for looking only. Writes go through the services,
which keep the (recipient, event) uniqueness and the bell's counters right."""

from django.contrib import admin

from notifications.models import DigestRecord, Event, Notification, NotificationSettings


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["kind", "object_id", "community", "created_at", "fanned_out_at"]
    list_filter = ["kind"]
    raw_id_fields = ["actor", "community", "thread", "post"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "kind", "community", "created_at", "read_at", "email_state"]
    list_filter = ["kind", "email_state"]
    raw_id_fields = ["recipient", "event", "community", "thread"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(ReadOnlyAdmin):
    list_display = ["user", "digest_cadence", "daily_email_cap", "unread_count"]
    raw_id_fields = ["user"]


@admin.register(DigestRecord)
class DigestRecordAdmin(ReadOnlyAdmin):
    """Each person's digest per period: sent, or recorded empty (nothing happened)."""

    list_display = ["user", "period", "cadence", "due_at", "state", "item_count"]
    list_filter = ["state", "cadence"]
    raw_id_fields = ["user"]
