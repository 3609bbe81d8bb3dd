"""Administration of threads and posts: mostly for looking, since writes go through the
pages, whose services keep counters, rendered text, revisions and mentions right. The one
change made here, a thread's moderation flags, goes through the same moderation service.

Lists skip the full result count: with a million posts, counting them on every page view
would cost more than the page itself.
"""

from django.contrib import admin
from django.http import HttpRequest

from discussions.models import (
    Activity,
    Mention,
    Post,
    PostRevision,
    Reaction,
    Tag,
    Thread,
    ThreadSubscription,
)
from discussions.services import threads as services

MODERATION_FLAGS = {"is_pinned": "pinned", "is_locked": "locked", "is_closed": "closed"}


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "kind",
        "author",
        "post_count",
        "last_activity_at",
        "is_pinned",
        "is_locked",
        "is_closed",
    ]
    list_filter = ["kind", "is_pinned", "is_locked", "is_closed"]
    search_fields = ["title"]
    list_select_related = ["community", "author"]
    show_full_result_count = False
    # Only the moderation flags change here; text, counters and places change on the pages.
    fields = [
        "title",
        "community",
        "category",
        "kind",
        "author",
        "created_at",
        "last_activity_at",
        "post_count",
        "last_post_id_cache",
        "accepted_answer",
        "moved_from",
        "is_pinned",
        "is_locked",
        "is_closed",
    ]
    readonly_fields = [field for field in fields if field not in MODERATION_FLAGS]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # No service deletes a thread: it would skip the feed and counters. Moderators
        # delete posts on the pages.
        return False

    def save_model(self, request: HttpRequest, obj: Thread, form, change: bool) -> None:
        # Only the flags that changed, by `set_thread_state` as on the thread page: saving
        # the whole row would put back counters that a reply moved since the row was read.
        changes = {
            MODERATION_FLAGS[field]: form.cleaned_data[field]
            for field in form.changed_data
            if field in MODERATION_FLAGS
        }
        if changes:
            stored = Thread.objects.select_related("community").get(pk=obj.pk)
            services.set_thread_state(by=request.user, thread=stored, **changes)
        obj.refresh_from_db()


class RevisionInline(admin.TabularInline):
    model = PostRevision
    fields = ["created_at", "edited_by", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["pk", "thread", "author", "created_at", "edited_at", "deleted_at"]
    list_select_related = ["thread", "author"]
    raw_id_fields = ["thread", "author", "quoted_post", "deleted_by"]
    search_fields = ["thread__title"]
    readonly_fields = [
        "thread",
        "author",
        "body",
        "created_at",
        "edited_at",
        "revision_count",
        "deleted_at",
        "deleted_by",
        "deletion_reason",
    ]
    fields = readonly_fields
    inlines = [RevisionInline]


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    """Tags are made by the thread services, which keep them one short line, lower case and
    unique per community; none renames or deletes one."""

    list_display = ["name", "community"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ["post", "user", "kind", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["post", "user"]


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["post", "user"]
    list_select_related = ["post", "user"]


@admin.register(ThreadSubscription)
class ThreadSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["thread", "user", "following", "last_read_post_id", "updated_at"]
    list_filter = ["following"]
    list_select_related = ["thread", "user"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["kind", "community", "thread", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["community", "thread", "actor"]
