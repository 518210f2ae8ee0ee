#!/bin/sh
# Container entrypoint of every Node service image (docker/service.Dockerfile).
#
# The `<NAME>_FILE` convention of official images: for each environment variable
# <NAME>_FILE with NAME in the list below (VAULT_ROLE_ID, VAULT_SECRET_ID, VAULT_TOKEN,
# OIDC_CLIENT_SECRET, PROXY_CLIENT_SECRET) whose <NAME> is unset, <NAME> is set to the
# file's content (trailing newlines removed) and <NAME>_FILE is unset.
# The services' config schemas read plain variables only; this keeps secret ids
# out of `docker inspect` and compose files. A missing file stops the container
# with a message naming the variable (never its content).
set -eu

for name in VAULT_ROLE_ID VAULT_SECRET_ID VAULT_TOKEN OIDC_CLIENT_SECRET PROXY_CLIENT_SECRET; do
  file_var="${name}_FILE"
  eval "file=\${$file_var:-}"
  eval "current=\${$name:-}"
  if [ -n "$file" ]; then
    if [ -n "$current" ]; then
      echo "mcp-entrypoint: both $name and $file_var are set; use one" >&2
      exit 64
    fi
    if [ ! -r "$file" ]; then
      echo "mcp-entrypoint: $file_var points to an unreadable file" >&2
      exit 66
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "$file_var"
  fi
done

exec "$@"
