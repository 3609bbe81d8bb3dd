#!/usr/bin/env bash
# Translation catalogues are built with GNU gettext's tools (Django's makemessages and
# compilemessages call them); install them when missing (as root), never skip.
set -euo pipefail
if command -v xgettext >/dev/null && command -v msgcat >/dev/null && command -v msgfmt >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's gettext for the translation catalogues..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  exit 0
fi
echo "The translation catalogues need GNU gettext (xgettext, msgcat, msgfmt)." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install gettext)." >&2
exit 1
