from django.contrib import admin

from webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "community", "is_enabled", "consecutive_failures", "created_at"]
    list_filter = ["is_enabled"]
    raw_id_fields = ["community", "created_by"]
    exclude = ["secret"]
    readonly_fields = ["consecutive_failures", "disabled_automatically_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["uid", "event", "endpoint", "state", "attempts", "response_status"]
    list_filter = ["state", "event"]
    raw_id_fields = ["endpoint", "redelivery_of"]
    readonly_fields = [field.name for field in Delivery._meta.fields]
