from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import MemberType, MemberTypeChange, Organisation, OrganisationDomain, User
from core.text import validate_single_line


class OrganisationDomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1
    fields = ["domain", "is_verified"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "require_mfa", "created_at"]
    list_filter = ["kind", "require_mfa"]
    search_fields = ["name", "domains__domain"]
    inlines = [OrganisationDomainInline]


@admin.register(OrganisationDomain)
class OrganisationDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "organisation", "is_verified"]
    list_filter = ["is_verified", "organisation__kind"]
    search_fields = ["domain", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]


class MemberTypeChangeInline(admin.TabularInline):
    model = MemberTypeChange
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = [
        "changed_at",
        "changed_by",
        "from_organisation",
        "to_organisation",
        "from_member_type",
        "to_member_type",
        "reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PersonChangeForm(UserChangeForm):
    def clean_display_name(self) -> str:
        display_name = self.cleaned_data["display_name"]
        validate_single_line(display_name)
        return display_name

    def clean(self):
        cleaned_data = super().clean()
        # A new organisation or type goes through services.change_member_type, which
        # accepts only a real type: say so on the form rather than fail while saving.
        if {"organisation", "member_type"} & set(self.changed_data) and (
            cleaned_data.get("member_type") not in MemberType.values
        ):
            self.add_error("member_type", _("Choose a valid member type."))
        return cleaned_data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PersonChangeForm
    ordering = ["email"]
    list_display = ["email", "display_name", "organisation", "member_type", "is_staff", "is_active"]
    list_filter = ["member_type", "organisation__kind", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    inlines = [MemberTypeChangeInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "bio", "avatar", "timezone", "language")}),
        (
            _("Organisation"),
            {"fields": ("organisation", "member_type", "member_type_set_by_admin")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["member_type_set_by_admin", "last_login", "date_joined"]

    def save_model(self, request, obj: User, form, change: bool) -> None:
        organisation_changed = {"organisation", "member_type"} & set(form.changed_data)
        if change and organisation_changed:
            # The change goes through the service so it is recorded; keep the other edits.
            new_organisation, new_type = obj.organisation, obj.member_type
            original = User.objects.get(pk=obj.pk)
            obj.organisation, obj.member_type = original.organisation, original.member_type
            super().save_model(request, obj, form, change)
            services.change_member_type(
                user=obj,
                organisation=new_organisation,
                member_type=new_type,
                changed_by=request.user,
            )
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)


@admin.register(MemberTypeChange)
class MemberTypeChangeAdmin(admin.ModelAdmin):
    list_display = ["user", "from_member_type", "to_member_type", "changed_by", "changed_at"]
    list_filter = ["to_member_type", "from_member_type"]
    search_fields = ["user__email", "changed_by__email"]
    list_select_related = ["user", "changed_by"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
