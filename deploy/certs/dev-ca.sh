#!/bin/sh
# dev-ca (docker-compose.yml): a DEV ONLY certificate authority and a TLS server
# certificate for Keycloak, so the issuer is https://keycloak:8443/realms/mcp for
# containers and host alike (the token verifier accepts plain http on loopback only).
# Idempotent: keeps an existing CA and certificate. Output in $OUT_DIR (git-ignored):
#   ca.pem (trust this: NODE_EXTRA_CA_CERTS), keycloak.pem, keycloak-key.pem.
set -eu
: "${OUT_DIR:?}" "${TLS_NAMES:=keycloak,localhost}"
command -v openssl >/dev/null 2>&1 || apk add --no-cache openssl >/dev/null
cd "$OUT_DIR"
if [ ! -s ca.pem ] || [ ! -s ca-key.pem ]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -days 825 -nodes \
    -keyout ca-key.pem -out ca.pem -subj "/CN=mcp-platform DEV ONLY CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
fi
if [ ! -s keycloak.pem ] || [ ! -s keycloak-key.pem ]; then
  san=$(echo "$TLS_NAMES" | tr ',' '\n' | sed 's/^/DNS:/' | paste -sd, -)
  openssl req -newkey rsa:2048 -sha256 -nodes -keyout keycloak-key.pem -out keycloak.csr -subj "/CN=keycloak"
  printf 'subjectAltName=%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san" > keycloak.ext
  openssl x509 -req -in keycloak.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 397 -sha256 \
    -extfile keycloak.ext -out keycloak.pem
  rm -f keycloak.csr keycloak.ext
fi
# Keycloak (uid 1000) and the services (uid 1000) read the key and certificates.
chmod 0644 ca.pem keycloak.pem
chmod 0640 keycloak-key.pem ca-key.pem
# Run by another user (the production profile as local processes) they stay with that user.
if [ "$(id -u)" = 0 ]; then chown 1000:1000 keycloak-key.pem ca-key.pem; fi
echo "dev-ca: $OUT_DIR/ca.pem"
