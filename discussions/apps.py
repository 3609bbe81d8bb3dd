from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Discussions, ideas and decisions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import audit, events
        from discussions.selectors import ideas, search

        events.subscribe(search.forget_rankings)
        audit.register(search.forget_rankings_after_action)
        events.subscribe(ideas.forget_purpose_links)
        audit.register(ideas.forget_purpose_links_after_action)
