from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import mail
from core.models import EmailDelivery, OutboxMessage


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipients", "subject", "status", "attempts", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["recipients", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    actions = ["resend"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "sent_at",
        "kind",
        "recipients",
        "subject",
        "status",
        "attempts",
        "error",
        "message_id",
        "message",
        "user",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send the selected emails again"))
    def resend(self, request, queryset) -> None:
        count = mail.resend_deliveries(list(queryset))
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be sent again.",
                "%(count)d emails will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "task", "queue", "state", "attempts", "enqueued_at", "last_error"]
    list_filter = ["queue", "task"]
    search_fields = ["task"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
