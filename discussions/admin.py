"""Administration of threads and posts: mostly for looking, since writes go through the
pages, whose services keep counters, rendered text, revisions and mentions right.

Lists skip the full result count: with a million posts, counting them on every page view
would cost more than the page itself.
"""

from django.contrib import admin

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
    readonly_fields = [
        field for field in fields if field not in ("is_pinned", "is_locked", "is_closed")
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a thread here would skip the feed and counters; moderators delete posts.
        return request.user.is_superuser


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
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]
    raw_id_fields = ["community"]


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
