import type { Json } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { EKS_SYSTEM_PODS, NODES, type PodRequests } from '../capacity';
import { APP_REPLICA_REQUESTS, APP_REPLICAS } from '../contract';
import {
  type ClusterRun,
  customResource,
  EKS_CONFIG,
  kubernetesObjects,
  release,
  runCluster,
} from './harness';

export function cpuMillis(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity);
  if (!m) throw new Error(`not a CPU quantity: ${quantity}`);
  return m[2] === 'm' ? Number(m[1]) : Number(m[1]) * 1000;
}

export function memoryMi(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  return m[2] === 'Gi' ? Number(m[1]) * 1024 : Number(m[1]);
}

interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** One container's resources as passed to Helm or ECK; fails when requests or limits are missing. */
function container(name: string, resources: Resources | undefined): Resources {
  expect(resources?.requests?.cpu, `${name} requests.cpu`).toBeDefined();
  expect(resources?.requests?.memory, `${name} requests.memory`).toBeDefined();
  expect(resources?.limits?.cpu, `${name} limits.cpu`).toBeDefined();
  expect(resources?.limits?.memory, `${name} limits.memory`).toBeDefined();
  const r = resources as Resources;
  expect(cpuMillis(r.requests.cpu), `${name} cpu request <= limit`).toBeLessThanOrEqual(
    cpuMillis(r.limits.cpu),
  );
  expect(memoryMi(r.requests.memory), `${name} memory request <= limit`).toBeLessThanOrEqual(
    memoryMi(r.limits.memory),
  );
  return r;
}

function pod(
  name: string,
  replicas: number | 'per-node',
  containers: Array<[string, Resources | undefined]>,
): PodRequests {
  const checked = containers.map(([c, r]) => container(`${name}/${c}`, r));
  return {
    name,
    replicas,
    cpuMillis: checked.reduce((sum, r) => sum + cpuMillis(r.requests.cpu), 0),
    memoryMi: checked.reduce((sum, r) => sum + memoryMi(r.requests.memory), 0),
  };
}

/** The long-running pods of this layer, with the requests read back from what the program passed. */
function platformPods(run: ClusterRun): PodRequests[] {
  const ingress = release(run, 'ingress-nginx').inputs.values.controller;
  const kps = release(run, 'kube-prometheus-stack').inputs.values;
  const es = customResource(run, 'Elasticsearch', 'elasticsearch').inputs.spec.nodeSets[0];
  const kibana = customResource(run, 'Kibana', 'kibana').inputs.spec;
  const reloader = kps.prometheusOperator.prometheusConfigReloader.resources;
  const pods = [
    pod('ingress-nginx-controller', ingress.replicaCount, [['controller', ingress.resources]]),
    pod('mongodb', 1, [['mongodb', release(run, 'mongodb').inputs.values.resources]]),
    pod('eck-operator', 1, [['manager', release(run, 'eck-operator').inputs.values.resources]]),
    pod('elasticsearch', es.count, [['elasticsearch', es.podTemplate.spec.containers[0].resources]]),
    pod('kibana', kibana.count, [['kibana', kibana.podTemplate.spec.containers[0].resources]]),
    pod('fluentd', 'per-node', [['fluentd', release(run, 'fluentd').inputs.values.resources]]),
    pod('prometheus-operator', 1, [['operator', kps.prometheusOperator.resources]]),
    pod('prometheus', 1, [
      ['prometheus', kps.prometheus.prometheusSpec.resources],
      ['config-reloader', reloader],
    ]),
    pod('grafana', 1, [
      ['grafana', kps.grafana.resources],
      // The dashboards and the datasources sidecar share these values.
      ['sidecar-dashboards', kps.grafana.sidecar.resources],
      ['sidecar-datasources', kps.grafana.sidecar.resources],
    ]),
    pod('kube-state-metrics', 1, [['kube-state-metrics', kps['kube-state-metrics'].resources]]),
    pod('metrics-server', 1, [['metrics-server', release(run, 'metrics-server').inputs.values.resources]]),
  ];
  if (kps.alertmanager.enabled) {
    pods.push(
      pod('alertmanager', 1, [
        ['alertmanager', kps.alertmanager.alertmanagerSpec.resources],
        ['config-reloader', reloader],
      ]),
    );
  }
  return pods;
}

const appPods: PodRequests = {
  name: 'crm-app',
  replicas: APP_REPLICAS,
  cpuMillis: cpuMillis(APP_REPLICA_REQUESTS.cpu),
  memoryMi: memoryMi(APP_REPLICA_REQUESTS.memory),
};

