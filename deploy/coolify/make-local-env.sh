#!/bin/sh
# Writes deploy/coolify/.env with random values for the Coolify magic variables, so that the compose
# files also run outside Coolify (Coolify generates these values itself; do not use this file there):
#
#   sh deploy/coolify/make-local-env.sh
#   docker compose --project-directory . -f deploy/coolify/docker-compose.full.yml --env-file deploy/coolify/.env up --build
#
# The file holds secrets: it is git-ignored (.env), created with mode 0600, and never printed.
set -eu
out="$(dirname "$0")/.env"
if [ -e "$out" ] && [ "${1:-}" != "--force" ]; then
  echo "refusing to overwrite $out (pass --force)" >&2
  exit 1
fi
rand() { # rand LENGTH: letters and digits only, like Coolify's SERVICE_PASSWORD_* / SERVICE_USER_*
  LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"
}
umask 077
cat >"$out" <<ENV
SERVICE_USER_ANALYTICSDB=$(rand 16)
SERVICE_PASSWORD_ANALYTICSDB=$(rand 32)
SERVICE_PASSWORD_ANALYTICSREDIS=$(rand 32)
SERVICE_PASSWORD_64_SERVICETOKEN=$(rand 64)
SERVICE_BASE64_64_JWTSECRET=$(rand 64)
SERVICE_PASSWORD_64_N8NENCRYPTION=$(rand 64)
SERVICE_PASSWORD_N8N=$(rand 32)
SERVICE_URL_N8N=http://localhost:5678
SERVICE_FQDN_N8N=localhost
N8N_PROTOCOL=http
MOCK_MODE=true
ENV
echo "wrote $out (mode 0600; values not shown)"
