"""Thread pages: the community's list, starting a thread, a thread with its posts, replies,
edits and their history, deletion, reactions, accepted answers, following, moderation.

Views parse forms and call selectors and services; they hold no rules. A thread someone
may not read answers 404, exactly as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from communities.models import Community
from communities.selectors import community_categories, get_community_for, get_readable_community
from core import params
from core.forms import add_service_errors
from core.ratelimit import rate_limit
from discussions import fragments, permissions
from discussions.forms import (
    DeletePostForm,
    EditPostForm,
    ModerateThreadForm,
    MoveThreadForm,
    ReactionForm,
    ReplyForm,
    ThreadFilterForm,
    ThreadForm,
)
from discussions.models import Post, Thread, ThreadKind
from discussions.selectors import threads as selectors
from discussions.selectors.decisions import decision_panel_context
from discussions.selectors.ideas import idea_panel_context
from discussions.services import threads as services
from moderation import limits

PANELS = {
    ThreadKind.IDEA: idea_panel_context,
    ThreadKind.DECISION: decision_panel_context,
}


def _messages_of(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not do that here.")


def _load(request: HttpRequest, slug: str, thread_id: int) -> tuple[Community, Thread]:
    community = get_community_for(user=request.user, slug=slug)
    return community, selectors.get_thread(
        user=request.user, community=community, thread_id=thread_id
    )


def post_url(post: Post, thread: Thread) -> str:
    """The thread page that starts at `post`, scrolled to it."""
    return f"{thread.get_absolute_url()}?after={post.pk - 1}#post-{post.pk}"


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# -- the list -------------------------------------------------------------------------------------


def thread_list(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_readable_community(
        user=request.user, slug=slug, with_categories=True, with_purpose=False
    )
    categories = community_categories(community)
    # Bound only when a filter is asked for: a later page of the whole list (`after`
    # alone) shows the same empty form as the first, without validating one.
    filtering = any(request.GET.get(name) for name in ThreadFilterForm.base_fields)
    form = ThreadFilterForm(request.GET if filtering else None, categories=categories)
    filters = selectors.ThreadFilters()
    if form.is_bound and form.is_valid():
        by_id = {category.pk: category for category in categories}
        filters = selectors.ThreadFilters(
            kind=form.cleaned_data["kind"],
            category=by_id.get(form.cleaned_data.get("category") or 0),
            tag=form.cleaned_data["tag"].strip(),
        )
    page = selectors.thread_page(
        user=request.user, community=community, filters=filters, after=request.GET.get("after")
    )
    return render(
        request,
        "discussions/threads/thread_list.html",
        {
            "community": community,
            "page": page,
            "rows_html": fragments.thread_rows(page.items, community.slug, show_tags=True),
            "form": form,
            "filters": filters,
            "can_post": permissions.can_post(request.user, community),
            "post_refusal": permissions.post_refusal(request.user, community),
        },
    )


# -- starting a thread -----------------------------------------------------------------------------


@login_required
@rate_limit("writes", methods=("POST",))
def thread_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for(user=request.user, slug=slug)
    refusal = permissions.post_refusal(request.user, community)
    if refusal:
        messages.error(request, refusal)
        return redirect(community)
    categories = community_categories(community)
    kind = request.GET.get("kind")
    if kind not in (ThreadKind.DISCUSSION, ThreadKind.QUESTION):
        kind = ThreadKind.DISCUSSION
    initial = {"kind": kind}
    form = ThreadForm(request.POST or None, initial=initial, categories=categories)
    status, limit = 200, None
    if request.method == "POST" and form.is_valid():
        limit = limits.posting_refusal(request, body=form.cleaned_data["body"], new_thread=True)
        if limit is not None:
            status = limits.show_in_form(form, limit)
    if request.method == "POST" and form.is_valid():
        try:
            thread = services.start_thread(
                author=request.user,
                community=community,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                category=form.cleaned_data.get("category"),
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, _("Your thread is posted."))
            return redirect(thread)
    response = render(
        request,
        "discussions/threads/thread_form.html",
        {"community": community, "form": form},
        status=status,
    )
    return limits.with_retry_after(response, limit)


# -- a thread ----------------------------------------------------------------------------------


def _thread_context(
    request: HttpRequest, community: Community, thread: Thread, reply_form: ReplyForm | None
) -> dict:
    user = request.user
    post_page = selectors.thread_posts(
        user=user,
        thread=thread,
        after=params.positive_int(request.GET.get("after")),
        before=params.positive_int(request.GET.get("before")),
    )
    quoted = None
    quote_id = request.GET.get("quote")
    if reply_form is not None and reply_form.is_bound:
        quote_id = reply_form.data.get("quoted_post")
    quote_id = params.positive_int(quote_id)
    if quote_id:
        quoted = next((post for post in post_page.items if post.pk == quote_id), None)
        if quoted is None:
            try:
                quoted = selectors.get_post(thread=thread, post_id=quote_id)
            except Http404:
                quoted = None
        if quoted is not None and quoted.is_deleted:
            quoted = None
    if reply_form is None:
        reply_form = ReplyForm(initial={"quoted_post": quoted.pk if quoted else None})
    last_read = thread.viewer_last_read
    reply_refusal = permissions.reply_refusal(user, thread)
    can_reply = user.is_authenticated and reply_refusal is None
    accepted = (
        thread.accepted_answer
        if thread.accepted_answer and not thread.accepted_answer.is_deleted
        else None
    )
    context = {
        "community": community,
        "thread": thread,
        "post_page": post_page,
        "reply_form": reply_form,
        "quoted": quoted,
        "quoted_excerpt": selectors.quote_excerpt(quoted) if quoted else "",
        "reply_refusal": reply_refusal,
        "can_reply": can_reply,
        "can_moderate": permissions.can_moderate(user, community),
        "following": bool(thread.viewer_following),
        "muted": bool(thread.viewer_muted),
        "can_follow": permissions.can_follow(user, thread),
        "first_unread_url": (
            f"{thread.get_absolute_url()}?after={last_read}"
            if last_read is not None and last_read < thread.last_post_id_cache
            else ""
        ),
        "accepted": accepted,
        "reply_fields": fragments.reply_fields,
        "post_list_html": fragments.post_list(
            thread=thread,
            posts=post_page.items,
            accepted=accepted,
            viewer=user,
            can_reply=can_reply,
        ),
    }
    panel = PANELS.get(thread.kind)
    if panel is not None:
        context.update(panel(user=user, thread=thread))
    return context


def thread_detail(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    try:
        thread = selectors.get_thread_at(user=request.user, slug=slug, thread_id=thread_id)
    except Http404:
        # The community's own 404 (it cannot be seen) stands; a thread that is not there
        # may have moved to another community the reader may read.
        community = get_community_for(user=request.user, slug=slug)
        moved = selectors.find_moved_thread(user=request.user, thread_id=thread_id)
        if moved is None or moved.community_id == community.pk:
            raise
        return redirect(moved)
    community = thread.community
    context = _thread_context(request, community, thread, None)
    items = context["post_page"].items
    if items:
        services.record_read(
            user=request.user, thread=thread, post_id=items[-1].pk, known=thread.viewer_last_read
        )
    return render(request, "discussions/threads/thread_detail.html", context)


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def thread_reply(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    community, thread = _load(request, slug, thread_id)
    form = ReplyForm(request.POST)
    status, limit = 200, None
    if form.is_valid() and permissions.can_reply(request.user, thread):
        limit = limits.posting_refusal(request, body=form.cleaned_data["body"], new_thread=False)
        if limit is not None:
            status = limits.show_in_form(form, limit)
    if form.is_valid():
        quoted = None
        if form.cleaned_data["quoted_post"]:
            try:
                quoted = selectors.get_post(thread=thread, post_id=form.cleaned_data["quoted_post"])
            except Http404:
                form.add_error(None, _("The post you quoted is not in this thread."))
        if not form.errors:
            try:
                post = services.post_reply(
                    author=request.user,
                    thread=thread,
                    body=form.cleaned_data["body"],
                    quoted_post=quoted,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your reply is posted."))
                return redirect(f"{thread.get_absolute_url()}?before={post.pk + 1}#post-{post.pk}")
    response = render(
        request,
        "discussions/threads/thread_detail.html",
        _thread_context(request, community, thread, form),
        status=status,
    )
    return limits.with_retry_after(response, limit)


@login_required
@require_POST
@rate_limit("follows")
def thread_follow(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    _community, thread = _load(request, slug, thread_id)
    choice = request.POST.get("following")
    following = choice == "1"
    try:
        if choice in ("mute", "unmute"):
            services.set_muted(user=request.user, thread=thread, muted=choice == "mute")
        else:
            services.set_following(user=request.user, thread=thread, following=following)
    except PermissionDenied as error:
        raise PermissionDenied(_messages_of(error)) from error
    if choice == "mute":
        messages.success(request, _("You muted this thread: nothing from it will reach you."))
    elif choice == "unmute":
        messages.success(request, _("This thread is no longer muted."))
    elif following:
        messages.success(request, _("You follow this thread."))
    else:
        messages.success(request, _("You no longer follow this thread."))
    return _redirect(request, thread.get_absolute_url())


# -- posts -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("writes", methods=("POST",))
def post_edit(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    community, thread = _load(request, slug, thread_id)
    post = selectors.get_post(thread=thread, post_id=post_id)
    refusal = permissions.edit_refusal(request.user, post)
    if refusal:
        raise PermissionDenied(refusal)
    initial = {"body": post.body, "title": thread.title}
    form = EditPostForm(request.POST or None, initial=initial, with_title=post.is_first)
    if request.method == "POST" and form.is_valid():
        limit = limits.content_refusal(request.user, form.cleaned_data["body"])
        if limit is not None:
            limits.show_in_form(form, limit)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_post(
                by=request.user,
                post=post,
                body=form.cleaned_data["body"],
                title=form.cleaned_data.get("title"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(post_url(post, thread))
    return render(
        request,
        "discussions/threads/post_edit.html",
        {"community": community, "thread": thread, "post": post, "form": form},
    )


def post_revisions(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    community, thread = _load(request, slug, thread_id)
    post = selectors.get_post(thread=thread, post_id=post_id)
    if not permissions.can_see_revisions(request.user, post):
        raise Http404
    return render(
        request,
        "discussions/threads/post_revisions.html",
        {
            "community": community,
            "thread": thread,
            "post": post,
            "page": selectors.post_revisions(post=post, after=request.GET.get("after")),
        },
    )


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def post_delete(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    _community, thread = _load(request, slug, thread_id)
    post = selectors.get_post(thread=thread, post_id=post_id)
    form = DeletePostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _messages_of(ValidationError(form.errors["reason"])))
        return redirect(post_url(post, thread))
    try:
        services.delete_post(by=request.user, post=post, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("The post is deleted."))
    return redirect(post_url(post, thread))


@login_required
@require_POST
@rate_limit("reactions")
def post_react(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    _community, thread = _load(request, slug, thread_id)
    post = selectors.get_post(thread=thread, post_id=post_id)
    form = ReactionForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Choose one of the offered reactions.")
    else:
        try:
            services.toggle_reaction(user=request.user, post=post, kind=form.cleaned_data["kind"])
        except (ValidationError, PermissionDenied) as problem:
            error = _messages_of(problem)
    if request.htmx:
        post.can_react = permissions.can_react(request.user, post)
        post.reaction_list = selectors.reactions_of(user=request.user, post=post)
        return render(
            request,
            "discussions/threads/_reactions.html",
            {"post": post, "thread": thread, "community": thread.community, "error": error},
            status=200 if error is None else 403,
        )
    if error:
        messages.error(request, error)
    return redirect(post_url(post, thread))


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def post_accept(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    _community, thread = _load(request, slug, thread_id)
    post = selectors.get_post(thread=thread, post_id=post_id)
    clear = request.POST.get("action") == "clear"
    try:
        services.accept_answer(by=request.user, thread=thread, post=None if clear else post)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        if clear:
            messages.success(request, _("The answer is no longer marked as accepted."))
        else:
            messages.success(request, _("Answer accepted."))
    return redirect(thread)


# -- mentions ----------------------------------------------------------------------------------


def _mention_response(request: HttpRequest, community: Community, url: str) -> HttpResponse:
    """GET: up to 8 readers matching `q`. POST: the text area with `person` mentioned."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_post(request.user, community):
        raise PermissionDenied
    if request.method == "POST":
        person = selectors.get_reader(community=community, person_id=request.POST.get("person"))
        body = request.POST.get("body", "")
        if person is not None:
            body = f"{body.rstrip()} @{person.name} ".lstrip()
        form = ReplyForm(initial={"body": body})
        return render(
            request,
            "discussions/threads/_mention_insert.html",
            {"field": form["body"]},
        )
    query = params.text(request.GET.get("q", ""))
    people = selectors.mention_suggestions(community=community, query=query)
    return render(
        request,
        "discussions/threads/_mention_results.html",
        {"people": people, "insert_url": url, "query": query},
    )


