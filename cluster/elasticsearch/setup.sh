#!/bin/sh
# Applies the log index template, its ECS mappings, the ingest pipeline and the ILM policy kept next
# to this script, creates the data streams, and publishes the Elasticsearch HTTP CA to the log
# shipper's namespace. Every step PUTs a complete definition, so a rerun converges to the same state:
# the scheduled run repeats all of it, which restores a definition deleted by hand and picks up a CA
# that ECK rotated.
#
#   setup.sh        everything
#   setup.sh ca     only the CA
set -eu

: "${ES_URL:?}" "${ELASTIC_PASSWORD:?}" "${ILM_POLICY:?}" "${INGEST_PIPELINE:?}"
: "${COMPONENT_TEMPLATE:?}" "${INDEX_TEMPLATE:?}" "${DATA_STREAMS:?}"
: "${CA_NAMESPACE:?}" "${CA_SECRET:?}"

ES_CA=${ES_CA:-/etc/elasticsearch/certs/ca.crt}
CONFIG_DIR=${CONFIG_DIR:-/etc/elasticsearch-setup}
SA_DIR=${SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}

WAIT_ATTEMPTS=${ES_WAIT_ATTEMPTS:-90}
WAIT_INTERVAL_SECONDS=${ES_WAIT_INTERVAL_SECONDS:-10}
KUBERNETES_API=${KUBERNETES_API:-https://kubernetes.default.svc}

# Returns curl's status: callers (the wait loop's condition, set -e) must see a failed request as failed.
es() {
  method=$1
  path=$2
  shift 2
  status=0
  curl --silent --show-error --fail-with-body --cacert "$ES_CA" --user "elastic:${ELASTIC_PASSWORD}" \
    --request "$method" --header 'Content-Type: application/json' "$ES_URL/$path" "$@" || status=$?
  echo
  return "$status"
}

wait_for_elasticsearch() {
  attempt=1
  until es GET '_cluster/health?wait_for_status=yellow&timeout=10s' >/dev/null 2>&1; do
    if [ "$attempt" -ge "$WAIT_ATTEMPTS" ]; then
      echo "Elasticsearch at $ES_URL did not become ready after $attempt attempts" >&2
      exit 1
    fi
    echo "Elasticsearch not ready yet (attempt $attempt of $WAIT_ATTEMPTS)"
    attempt=$((attempt + 1))
    sleep "$WAIT_INTERVAL_SECONDS"
  done
}

apply_definitions() {
  es PUT "_ilm/policy/$ILM_POLICY" --data-binary "@$CONFIG_DIR/ilm-policy.json"
  es PUT "_ingest/pipeline/$INGEST_PIPELINE" --data-binary "@$CONFIG_DIR/ingest-pipeline.json"
  es PUT "_component_template/$COMPONENT_TEMPLATE" --data-binary "@$CONFIG_DIR/component-template-ecs-mappings.json"
  es PUT "_index_template/$INDEX_TEMPLATE" --data-binary "@$CONFIG_DIR/index-template-logs.json"
  for stream in $DATA_STREAMS; do
    response=$(curl --silent --show-error --cacert "$ES_CA" --user "elastic:${ELASTIC_PASSWORD}" \
      --request PUT --write-out '\n%{http_code}' "$ES_URL/_data_stream/$stream")
    code=$(printf '%s\n' "$response" | tail -n 1)
    body=$(printf '%s\n' "$response" | sed '$d')
    case "$code" in
      200) echo "data stream $stream created" ;;
      *)
        # Only "already exists" means ready; any other 400 (a missing template, a bad name) is a failure.
        if [ "$code" = 400 ] && printf '%s' "$body" | grep -q '"resource_already_exists_exception"'; then
          echo "data stream $stream ready"
        else
          echo "creating data stream $stream failed with HTTP $code: $body" >&2
          exit 1
        fi
        ;;
    esac
  done
}

publish_ca() {
  ca=$(base64 -w 0 <"$ES_CA")
  body=$(printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","namespace":"%s","labels":{"app.kubernetes.io/part-of":"cloudops-crm"}},"type":"Opaque","data":{"ca.crt":"%s"}}' \
    "$CA_SECRET" "$CA_NAMESPACE" "$ca")
  # Server-side apply creates the Secret or updates it in place.
  curl --silent --show-error --fail-with-body --cacert "$SA_DIR/ca.crt" \
    --header "Authorization: Bearer $(cat "$SA_DIR/token")" \
    --header 'Content-Type: application/apply-patch+yaml' --request PATCH \
    "$KUBERNETES_API/api/v1/namespaces/$CA_NAMESPACE/secrets/$CA_SECRET?fieldManager=elasticsearch-setup&force=true" \
    --data-binary "$body" >/dev/null
  echo "published the Elasticsearch CA to $CA_NAMESPACE/$CA_SECRET"
}

wait_for_elasticsearch
if [ "${1:-all}" != "ca" ]; then
  apply_definitions
fi
publish_ca
