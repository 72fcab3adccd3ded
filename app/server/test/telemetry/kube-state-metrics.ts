import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for kube-state-metrics (v2.20, the version kube-prometheus-stack 88.5.3 ships through its
 * kube-state-metrics 8.4.0 chart). The real exporter needs a Kubernetes API, which the test machine does not
 * have; this one serves the same metric families, with the same names, label names, label order, HELP and TYPE
 * lines, for one Deployment and its pods.
 *
 * Its state is not made up: it probes the pods' /ready and /health the way the kubelet runs the Deployment's
 * readiness and liveness probes (failureThreshold 3, period shortened to `probeIntervalMs`), so a pod whose
 * /ready answers 503 is reported not ready, and a pod that stops answering /health is counted as restarted
 * after three failed probes in a row.
 */

export interface WorkloadPod {
  /** Pod name, `<deployment>-<pod-template-hash>-<suffix>` as the ReplicaSet controller names it. */
  name: string;
  /** Base URL the pod's container port answers on. */
  url: string;
}

export interface KubeStateMetricsOptions {
  namespace: string;
  deployment: string;
  /** The ReplicaSet of the current pod template: owner of every pod. */
  replicaSet: string;
  container: string;
  pods: WorkloadPod[];
  probeIntervalMs: number;
}

export interface RunningKubeStateMetrics {
  /** host:port of the exporter's /metrics. */
  address: string;
  /** The exposition as the exporter currently serves it. */
  exposition(): string;
  stop(): Promise<void>;
}

/** The kubelet's default and the Deployment's: three failures in a row change a probe's verdict. */
const FAILURE_THRESHOLD = 3;

interface PodState {
  pod: WorkloadPod;
  uid: string;
  podIp: string;
  ready: boolean;
  readinessFailures: number;
  livenessFailures: number;
  restarts: number;
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels: Array<[string, string]>; value: number }>;
}

const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Text exposition format 0.0.4, as kube-state-metrics writes it: `[STABLE]` before the help of stable families. */
function render(families: Family[]): string {
  return families
    .map((family) =>
      [
        `# HELP ${family.name} [STABLE] ${family.help}`,
        `# TYPE ${family.name} ${family.type}`,
        ...family.samples.map(
          ({ labels, value }) =>
            `${family.name}{${labels.map(([key, val]) => `${key}="${escapeLabelValue(val)}"`).join(',')}} ${value}`,
        ),
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export async function startKubeStateMetrics(
  options: KubeStateMetricsOptions,
): Promise<RunningKubeStateMetrics> {
  const { namespace, deployment, replicaSet, container } = options;
  const states: PodState[] = options.pods.map((pod, index) => ({
    pod,
    uid: randomUUID(),
    podIp: `10.0.1.${index + 10}`,
    // A new pod is not ready until its readiness probe first succeeds.
    ready: false,
    readinessFailures: 0,
    livenessFailures: 0,
    restarts: 0,
  }));

  const probeTimeout = Math.max(100, Math.floor(options.probeIntervalMs * 0.8));
  const probe = async (state: PodState) => {
    const [ready, live] = await Promise.all([
      answers(`${state.pod.url}/ready`, probeTimeout),
      answers(`${state.pod.url}/health`, probeTimeout),
    ]);
    if (ready) {
      state.ready = true;
      state.readinessFailures = 0;
    } else if (++state.readinessFailures >= FAILURE_THRESHOLD) state.ready = false;
    if (live) state.livenessFailures = 0;
    else if (++state.livenessFailures >= FAILURE_THRESHOLD) {
      state.restarts++;
      state.livenessFailures = 0;
    }
  };
  let probing = Promise.all(states.map(probe));
  const timer = setInterval(() => {
    probing = probing.then(() => Promise.all(states.map(probe)));
  }, options.probeIntervalMs);
  await probing;

  const podLabels = (state: PodState): Array<[string, string]> => [
    ['namespace', namespace],
    ['pod', state.pod.name],
    ['uid', state.uid],
  ];
  const deploymentLabels: Array<[string, string]> = [
    ['namespace', namespace],
    ['deployment', deployment],
  ];
  const perDeployment = (value: number) => [{ labels: deploymentLabels, value }];
  const perPod = (value: (state: PodState) => number, extra: Array<[string, string]> = []) =>
    states.map((state) => ({ labels: [...podLabels(state), ...extra], value: value(state) }));

  const exposition = () => {
    const readyCount = states.filter((state) => state.ready).length;
    return render([
      {
        name: 'kube_deployment_status_replicas',
        help: 'The number of replicas per deployment.',
        type: 'gauge',
        samples: perDeployment(states.length),
      },
      {
        name: 'kube_deployment_status_replicas_ready',
        help: 'The number of ready replicas per deployment.',
        type: 'gauge',
        samples: perDeployment(readyCount),
      },
      {
        name: 'kube_deployment_status_replicas_available',
        help: 'The number of available replicas per deployment.',
        type: 'gauge',
        samples: perDeployment(readyCount),
      },
      {
        name: 'kube_deployment_spec_replicas',
        help: 'Number of desired pods for a deployment.',
        type: 'gauge',
        samples: perDeployment(states.length),
      },
      {
        name: 'kube_pod_info',
        help: 'Information about pod.',
        type: 'gauge',
        samples: states.map((state) => ({
          labels: [
            ...podLabels(state),
            ['host_ip', '10.0.0.21'],
            ['pod_ip', state.podIp],
            ['node', 'ip-10-0-0-21.ec2.internal'],
            ['created_by_kind', 'ReplicaSet'],
            ['created_by_name', replicaSet],
            ['priority_class', ''],
            ['host_network', 'false'],
          ],
          value: 1,
        })),
      },
      {
        name: 'kube_pod_owner',
        help: "Information about the Pod's owner.",
        type: 'gauge',
        samples: perPod(
          () => 1,
          [
            ['owner_kind', 'ReplicaSet'],
            ['owner_name', replicaSet],
            ['owner_is_controller', 'true'],
          ],
        ),
      },
      {
        name: 'kube_pod_status_ready',
        help: 'Describes whether the pod is ready to serve requests.',
        type: 'gauge',
        // One series per condition status, the matching one at 1 (as kube-state-metrics writes conditions).
        samples: states.flatMap((state) =>
          (['true', 'false', 'unknown'] as const).map((condition) => ({
            labels: [...podLabels(state), ['condition', condition] as [string, string]],
            value: condition === 'unknown' ? 0 : Number((condition === 'true') === state.ready),
          })),
        ),
      },
      {
        name: 'kube_pod_container_status_ready',
        help: 'Describes whether the containers readiness check succeeded.',
        type: 'gauge',
        samples: perPod((state) => (state.ready ? 1 : 0), [['container', container]]),
      },
      {
        name: 'kube_pod_container_status_restarts_total',
        help: 'The number of container restarts per container.',
        type: 'counter',
        samples: perPod((state) => state.restarts, [['container', container]]),
      },
    ]);
  };

  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(exposition());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    exposition,
    stop: async () => {
      clearInterval(timer);
      await probing;
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
