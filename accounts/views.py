from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import AccessTokenForm, ProfileForm, ServiceAccountForm, ServiceTokenForm
from accounts.permissions import is_administrator
from api import selectors as api_selectors
from api import services as api_services
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions.permissions import people_visible_to


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(pk=pk, among=people_visible_to(request.user))
    return render(request, "accounts/person_detail.html", {"person": person})


@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return redirect("settings_profile")


@login_required
@rate_limit("writes", methods=("POST",))
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


@login_required
@rate_limit("writes", methods=("POST",))
def settings_tokens(request: HttpRequest) -> HttpResponse:
    """The person's personal access tokens: make one (its secret is shown in this answer
    only, never stored or shown again), list them, revoke them."""
    user = request.user
    new_token = None
    form = AccessTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_token = api_services.create_token(
                user=user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Token “%(name)s” created. Copy it now: it will not be shown again.")
                % {"name": new_token.token.name},
            )
            form = AccessTokenForm()
    return render(
        request,
        "accounts/settings_tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": api_selectors.tokens_of(user=user),
        },
    )


@login_required
@require_POST
@rate_limit("writes")
def settings_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = api_services.revoke_token(user=request.user, token_id=token_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name},
        )
    return redirect("settings_tokens")


def _administrator_only(request: HttpRequest) -> None:
    """The service-account pages exist only for administrators: 404 for anyone else."""
    if not is_administrator(request.user):
        raise Http404


def _service_accounts_page(
    request: HttpRequest, *, form=None, new_token=None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/settings_service_accounts.html",
        {
            "form": form or ServiceAccountForm(),
            "token_form": ServiceTokenForm(),
            "new_token": new_token,
            "accounts": api_selectors.service_accounts(),
        },
        status=status,
    )


@login_required
@rate_limit("writes", methods=("POST",))
def settings_service_accounts(request: HttpRequest) -> HttpResponse:
    """Administrators make accounts for programs, each with tokens shown once. A service
    account never signs in to the site; it acts only through its tokens."""
    _administrator_only(request)
    form = ServiceAccountForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                account = services.create_service_account(
                    by=request.user, name=data["name"], member_type=data["member_type"]
                )
                new_token = api_services.create_service_token(
                    by=request.user, account=account, name=data["token_name"], scope=data["scope"]
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _(
                "Service account “%(name)s” created. Copy its token now: "
                "it will not be shown again."
            )
            messages.success(request, message % {"name": account.name})
            form = None
    return _service_accounts_page(request, form=form, new_token=new_token)


@login_required
@require_POST
@rate_limit("writes")
def settings_service_token_create(request: HttpRequest, account_id: int) -> HttpResponse:
    _administrator_only(request)
    account = api_selectors.get_service_account(account_id=account_id)
    form = ServiceTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect("settings_service_accounts")
    try:
        new_token = api_services.create_service_token(
            by=request.user, account=account, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("settings_service_accounts")
    messages.success(
        request,
        _("Token “%(name)s” created for %(account)s. Copy it now: it will not be shown again.")
        % {"name": new_token.token.name, "account": account.name},
    )
    return _service_accounts_page(request, new_token=new_token)


@login_required
@require_POST
@rate_limit("writes")
def settings_service_token_revoke(
    request: HttpRequest, account_id: int, token_id: int
) -> HttpResponse:
    _administrator_only(request)
    account = api_selectors.get_service_account(account_id=account_id)
    try:
        token = api_services.revoke_service_token(
            by=request.user, account=account, token_id=token_id
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
        )
    return redirect("settings_service_accounts")


def admin_login(request: HttpRequest) -> HttpResponse:
    """Stand in for the Django admin's own sign-in form, which checks only a password.

    A staff session must come from allauth's sign-in, so that two-factor authentication
    and the sign-in rate limits apply; whatever is posted here is never checked.
    """
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    user = request.user
    if user.is_authenticated:
        if is_administrator(user):
            return redirect(target)
        # Sending a signed-in person back to the sign-in page would only loop.
        raise PermissionDenied(_("Your account has no access to the administration pages."))
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


def admin_logout(request: HttpRequest) -> HttpResponse:
    """The admin's sign-out link leads to the site's own sign-out, which asks to confirm."""
    return redirect("account_logout")
