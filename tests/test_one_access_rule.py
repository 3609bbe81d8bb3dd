"""Who may see or do what is decided in the access modules, once.

A role comparison, a membership filter, a visibility condition or a staff check written
anywhere else is a second copy of a rule that will drift from the first: the holes an
outside review found (a moderator check in a view, a "readable or 404" in a selector,
a member-type map in a third module) were all such copies. This test reads the source and
fails when one appears outside the access modules.

The few places that name these things for another reason (a data invariant, a row lookup
in a selector, a display choice) are listed below with why; a new entry needs as good a
reason.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "api",
    "communities",
    "discussions",
    "purposes",
    "notifications",
    "webhooks",
    "moderation",
    "core",
    "config",
    "templates",
    "jinja2",
]

ACCESS_MODULES = {
    "accounts/permissions.py",
    "communities/permissions.py",
    "discussions/permissions.py",
    "purposes/permissions.py",
}

RULE_PATTERNS = {
    "role comparison": re.compile(r"\brole\s*(==|!=)|\brole__in\b|\.role\s+(not\s+)?in\b"),
    "membership filter": re.compile(r"memberships__|Membership\.objects\.filter\("),
    "visibility condition": re.compile(
        r"visibility\s*(==|!=)|visibility__in\b|visibility=Visibility\.|\bVisibility\.(PUBLIC|SECRET)\b"
    ),
    "staff check": re.compile(r"\.is_staff\b|\.is_superuser\b"),
}

# (path, text on the line) -> why it is not an access rule.
ALLOWED = {
    (
        "moderation/selectors.py",
        "Membership.objects.filter(community=community, user_id=user_id).exists()",
    ): (
        "finds whom a sanction page may name (members and banned people); who may sanction "
        "is decided by require_sanction_member"
    ),
    (
        "moderation/services.py",
        "membership = Membership.objects.filter(community=community, user=user).first()",
    ): "the membership a ban removes, after require_sanction_member allowed it",
    ("moderation/scale.py", "Membership.objects.filter(community__in=communities)"): (
        "the scale seed picks flaggers among the members it made: test data, no access decided"
    ),
    ("communities/services.py", "Membership.objects.filter(pk=membership.pk).delete()"): (
        "deletes the row the caller already holds"
    ),
    ("communities/services.py", "membership.role == Role.OWNER"): (
        "data invariant: a community keeps at least one owner"
    ),
    ("communities/services.py", "Membership.objects.filter(community_id=membership.community_id"): (
        "data invariant: a community keeps at least one owner"
    ),
    ("communities/services.py", "if role != Role.OWNER and _last_owner(membership)"): (
        "data invariant: a community keeps at least one owner"
    ),
    ("communities/services.py", "Membership.objects.filter(community=community, user__email__in"): (
        "skips inviting people who are already members: no access decided"
    ),
    ("communities/selectors.py", "Membership.objects.filter("): (
        "selectors read membership rows of a community the caller has checked"
    ),
    (
        "communities/selectors.py",
        "memberships: QuerySet[Membership] = Membership.objects.filter(",
    ): ("the member list of a community whose content the caller has checked is readable"),
    (
        "communities/selectors.py",
        "return Membership.objects.filter(community=community, user=user)",
    ): ("the viewer's own membership row, for their notification settings"),
    ("jinja2/communities/community_detail.html", 'membership.role == "owner"'): (
        "display: which sentence tells the person their role"
    ),
    (
        "communities/services.py",
        "return Membership.objects.filter(user_id=user_id, community_id=",
    ): ("mutes the person's own membership from a signed unsubscribe link: a preference"),
    ("notifications/services.py", "return Membership.objects.filter("): (
        "reads members' notification levels (a preference); who may read is audience_for"
    ),
    ("notifications/selectors.py", "Membership.objects.filter("): (
        "reads the person's own notification levels (a preference), for digests"
    ),
    ("notifications/digests.py", "Membership.objects.filter(user_id__in=ids)"): (
        "the communities people chose for their digest (a preference); who may read them is "
        "decided by audience_for"
    ),
    ("notifications/digests.py", "Exists(Membership.objects.filter(user=OuterRef("): (
        "skips people with no community a digest could cover; no access decided"
    ),
}

SKIPPED_PARTS = {"migrations", "management", "__pycache__"}
SKIPPED_FILES = {"demo.py", "admin.py", "forms.py", "models.py"}


def source_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            if path.suffix not in (".py", ".html") or not path.is_file():
                continue
            relative = path.relative_to(ROOT).as_posix()
            if relative in ACCESS_MODULES or SKIPPED_PARTS & set(path.parts):
                continue
            yield relative, path


def allowed(relative: str, line: str) -> bool:
    return any(path == relative and text in line for path, text in ALLOWED)


def test_rules_about_access_live_only_in_the_access_modules():
    found = []
    for relative, path in source_files():
        # Forms, models and the admin name roles and visibilities as choices and fields;
        # a rule there would still be caught by the staff check and membership filters.
        patterns = RULE_PATTERNS
        if path.name in SKIPPED_FILES:
            patterns = {
                name: pattern
                for name, pattern in RULE_PATTERNS.items()
                if name in ("membership filter", "staff check")
            }
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for name, pattern in patterns.items():
                if pattern.search(line) and not allowed(relative, line):
                    found.append(f"{relative}:{number}: {name}: {line.strip()}")
    assert not found, "Access rules outside the access modules:\n" + "\n".join(found)


def test_the_allowed_exceptions_still_exist():
    """An exception whose line is gone must leave the list, so it cannot excuse a new one."""
    texts = {relative: path.read_text() for relative, path in source_files()}
    stale = [f"{path}: {text}" for path, text in ALLOWED if text not in texts.get(path, "")]
    assert not stale, "Exceptions that no longer match anything:\n" + "\n".join(stale)
