#!/bin/sh
# What the tests need from the system: Debian's Chromium at /usr/bin/chromium for the browser
# tests (Playwright's own browser download cannot be used), poppler-utils (pdftoppm,
# pdftotext) to render and read invoice PDFs, and Kamailio with its PostgreSQL driver and SIPp
# (sip-tester) for the SIP server tests. Installed when missing and we are root; otherwise say
# how to get them. And the API client generator the generated-client test runs
# (openapi-python-client, in a virtualenv of its own so its dependencies never meet the
# project's), made with the project's uv when missing.
set -eu
CLIENT_GENERATOR="openapi-python-client==0.29.1"
CLIENT_VENV=".tools/openapi-client-venv"
if ! [ -x "$CLIENT_VENV/bin/openapi-python-client" ] \
  || ! grep -qx "$CLIENT_GENERATOR" "$CLIENT_VENV/.installed" 2>/dev/null; then
  [ -x .tools/bin/uv ] || { echo "Run make install first (it installs uv in .tools)." >&2; exit 1; }
  echo "Installing $CLIENT_GENERATOR in $CLIENT_VENV"
  rm -rf "$CLIENT_VENV"
  .tools/bin/uv venv --quiet "$CLIENT_VENV"
  .tools/bin/uv pip install --quiet --python "$CLIENT_VENV/bin/python" "$CLIENT_GENERATOR"
  echo "$CLIENT_GENERATOR" > "$CLIENT_VENV/.installed"
fi
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -x /usr/sbin/kamailio ] || missing="$missing kamailio"
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so ] \
  || ls /usr/lib/*/kamailio/modules/db_postgres.so >/dev/null 2>&1 \
  || missing="$missing kamailio-postgres-modules"
command -v sipp >/dev/null 2>&1 || missing="$missing sip-tester"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the tests:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  exit 0
fi
echo "The tests need the Debian packages:$missing. Run: sudo apt-get install$missing" >&2
exit 1
