"""The admin shows purposes, goals, measurements, challenges and status history; every
change it makes goes through `purposes.services`, as on the site's own pages, so statements
are rendered, status changes are recorded, a measurement moves its goal's current value and
single-line fields stay on one line. What the services cannot do (delete anything, edit a
measurement or a challenge, write the status history) the admin does not offer either."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import validate_single_line
from purposes import services
from purposes.models import (
    Challenge,
    Goal,
    Measurement,
    Purpose,
    PurposeFollow,
    PurposeStatusChange,
)

TARGET_MESSAGE = _("The target must differ from the baseline, or there is nothing to move.")


class ServiceAdmin(admin.ModelAdmin):
    """Saves through a service in `save_model` / `save_related`. The forms check what the
    services check, so a refusal here means something changed meanwhile (an address taken
    a moment ago): the administrator is told why and nothing is saved or logged."""

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def refuse(self, request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
        reasons = getattr(error, "messages", None) or [_("You are not allowed to do that.")]
        self.message_user(request, " ".join(str(reason) for reason in reasons), messages.ERROR)
        request.purposes_admin_refused = True

    @staticmethod
    def refused(request: HttpRequest) -> bool:
        return getattr(request, "purposes_admin_refused", False)

    def log_addition(self, request: HttpRequest, obj, message):
        if not self.refused(request):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request: HttpRequest, obj, message):
        if not self.refused(request):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request: HttpRequest, obj, post_url_continue=None):
        if self.refused(request):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj):
        if self.refused(request):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class GoalAdminForm(forms.ModelForm):
    """Says on the form what `services.add_goal` / `update_goal` would refuse."""

    class Meta:
        model = Goal
        fields = ["metric", "unit", "baseline", "target", "due_date"]

    def clean_metric(self) -> str:
        metric = self.cleaned_data["metric"]
        validate_single_line(metric)
        return metric

    def clean_unit(self) -> str:
        unit = self.cleaned_data["unit"]
        validate_single_line(unit)
        return unit

    def clean(self):
        cleaned_data = super().clean()
        baseline, target = cleaned_data.get("baseline"), cleaned_data.get("target")
        if baseline is not None and target is not None and baseline == target:
            self.add_error("target", TARGET_MESSAGE)
        return cleaned_data


class GoalInline(admin.TabularInline):
    """Goals are added and edited by the goal services (see `PurposeAdmin.save_related`);
    the direction follows from the target, the current value from the measurements."""

    model = Goal
    form = GoalAdminForm
    extra = 0
    fields = ["metric", "unit", "baseline", "target", "direction", "current_value", "due_date"]
    readonly_fields = ["direction", "current_value"]
    can_delete = False


class PurposeAdminForm(forms.ModelForm):
    class Meta:
        model = Purpose
        fields = ["title", "slug", "statement", "cover_colour", "owners", "status"]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        validate_single_line(title)
        return title


@admin.register(Purpose)
class PurposeAdmin(ServiceAdmin):
    """A purpose and its goals are saved together in one transaction by the services: the
    statement is rendered, a status change is recorded in the history."""

    form = PurposeAdminForm
    list_display = ["title", "status", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["owners"]
    # The cover image is not uploaded anywhere yet; an upload here would skip the checks
    # the site's uploads make.
    readonly_fields = ["statement_html", "status_changed_at", "cover_image"]
    inlines = [GoalInline]

    def save_model(self, request: HttpRequest, obj: Purpose, form, change: bool) -> None:
        # Written in save_related, with the goals, once the formsets are saved too.
        pass

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The admin's change message reads these, saved or refused.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            with transaction.atomic():
                purpose = self._save_purpose(request, form, change)
                for formset in formsets:
                    self._save_goals(request, formset, purpose)
        except (ValidationError, PermissionDenied) as error:
            self.refuse(request, error)

    @staticmethod
    def _save_purpose(request: HttpRequest, form, change: bool) -> Purpose:
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "slug": data["slug"],
            "statement": data["statement"],
            "cover_colour": data["cover_colour"],
            "owners": list(data["owners"]),
        }
        if not change:
            purpose = services.create_purpose(by=request.user, status=data["status"], **fields)
        else:
            # The services compare with the stored row (the status before the change).
            purpose = services.update_purpose(
                purpose=Purpose.objects.get(pk=form.instance.pk), by=request.user, **fields
            )
            purpose = services.change_purpose_status(
                purpose=purpose, by=request.user, status=data["status"]
            )
        # The admin goes on with the form's instance: the log and the redirect need its key.
        form.instance.pk = purpose.pk
        form.instance.refresh_from_db()
        return purpose

    @staticmethod
    def _save_goals(request: HttpRequest, formset, purpose: Purpose) -> None:
        for goal_form in formset.forms:
            if not goal_form.has_changed():
                continue
            fields = {
                name: goal_form.cleaned_data[name]
                for name in ("metric", "unit", "baseline", "target", "due_date")
            }
            if goal_form.instance.pk is None:
                goal = services.add_goal(purpose=purpose, by=request.user, **fields)
                formset.new_objects.append(goal)
            else:
                goal = services.update_goal(
                    goal=Goal.objects.select_related("purpose").get(pk=goal_form.instance.pk),
                    by=request.user,
                    **fields,
                )
                formset.changed_objects.append((goal, goal_form.changed_data))


class MeasurementAdminForm(forms.ModelForm):
    """Says on the form what `services.record_measurement` would refuse."""

    class Meta:
        model = Measurement
        fields = ["goal", "value", "measured_on", "note"]

    def clean_measured_on(self):
        measured_on = self.cleaned_data["measured_on"]
        if measured_on > timezone.localdate():
            raise ValidationError(_("A measurement cannot be dated in the future."))
        return measured_on


@admin.register(Measurement)
class MeasurementAdmin(ServiceAdmin):
    """Measurements are recorded by `services.record_measurement`, which moves the goal's
    current value; a recorded measurement is not edited (no service does that)."""

    form = MeasurementAdminForm
    list_display = ["goal", "value", "measured_on", "recorded_by"]
    list_select_related = ["goal", "recorded_by"]
    raw_id_fields = ["goal"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Measurement, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            measurement = services.record_measurement(
                goal=Goal.objects.select_related("purpose").get(pk=data["goal"].pk),
                by=request.user,
                value=data["value"],
                measured_on=data["measured_on"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            self.refuse(request, error)
            return
        obj.pk = measurement.pk
        obj.refresh_from_db()


class ChallengeAdminForm(forms.ModelForm):
    """Says on the form what `services.create_challenge` would refuse."""

    class Meta:
        model = Challenge
        fields = ["purpose", "title", "question", "description", "opens_at", "closes_at"]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        validate_single_line(title)
        return title

    def clean_question(self) -> str:
        question = self.cleaned_data["question"]
        validate_single_line(question)
        return question

    def clean(self):
        cleaned_data = super().clean()
        opens_at, closes_at = cleaned_data.get("opens_at"), cleaned_data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        return cleaned_data


@admin.register(Challenge)
class ChallengeAdmin(ServiceAdmin):
    """Challenges are created by `services.create_challenge`, which renders the description;
    no service edits one, so a created challenge is only looked at here."""

    form = ChallengeAdminForm
    list_display = ["title", "purpose", "opens_at", "closes_at"]
    list_select_related = ["purpose"]
    search_fields = ["title", "purpose__title"]
    autocomplete_fields = ["purpose"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Challenge, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            challenge = services.create_challenge(
                purpose=data["purpose"],
                by=request.user,
                title=data["title"],
                question=data["question"],
                description=data["description"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
            )
        except (ValidationError, PermissionDenied) as error:
            self.refuse(request, error)
            return
        obj.pk = challenge.pk
        obj.refresh_from_db()


@admin.register(PurposeStatusChange)
class PurposeStatusChangeAdmin(ReadOnlyAdmin):
    """The history is written by `services.change_purpose_status` only."""

    list_display = ["purpose", "from_status", "to_status", "changed_by", "changed_at"]
    list_select_related = ["purpose", "changed_by"]


@admin.register(PurposeFollow)
class PurposeFollowAdmin(ReadOnlyAdmin):
    """Who follows which purpose: people follow and unfollow themselves, from its page."""

    list_display = ["purpose", "user", "created_at"]
    list_select_related = ["purpose", "user"]
    list_filter = ["purpose"]
    search_fields = ["user__email", "purpose__title"]