interface Node {
  cpuMillis: number;
  memoryMi: number;
  pods: string[];
}

/** First-fit-decreasing onto the nodes after every DaemonSet has its pod on each one. */
function pack(pods: PodRequests[]): { nodes: Node[]; unplaced: string[] } {
  const nodes: Node[] = Array.from({ length: NODES.count }, () => ({
    cpuMillis: NODES.allocatable.cpuMillis,
    memoryMi: NODES.allocatable.memoryMi,
    pods: [],
  }));
  const place = (node: Node, p: PodRequests) => {
    node.cpuMillis -= p.cpuMillis;
    node.memoryMi -= p.memoryMi;
    node.pods.push(p.name);
  };
  for (const p of pods.filter((p) => p.replicas === 'per-node')) for (const node of nodes) place(node, p);
  const singles = pods
    .filter((p) => p.replicas !== 'per-node')
    .flatMap((p) => Array.from({ length: p.replicas as number }, () => p))
    .sort((a, b) => b.memoryMi - a.memoryMi);
  const unplaced: string[] = [];
  for (const p of singles) {
    const node = nodes.find(
      (n) => n.cpuMillis >= p.cpuMillis && n.memoryMi >= p.memoryMi && n.pods.length < NODES.maxPods,
    );
    if (node) place(node, p);
    else unplaced.push(p.name);
  }
  for (const node of nodes) {
    if (node.cpuMillis < 0 || node.memoryMi < 0) unplaced.push('daemon pods overflow a node');
  }
  return { nodes, unplaced };
}

const total = (pods: PodRequests[], key: 'cpuMillis' | 'memoryMi') =>
  pods.reduce((sum, p) => sum + p[key] * (p.replicas === 'per-node' ? NODES.count : p.replicas), 0);

describe('capacity on 2 x t3a.medium', () => {
  let run: ClusterRun;
  beforeAll(async () => {
    run = await runCluster(EKS_CONFIG);
  });

  it('gives every long-running container explicit requests and limits', () => {
    expect(platformPods(run).length).toBeGreaterThanOrEqual(11);
  });

  it('fits the summed requests of EKS, this layer and two app replicas into allocatable', () => {
    const pods = [...EKS_SYSTEM_PODS, ...platformPods(run), appPods];
    const cpu = total(pods, 'cpuMillis');
    const memory = total(pods, 'memoryMi');
    expect(cpu).toBeLessThanOrEqual(NODES.count * NODES.allocatable.cpuMillis);
    expect(memory).toBeLessThanOrEqual(NODES.count * NODES.allocatable.memoryMi);
    // Headroom for rolling updates and Jobs: stay under 90% of allocatable memory.
    expect(memory / (NODES.count * NODES.allocatable.memoryMi)).toBeLessThan(0.9);
  });

  it('places every pod on a node, within the 17-pod ENI limit per node', () => {
    const { nodes, unplaced } = pack([...EKS_SYSTEM_PODS, ...platformPods(run), appPods]);
    expect(unplaced).toEqual([]);
    for (const node of nodes) expect(node.pods.length).toBeLessThanOrEqual(NODES.maxPods);
  });

  it('also fits with Alertmanager switched on', async () => {
    const withAlertmanager = await runCluster({ ...EKS_CONFIG, alertmanagerEnabled: 'true' });
    const pods = [...EKS_SYSTEM_PODS, ...platformPods(withAlertmanager), appPods];
    expect(pods.map((p) => p.name)).toContain('alertmanager');
    expect(pack(pods).unplaced).toEqual([]);
  });

  it('would notice an oversized component', () => {
    const pods = [...EKS_SYSTEM_PODS, ...platformPods(run), appPods];
    const greedy = pods.map((p) => (p.name === 'elasticsearch' ? { ...p, memoryMi: 4096 } : p));
    expect(pack(greedy).unplaced).toContain('elasticsearch');
  });

  it('sets requests and limits on the short-lived Jobs too', () => {
    const job = kubernetesObjects(run).find((r) => r.inputs.kind === 'Job');
    container('elasticsearch-setup', job?.inputs.spec.template.spec.containers[0].resources);
    const webhook = release(run, 'ingress-nginx').inputs.values.controller.admissionWebhooks;
    container('ingress-nginx create-secret job', webhook.createSecretJob.resources);
    container('ingress-nginx patch job', webhook.patchWebhookJob.resources);
    const kps = release(run, 'kube-prometheus-stack').inputs.values as Json;
    container('prometheus-operator webhook job', kps.prometheusOperator.admissionWebhooks.patch.resources);
  });
});
