"""Demo data for a first look: organisations, people of each member type, purposes with
goals and history, communities of every kind, and discussions, ideas and a decision.
Idempotent."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_people
from communities.demo import seed_communities
from discussions.demo import seed_discussions
from moderation.demo import seed_moderation
from notifications.demo import seed_digests, seed_notifications
from purposes.demo import seed_purposes


class Command(BaseCommand):
    help = "Load demo organisations, people, purposes, communities and discussions (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        people, created = seed_people()
        purposes = seed_purposes(people)
        seed_communities(people, purposes)
        seed_discussions(people)
        seed_moderation(people)
        seed_notifications()
        seed_digests()

        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new people)."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ with:")
        for email, display_name, _bio, is_admin in PEOPLE:
            role = "administrator" if is_admin else people[email].member_type
            self.stdout.write(f"  {email:<28} {DEMO_PASSWORD}  ({display_name}, {role})")
