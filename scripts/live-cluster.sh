#!/usr/bin/env bash
# A local Kubernetes control plane shaped like the production EKS cluster, for the live tests: etcd, kube-apiserver
# (TLS with certificates made here, RBAC, PodSecurity admission), kube-controller-manager, kube-scheduler and kwok
# (two fake t3a.medium nodes in two zones, EKS's kube-system pods as stand-ins; tools/live/cluster/).
#
# Everything runs inside a network namespace created here with nothing but a loopback interface: the API server
# dials Service and pod addresses (webhooks, aggregated APIs), which are private addresses that must never leave
# this machine; in the namespace no address but loopback is reachable. Clients (kubectl, the Pulumi CLI) must run
# in it too: `exec` below does that.
#
#   scripts/live-cluster.sh run [COMMAND...]     start, run COMMAND in the namespace (default: a shell), stop
#   scripts/live-cluster.sh start DIR [OWNER_PID] start with its state in DIR (must not exist); with OWNER_PID,
#                                                 stop it by itself once that process is gone
#   scripts/live-cluster.sh exec DIR COMMAND...   run COMMAND in the namespace with KUBECONFIG and the tools on PATH
#   scripts/live-cluster.sh stop DIR              stop every process started, delete the namespace and DIR
#
# Needs root or passwordless sudo (network namespaces) and the tools of scripts/install-live-tools.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"
CLUSTER_YAML="$ROOT/tools/live/cluster"

# Inside a fresh namespace no other process listens anywhere, so these loopback ports are free by construction
# (and the host's own ports, tests' servers included, are never in the way).
ETCD_PORT=2379
ETCD_PEER_PORT=2380
APISERVER_PORT=6443
CONTROLLER_MANAGER_PORT=10257
SCHEDULER_PORT=10259
KWOK_PORT=10247
SERVICE_CIDR=10.96.0.0/16
SERVICE_API_IP=10.96.0.1

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi

die() {
  echo "live-cluster: $*" >&2
  exit 1
}

# Runs a command in the namespace as the calling user (ip netns exec needs root) with the cluster's environment.
# With exec_in_ns set (the `exec` command) the shell execs `ip netns exec`, which, like setpriv and env, execs the
# next: the command keeps this shell's PID (under sudo, sudo's, which passes signals on to it).
in_ns() { # in_ns DIR COMMAND...
  local dir="$1"
  shift
  local ns
  ns="$(cat "$dir/netns")"
  local drop=()
  [ "${#SUDO[@]}" -eq 0 ] || drop=(setpriv "--reuid=$(id -u)" "--regid=$(id -g)" --init-groups)
  local run=()
  [ -z "${exec_in_ns:-}" ] || run=(exec)
  "${run[@]}" "${SUDO[@]}" ip netns exec "$ns" "${drop[@]}" env \
    "PATH=$(cat "$dir/bin-dir"):$PATH" "KUBECONFIG=$dir/kubeconfig" "HOME=$HOME" "$@"
}

