#!/bin/sh
# elastic-setup (docker-compose.yml): installs the ECS index template for the
# logs-mcp-* data streams and imports the Kibana data view + dashboard. Idempotent.
# Needs: ES_URL, KIBANA_URL. Files beside this script.
set -eu
: "${ES_URL:?}" "${KIBANA_URL:?}"
dir=$(dirname "$0")
curl -fsS -X PUT "$ES_URL/_index_template/logs-mcp" -H 'Content-Type: application/json' \
  --data-binary @"$dir/index-template.json"
echo
curl -fsS -X POST "$KIBANA_URL/api/saved_objects/_import?overwrite=true" -H 'kbn-xsrf: mcp-platform' \
  -F file=@"$dir/kibana-dashboard.ndjson"
echo
echo "elastic-setup: done"