@require_http_methods(["GET", "POST"])
@rate_limit("lookups", methods=("GET",))
def thread_mentions(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    community, thread = _load(request, slug, thread_id)
    return _mention_response(
        request, community, reverse("thread_mentions", args=[community.slug, thread.pk])
    )


@require_http_methods(["GET", "POST"])
@rate_limit("lookups", methods=("GET",))
def community_mentions(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for(user=request.user, slug=slug)
    return _mention_response(request, community, reverse("community_mentions", args=[slug]))


# -- moderation --------------------------------------------------------------------------------

MODERATION_ACTIONS = {
    "pin": ({"pinned": True}, gettext_lazy("Thread pinned.")),
    "unpin": ({"pinned": False}, gettext_lazy("Thread unpinned.")),
    "lock": ({"locked": True}, gettext_lazy("Thread locked: no new replies.")),
    "unlock": ({"locked": False}, gettext_lazy("Thread unlocked.")),
    "close": ({"closed": True}, gettext_lazy("Thread closed.")),
    "reopen": ({"closed": False}, gettext_lazy("Thread reopened.")),
}


@login_required
@require_POST
@rate_limit("writes", methods=("POST",))
def thread_moderate(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    community, thread = _load(request, slug, thread_id)
    if not permissions.can_moderate(request.user, community):
        raise PermissionDenied
    form = ModerateThreadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a moderation action."))
        return redirect(thread)
    changes, message = MODERATION_ACTIONS[form.cleaned_data["action"]]
    services.set_thread_state(by=request.user, thread=thread, **changes)
    messages.success(request, str(message))
    return redirect(thread)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("writes", methods=("POST",))
def thread_move(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    community, thread = _load(request, slug, thread_id)
    if not permissions.can_moderate(request.user, community):
        raise PermissionDenied
    targets = selectors.move_targets(user=request.user, thread=thread)
    form = MoveThreadForm(request.POST or None, targets=targets)
    chosen = None
    if request.method == "POST" and form.is_valid():
        chosen = next(t for t in targets if t.community.pk == form.cleaned_data["target"])
        try:
            services.move_thread(
                by=request.user,
                thread=thread,
                target=chosen.community,
                confirm_wider=form.cleaned_data["confirm"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(
                request,
                _("Thread moved to %(name)s.") % {"name": chosen.community.name},
            )
            return redirect(thread)
    return render(
        request,
        "discussions/threads/thread_move.html",
        {
            "community": community,
            "thread": thread,
            "form": form,
            "targets": targets,
            "chosen": chosen,
        },
    )


community_urlpatterns: list[URLPattern] = [
    path("threads/", thread_list, name="thread_list"),
    path("threads/new/", thread_create, name="thread_create"),
    path("threads/mentions/", community_mentions, name="community_mentions"),
    path("threads/<int:thread_id>/", thread_detail, name="thread_detail"),
    path("threads/<int:thread_id>/reply/", thread_reply, name="thread_reply"),
    path("threads/<int:thread_id>/follow/", thread_follow, name="thread_follow"),
    path("threads/<int:thread_id>/moderate/", thread_moderate, name="thread_moderate"),
    path("threads/<int:thread_id>/move/", thread_move, name="thread_move"),
    path("threads/<int:thread_id>/mentions/", thread_mentions, name="thread_mentions"),
    path("threads/<int:thread_id>/posts/<int:post_id>/edit/", post_edit, name="post_edit"),
    path(
        "threads/<int:thread_id>/posts/<int:post_id>/revisions/",
        post_revisions,
        name="post_revisions",
    ),
    path("threads/<int:thread_id>/posts/<int:post_id>/delete/", post_delete, name="post_delete"),
    path("threads/<int:thread_id>/posts/<int:post_id>/react/", post_react, name="post_react"),
    path("threads/<int:thread_id>/posts/<int:post_id>/accept/", post_accept, name="post_accept"),
]
# Routes at the site's root.
site_urlpatterns: list[URLPattern] = []
