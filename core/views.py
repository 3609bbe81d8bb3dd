import email
from email import policy
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every configured backing service answers, 503 naming the ones that don't."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
            results[name] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


def _mailbox_folder() -> Path:
    if not (settings.DEBUG and settings.DEV_MAILBOX_ENABLED):
        raise Http404
    return Path(settings.DEV_MAILBOX_DIR)


def _read_message(path: Path) -> dict:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return {
        "key": path.stem,
        "subject": message["Subject"],
        "from": message["From"],
        "to": message["To"],
        "date": message["Date"],
        "text": text_part.get_content() if text_part else "",
        "has_html": html_part is not None,
        "html": html_part.get_content() if html_part else "",
    }


@never_cache
def dev_mailbox(request: HttpRequest) -> HttpResponse:
    folder = _mailbox_folder()
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    messages = [_read_message(path) for path in paths[:100]]
    return render(request, "core/dev_mailbox.html", {"mail": messages})


@never_cache
def dev_mailbox_message(request: HttpRequest, key: str) -> HttpResponse:
    folder = _mailbox_folder()
    path = folder / f"{key}.eml"
    if not key.replace("_", "").replace("-", "").replace(".", "").isalnum() or not path.exists():
        raise Http404
    message = _read_message(path)
    if request.GET.get("format") == "html" and message["has_html"]:
        response = HttpResponse(message["html"])
        # Shown as a separate document that may run nothing.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response
    return render(request, "core/dev_mailbox_message.html", {"message": message})
