#!/bin/sh
# What the tests need from the system: Debian's Chromium at /usr/bin/chromium for the browser
# tests (Playwright's own browser download cannot be used), and poppler-utils (pdftoppm,
# pdftotext) to render and read invoice PDFs. Installed when missing and we are root;
# otherwise say how to get them.
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the tests:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  exit 0
fi
echo "The tests need the Debian packages:$missing. Run: sudo apt-get install$missing" >&2
exit 1
