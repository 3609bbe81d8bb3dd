"""The demo shows a queue with items to handle; the scale seed grows flags and the log."""

from io import StringIO

import pytest
from django.core.management import call_command

from moderation.models import AuditEntry, Flag, ItemStatus, ReviewItem
from tests.discussions.test_seed_scale_discussions import seed

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_queue_to_handle_and_a_logged_action():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    open_items = ReviewItem.objects.filter(status=ItemStatus.OPEN)
    assert sorted(open_items.values_list("kind", "reason")) == [
        ("post", "flagged"),
        ("profile", "flagged"),
        ("thread", "held"),
    ]
    assert AuditEntry.objects.filter(action="hide").count() == 1


def test_the_scale_seed_grows_flags_and_audit_entries():
    output = seed()
    assert "Moderation:" in output
    assert ReviewItem.objects.count() > 100
    assert Flag.objects.count() >= ReviewItem.objects.count()
    assert AuditEntry.objects.count() == 5000
    # Seeding again with --reset replaces them rather than adding more.
    seed(reset=True)
    assert AuditEntry.objects.count() == 5000
