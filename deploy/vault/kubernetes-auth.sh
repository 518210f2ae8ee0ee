#!/bin/sh
# Kubernetes auth for the cluster deployment (deploy/k8s): run once per cluster by a
# Vault operator (VAULT_ADDR, VAULT_TOKEN with sys/auth and policy rights).
# Each service's ServiceAccount (namespace mcp-platform) maps to a Vault role of the
# same name bound to the same policy as its AppRole (deploy/vault/policies/<svc>.hcl);
# pods log in with VAULT_AUTH_METHOD=kubernetes, VAULT_K8S_ROLE=<svc>.
# Needs: K8S_HOST (API server URL as seen from Vault), optionally K8S_CA_FILE,
# NAMESPACE (default mcp-platform), POLICY_DIR (default: beside this script).
set -eu
: "${VAULT_ADDR:?}" "${VAULT_TOKEN:?}" "${K8S_HOST:?}"
NAMESPACE=${NAMESPACE:-mcp-platform}
POLICY_DIR=${POLICY_DIR:-$(dirname "$0")/policies}

if ! vault auth list -format=json | grep -q '"kubernetes/"'; then
  vault auth enable kubernetes
fi
if [ -n "${K8S_CA_FILE:-}" ]; then
  vault write auth/kubernetes/config kubernetes_host="$K8S_HOST" kubernetes_ca_cert=@"$K8S_CA_FILE"
else
  vault write auth/kubernetes/config kubernetes_host="$K8S_HOST"
fi
for svc in mcp-network mcp-itsm mcp-github deploy-worker; do
  vault policy write "$svc" "$POLICY_DIR/$svc.hcl"
  vault write "auth/kubernetes/role/$svc" \
    bound_service_account_names="$svc" bound_service_account_namespaces="$NAMESPACE" \
    token_policies="$svc" token_ttl=1h token_max_ttl=24h audience=vault
done
echo "vault kubernetes auth: done"
