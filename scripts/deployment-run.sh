#!/usr/bin/env bash
# Updates one stack through Pulumi Deployments at one commit, and fails unless that update succeeded.
#
# `pulumi deployment run` queues the deployment and streams its log, but exits 0 however the update ends; the
# stack's history tells: the newest update must be of this commit (`git.head`, which Deployments records from
# the checkout) and have succeeded. Waits while it is still running, for DEPLOYMENT_WAIT_SECONDS at most.
#
# Usage: scripts/deployment-run.sh <org/project/stack> <commit>
set -euo pipefail

stack="${1:?usage: deployment-run.sh <org/project/stack> <commit>}"
commit="${2:?usage: deployment-run.sh <org/project/stack> <commit>}"
wait_seconds="${DEPLOYMENT_WAIT_SECONDS:-1800}"
poll_seconds="${DEPLOYMENT_POLL_SECONDS:-10}"

pulumi deployment run update --stack "${stack}" --git-commit "${commit}" --suppress-stream-logs=false

deadline=$((SECONDS + wait_seconds))
while :; do
  latest="$(pulumi stack history --stack "${stack}" --json --page-size 1)"
  kind="$(jq -r '.[0].kind // ""' <<<"${latest}")"
  head="$(jq -r '.[0].environment["git.head"] // ""' <<<"${latest}")"
  result="$(jq -r '.[0].result // ""' <<<"${latest}")"
  if [ "${kind}" = update ] && [ "${head}" = "${commit}" ]; then
    case "${result}" in
      succeeded)
        echo "${stack}: update of ${commit} succeeded"
        exit 0
        ;;
      failed)
        echo "::error::${stack}: the Pulumi Deployments update of ${commit} failed" >&2
        exit 1
        ;;
    esac
  fi
  if [ "${SECONDS}" -ge "${deadline}" ]; then
    echo "::error::${stack}: no finished update of ${commit} after ${wait_seconds}s (newest: ${kind:-none} of ${head:-unknown}, ${result:-no result})" >&2
    exit 1
  fi
  echo "${stack}: newest update is ${kind:-none} of ${head:-unknown} (${result:-no result}); waiting for ${commit}"
  sleep "${poll_seconds}"
done