# Starts a daemon in the namespace, in its own session (an interrupt of the caller's terminal or process group is
# handled by `stop`, which knows every PID), logging to DIR/logs, and records its PID.
daemon() { # daemon DIR NAME COMMAND...
  local dir="$1" name="$2"
  shift 2
  # The shell writes its PID and execs into the namespaced command (see in_ns), so the PID is the daemon's.
  (
    in_ns_exec() { echo "$BASHPID" >"$dir/pids/$name"; exec "$@"; }
    exec </dev/null >"$dir/logs/$name.log" 2>&1
    # setsid's fork (if any) would change the PID: start a new session from a child that is not a group leader.
    in_ns_exec setsid bash "$ROOT/scripts/live-cluster.sh" exec "$dir" "$@"
  ) &
  local tries=0
  until [ -s "$dir/pids/$name" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || die "$name did not start"
    sleep 0.1
  done
}

# Waits up to SECONDS for COMMAND (in the namespace) to succeed; a busy 2-core machine takes its time.
wait_for() { # wait_for DIR SECONDS WHAT COMMAND...
  local dir="$1" seconds="$2" what="$3"
  shift 3
  local deadline=$(($(date +%s) + seconds))
  until in_ns "$dir" "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "live-cluster: $what not within ${seconds}s; last attempt:" >&2
      in_ns "$dir" "$@" >&2 || true
      return 1
    fi
    alive "$dir" || return 1
    sleep 1
  done
}

# Every daemon started is still running; names the one that exited and shows its log's end.
alive() { # alive DIR
  local dir="$1" f name
  for f in "$dir"/pids/*; do
    [ -e "$f" ] || continue
    name="$(basename "$f")"
    [ "$name" != watchdog ] || continue
    if ! kill -0 "$(cat "$f")" 2>/dev/null; then
      echo "live-cluster: $name exited; the end of $dir/logs/$name.log:" >&2
      tail -n 20 "$dir/logs/$name.log" >&2 || true
      return 1
    fi
  done
}

make_pki() { # make_pki DIR
  local pki="$1/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    # ECDSA P-256 throughout: quick to generate, accepted for serving, client and service-account signing keys.
    key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }
    key ca
    openssl req -x509 -new -key ca.key -subj "/CN=cloudops-live-ca" -days 2 -out ca.crt 2>/dev/null
    sign() { # sign NAME SUBJECT EXTENSIONS
      key "$1"
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" \
        -out "$1.crt" 2>/dev/null
    }
    sign apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
      "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$SERVICE_API_IP" \
      "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment")"
    # system:masters is the administrator group; the controller-manager and scheduler get their own identities,
    # bound by the API server's default RBAC policy as on any cluster. kwok plays every kubelet: an admin client.
    local client="extendedKeyUsage=clientAuth"
    sign admin "/O=system:masters/CN=cloudops-live-admin" "$client"
    sign controller-manager "/CN=system:kube-controller-manager" "$client"
    sign scheduler "/CN=system:kube-scheduler" "$client"
    sign kwok "/O=system:masters/CN=kwok" "$client"
    # The aggregation layer's own CA and client, as every EKS control plane has them: the API server proxies
    # aggregated APIs (metrics-server's) with this identity, and components read the CA from kube-system.
    mv ca.crt main-ca.crt
    mv ca.key main-ca.key
    key ca
    openssl req -x509 -new -key ca.key -subj "/CN=cloudops-live-front-proxy-ca" -days 2 -out ca.crt 2>/dev/null
    sign front-proxy-client "/CN=front-proxy-client" "$client"
    mv ca.crt front-proxy-ca.crt
    mv ca.key front-proxy-ca.key
    mv main-ca.crt ca.crt
    mv main-ca.key ca.key
    openssl ecparam -name prime256v1 -genkey -noout -out service-account.key 2>/dev/null
    openssl ec -in service-account.key -pubout -out service-account.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  )
}

kubeconfig() { # kubeconfig DIR IDENTITY FILE
  cat >"$3" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: live
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority: $1/pki/ca.crt
users:
  - name: $2
    user:
      client-certificate: $1/pki/$2.crt
      client-key: $1/pki/$2.key
contexts:
  - name: live
    context: { cluster: live, user: $2 }
current-context: live
EOF
}

cmd_start() { # cmd_start DIR [OWNER_PID]
  local dir="$1" owner="${2:-}"
  [ ! -e "$dir" ] || die "$dir exists; give a new directory"
  local bin_dir
  bin_dir="$(bash "$ROOT/scripts/install-live-tools.sh" --bin-dir)"
  bash "$ROOT/scripts/install-live-tools.sh" --check etcd kwok kubernetes ||
    die "the live tools are not built: run scripts/install-live-tools.sh (about 20 minutes the first time)"
  command -v openssl >/dev/null || die "openssl is needed for the cluster's certificates"
  mkdir -p "$dir"/{pids,logs}
  dir="$(cd "$dir" && pwd)"
  echo "$bin_dir" >"$dir/bin-dir"

  # From here on a failure or an interrupt stops whatever was started.
  trap 'status=$?; [ "$status" -eq 0 ] || { echo "live-cluster: start failed; stopping" >&2; cmd_stop "'"$dir"'"; }; exit "$status"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  local ns="cloudops-live-$$-$RANDOM"
  "${SUDO[@]}" ip netns add "$ns"
  echo "$ns" >"$dir/netns"
  "${SUDO[@]}" ip netns exec "$ns" ip link set lo up
  if [ -n "$owner" ]; then
    # Stops the cluster once its owner (the test run) is gone, however it ended, SIGKILL included.
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/pids/watchdog" \
      bash "$ROOT/scripts/live-cluster.sh" _watch "$dir" "$owner" </dev/null >"$dir/logs/watchdog.log" 2>&1 &
  fi
  progress "live cluster: network namespace $ns (loopback only), state in $dir"

  make_pki "$dir"
  local pki="$dir/pki"
  kubeconfig "$dir" admin "$dir/kubeconfig"
  kubeconfig "$dir" controller-manager "$dir/controller-manager.kubeconfig"
  kubeconfig "$dir" scheduler "$dir/scheduler.kubeconfig"
  kubeconfig "$dir" kwok "$dir/kwok.kubeconfig"

  daemon "$dir" etcd etcd --name live --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "live=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes 1073741824 --unsafe-no-fsync
  wait_for "$dir" 60 "etcd" "$ROOT/scripts/live-cluster.sh" _etcd_health

  # PodSecurity is in the default admission chain; it is named so that this stays true. Privileged containers are
  # allowed cluster-wide as on EKS (aws-node needs them): PodSecurity labels on namespaces decide, as there.
  daemon "$dir" kube-apiserver kube-apiserver \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction,PodSecurity \
    --allow-privileged=true \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/service-account.pub" \
    --service-account-signing-key-file "$pki/service-account.key" \
    --api-audiences https://kubernetes.default.svc.cluster.local \
    --profiling=false
  wait_for "$dir" 180 "the API server's readiness" kubectl get --raw /readyz

  daemon "$dir" kube-controller-manager kube-controller-manager \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" \
    --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$pki/service-account.key" --root-ca-file "$pki/ca.crt" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false \
    --enable-hostpath-provisioner
  daemon "$dir" kube-scheduler kube-scheduler \
    --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
    --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" \
    --leader-elect=false --profiling=false
  # kwok manages the annotated nodes only, with this repository's stages; pod addresses come from a range that
  # exists nowhere but in the API (no packets ever carry them: nothing listens on them).
  daemon "$dir" kwok kwok \
    --kubeconfig "$dir/kwok.kubeconfig" \
    --config "$CLUSTER_YAML/stages.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 10.0.0.10 --cidr 10.0.64.0/18 \
    --node-lease-duration-seconds 40 \
    --server-address "127.0.0.1:$KWOK_PORT"

  # The nodes and EKS's kube-system pods. A plain (client-side) apply: on create it keeps the Node's status
  # (allocatable, addresses), which server-side apply resets. Pods wait for kube-system's default ServiceAccount,
  # which the controller-manager creates: the DaemonSet and ReplicaSet controllers retry until it exists.
  wait_for "$dir" 120 "the nodes" kubectl apply -f "$CLUSTER_YAML/nodes.yaml"
  wait_for "$dir" 180 "both nodes Ready" kubectl wait --for=condition=Ready node --all --timeout=5s
  wait_for "$dir" 120 "the kube-system stand-ins" kubectl apply -f "$CLUSTER_YAML/kube-system.yaml"
  wait_for "$dir" 60 "the gp3 stand-in" kubectl apply -f "$CLUSTER_YAML/storage.yaml"
  wait_for "$dir" 240 "the kube-system stand-ins Ready" "$ROOT/scripts/live-cluster.sh" _kube_system_ready
  trap - EXIT INT TERM
  progress "live cluster: ready; KUBECONFIG=$dir/kubeconfig (use: scripts/live-cluster.sh exec $dir kubectl ...)"
}

# Internal commands, run in the namespace by wait_for.
cmd_etcd_health() {
  # etcd answers /health on its client URL; bash's /dev/tcp needs no HTTP client on the machine.
  exec 3<>"/dev/tcp/127.0.0.1/$ETCD_PORT"
  printf 'GET /health HTTP/1.0\r\n\r\n' >&3
  grep -q '"health":"true"' <&3
}
cmd_kube_system_ready() {
  kubectl -n kube-system rollout status daemonset/aws-node daemonset/kube-proxy daemonset/ebs-csi-node \
    deployment/coredns deployment/ebs-csi-controller --timeout=5s
}

cmd_stop() { # cmd_stop DIR
  local dir="$1" name pid
  [ -d "$dir" ] || return 0
  # In the reverse order of their start, each given 20 seconds after TERM to shut down cleanly (the API server
  # drains its requests, which needs etcd still there), then KILLed; each is gone before the next is signalled.
  for name in watchdog kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    [ -s "$dir/pids/$name" ] || continue
    pid="$(cat "$dir/pids/$name")"
    # The watchdog may be the one stopping the cluster: it does not signal itself.
    [ "$pid" != "${WATCHDOG_SELF:-}" ] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    local deadline=$(($(date +%s) + 20))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    if kill -KILL "$pid" 2>/dev/null; then
      echo "live-cluster: $name (PID $pid) ignored TERM for 20s; killed" >&2
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    fi
  done
  if [ -s "$dir/netns" ]; then
    "${SUDO[@]}" ip netns delete "$(cat "$dir/netns")" 2>/dev/null || true
  fi
  if [ -n "${LIVE_CLUSTER_KEEP:-}" ]; then
    echo "live-cluster: stopped; state kept in $dir (LIVE_CLUSTER_KEEP)" >&2
  else
    rm -rf "$dir"
  fi
}

cmd_watch() { # cmd_watch DIR OWNER_PID
  local dir="$1" owner="$2"
  while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 2; done
  WATCHDOG_SELF=$$ cmd_stop "$dir"
}

cmd_run() {
  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/cloudops-live.XXXXXX")"
  rmdir "$dir"
  trap 'cmd_stop "'"$dir"'"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  (cmd_start "$dir")
  if [ "$#" -eq 0 ]; then set -- bash -i; fi
  in_ns "$dir" "$@"
}

case "${1:-}" in
start)
  [ "$#" -ge 2 ] || die "usage: $0 start DIR [OWNER_PID]"
  cmd_start "$2" "${3:-}"
  ;;
stop)
  [ "$#" -eq 2 ] || die "usage: $0 stop DIR"
  cmd_stop "$2"
  ;;
exec)
  [ "$#" -ge 3 ] || die "usage: $0 exec DIR COMMAND..."
  dir="$2"
  shift 2
  # exec: the command takes this process's PID (the daemons' recorded PIDs rely on it).
  exec_in_ns=1 in_ns "$dir" "$@"
  ;;
run)
  shift
  cmd_run "$@"
  ;;
_watch) cmd_watch "$2" "$3" ;;
_etcd_health) cmd_etcd_health ;;
_kube_system_ready) cmd_kube_system_ready ;;
*)
  sed -n '2,16p' "$0" >&2
  exit 2
  ;;
esac
