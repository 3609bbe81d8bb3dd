"""The Content-Security-Policy lets the browser load the Markdown image hosts the site allows.

Settings are computed from the environment when they are imported, so the site is started
in a child process with MARKDOWN_IMAGE_HOSTS set, and asked for a page there.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

CHILD = """
import json
import django
django.setup()
from django.test import Client
from core.markdown import render_markdown

response = Client(raise_request_exception=True).get("/no-such-page/")
print(json.dumps({
    "status": response.status_code,
    "policy": response["Content-Security-Policy"],
    "html": render_markdown("![Map](https://cdn.example.com/map.png)"),
}))
"""


def page_in_a_site_started_with(tmp_path: Path, **values: str) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL", "MARKDOWN_IMAGE_HOSTS"}
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", DATA_DIR=str(tmp_path), **values)
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {policy!r}")


def test_img_src_allows_each_configured_markdown_image_host_over_https(tmp_path):
    page = page_in_a_site_started_with(
        tmp_path, MARKDOWN_IMAGE_HOSTS="images.example.org, CDN.Example.com"
    )

    assert page["status"] == 404
    assert directive(page["policy"], "img-src") == [
        "'self'",
        "data:",
        "https://cdn.example.com",
        "https://images.example.org",
    ]
    # The same host's picture survives the Markdown sanitiser, so the browser may load it.
    assert 'src="https://cdn.example.com/map.png"' in page["html"]


def test_without_markdown_image_hosts_img_src_is_this_site_only(tmp_path):
    page = page_in_a_site_started_with(tmp_path)

    assert directive(page["policy"], "img-src") == ["'self'", "data:"]
    assert "cdn.example.com" not in page["html"]
