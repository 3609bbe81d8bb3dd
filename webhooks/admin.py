"""Endpoints and deliveries for administrators to look at; endpoints are added and changed
on the site's pages, where their address is checked, and only switched on or off here."""

from django.contrib import admin

from webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "community", "is_enabled", "consecutive_failures", "created_at"]
    list_filter = ["is_enabled"]
    fields = [
        "url",
        "community",
        "description",
        "events",
        "is_enabled",
        "consecutive_failures",
        "disabled_automatically_at",
        "created_by",
        "created_at",
    ]
    readonly_fields = [name for name in fields if name != "is_enabled"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["uid", "event", "endpoint", "state", "attempts", "response_status"]
    list_filter = ["state", "event"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
