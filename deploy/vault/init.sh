#!/bin/sh
# vault-init (docker-compose.yml): prepares the dev Vault the way a platform team
# prepares a real one. Idempotent: safe to run again on a running dev server.
#   1. KV v2 at `secret/` (the dev server already mounts it; enabled when missing)
#   2. one policy per service from policies/<service>.hcl (read only secret/data/mcp/<its upstream>)
#   3. AppRole at auth/approle, one role per service bound to its policy
#   4. role_id and a fresh secret_id per service into $APPROLE_OUT/<service>/ (a shared
#      volume mounted read-only by that service; docker/entrypoint.sh reads *_FILE)
#   5. the DEV ONLY upstream credentials of the local simulators
# Needs: VAULT_ADDR, VAULT_TOKEN (dev root token), POLICY_DIR, APPROLE_OUT, MCP_SERVICES.
set -eu
: "${VAULT_ADDR:?}" "${VAULT_TOKEN:?}" "${POLICY_DIR:?}" "${APPROLE_OUT:?}" "${MCP_SERVICES:?}"

if ! vault secrets list -format=json | grep -q '"secret/"'; then
  vault secrets enable -path=secret -version=2 kv
fi
if ! vault auth list -format=json | grep -q '"approle/"'; then
  vault auth enable approle
fi

old_ifs=$IFS
IFS=,
for svc in $MCP_SERVICES; do
  IFS=$old_ifs
  vault policy write "$svc" "$POLICY_DIR/$svc.hcl"
  vault write "auth/approle/role/$svc" \
    token_policies="$svc" token_ttl=1h token_max_ttl=24h \
    secret_id_ttl=0 secret_id_num_uses=0 token_no_default_policy=false
  mkdir -p "$APPROLE_OUT/$svc"
  umask 077
  vault read -field=role_id "auth/approle/role/$svc/role-id" > "$APPROLE_OUT/$svc/role_id"
  vault write -f -field=secret_id "auth/approle/role/$svc/secret-id" > "$APPROLE_OUT/$svc/secret_id"
  # The services run as uid 1000 (node) in their images. Run by another user (the production profile
  # as local processes, docs/deploy.md), the files stay with that user, who runs the services.
  if [ "$(id -u)" = 0 ]; then chown -R 1000:1000 "$APPROLE_OUT/$svc"; fi
  chmod 0400 "$APPROLE_OUT/$svc/role_id" "$APPROLE_OUT/$svc/secret_id"
  echo "vault-init: approle $svc ready"
  IFS=,
done
IFS=$old_ifs

# DEV ONLY upstream credentials: the simulators' seeded accounts (packages/sandboxes).
vault kv put secret/mcp/catalyst-center username=admin password=dev-only-catalyst-password
vault kv put secret/mcp/servicenow username=admin password=dev-only-servicenow-password
vault kv put secret/mcp/github token=dev-only-github-token
echo "vault-init: done"
