from django.contrib import admin

from communities.models import Ban, Category, Community, Invitation, JoinRequest, Membership


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
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
    readonly_fields = ["member_count", "description_html", "guidelines_html"]
    inlines = [CategoryInline]
    autocomplete_fields = ["purpose"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "joined_via", "joined_at"]
    list_filter = ["role", "joined_via"]
    search_fields = ["user__email", "user__display_name", "community__name"]
    list_select_related = ["user", "community"]
    raw_id_fields = ["user", "community"]

    def has_add_permission(self, request) -> bool:
        # Memberships change through the pages so counters and rules stay right.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["user__email", "community__name"]
    list_select_related = ["user", "community", "decided_by"]
    raw_id_fields = ["user", "community", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "community", "member_type", "use_count", "max_uses", "expires_at"]
    list_filter = ["member_type"]
    search_fields = ["email", "community__name"]
    list_select_related = ["community"]
    raw_id_fields = ["community", "invited_by"]
    readonly_fields = ["token", "use_count"]


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "banned_by", "created_at"]
    search_fields = ["user__email", "community__name"]
    list_select_related = ["user", "community", "banned_by"]
    raw_id_fields = ["user", "community", "banned_by"]
