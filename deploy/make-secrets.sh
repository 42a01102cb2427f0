#!/bin/sh
# Creates the secrets docker-compose.yml mounts (once; never commit deploy/secrets/).
set -eu
cd "$(dirname "$0")"
mkdir -p secrets && cd secrets
[ -f identity.key ] || { openssl genpkey -algorithm ed25519 -out identity.key; openssl pkey -in identity.key -pubout -out identity.pub; }
for svc in cases tasks notify sla; do
  [ -f "${svc}_service_key" ] || openssl rand -hex 24 > "${svc}_service_key"
done
printf 'cases:%s,tasks:%s,notify:%s,sla:%s' "$(cat cases_service_key)" "$(cat tasks_service_key)" \
  "$(cat notify_service_key)" "$(cat sla_service_key)" > service_api_keys
notify_key=$(cat notify_service_key); printf '%s' "$notify_key" > notify_service_key
[ -f gateway_secret_key ] || openssl rand -hex 32 > gateway_secret_key
[ -f admin_password ] || openssl rand -base64 18 > admin_password
echo "secrets in deploy/secrets; the admin's password is in deploy/secrets/admin_password"
