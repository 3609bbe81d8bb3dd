from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import selectors, services
from accounts.forms import ProfileForm
from core.forms import add_service_errors
from discussions.permissions import people_visible_to


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(pk=pk, among=people_visible_to(request.user))
    return render(request, "accounts/person_detail.html", {"person": person})


@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return redirect("settings_profile")


@login_required
def settings_profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.update_profile(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    timezone=form.cleaned_data["timezone"],
                    language=form.cleaned_data["language"],
                    avatar=form.cleaned_data.get("avatar"),
                    remove_avatar=form.cleaned_data["remove_avatar"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("settings_profile")
        user.refresh_from_db()
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "bio": user.bio,
                "timezone": user.timezone,
                "language": user.language,
            }
        )
    return render(request, "accounts/settings_profile.html", {"form": form})
