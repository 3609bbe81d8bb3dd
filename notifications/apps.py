from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import events
        from notifications import services

        events.subscribe(services.record_event)
        events.subscribe(services.follow_moved_thread)
