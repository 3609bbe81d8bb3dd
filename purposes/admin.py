from django.contrib import admin

from purposes.models import Challenge, Goal, Measurement, Purpose, PurposeStatusChange


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ["metric", "unit", "baseline", "target", "direction", "current_value", "due_date"]
    readonly_fields = ["current_value"]


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["owners"]
    readonly_fields = ["statement_html", "status_changed_at"]
    inlines = [GoalInline]


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["goal", "value", "measured_on", "recorded_by"]
    list_select_related = ["goal", "recorded_by"]
    raw_id_fields = ["goal", "recorded_by"]


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["title", "purpose", "opens_at", "closes_at"]
    list_select_related = ["purpose"]
    search_fields = ["title", "purpose__title"]


@admin.register(PurposeStatusChange)
class PurposeStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["purpose", "from_status", "to_status", "changed_by", "changed_at"]
    list_select_related = ["purpose", "changed_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
