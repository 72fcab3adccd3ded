import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig as loadAppConfig } from '../../app/deploy/config';
import { loadConfig as loadInfraConfig, VPC_CNI_OPTIONS } from '../../infra/config';
import {
  EKS_SYSTEM_PODS,
  NODE_GROUP,
  NODES,
  type NodeGroupPlan,
  type NodeShape,
  nodeShape,
  type PodRequests,
  place,
  totals,
} from '../capacity';
import { APP_REPLICA_REQUESTS } from '../contract';
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

/** The CRM API at `replicas` pods, with the requests the app layer gives each. */
const appPods = (replicas: number): PodRequests => ({
  name: 'crm-app',
  replicas,
  cpuMillis: cpuMillis(APP_REPLICA_REQUESTS.cpu),
  memoryMi: memoryMi(APP_REPLICA_REQUESTS.memory),
});

/**
 * A rollout at the ceiling adds this many pods before it removes any (app/deploy/deployment.ts: maxSurge 1,
 * maxUnavailable 0); a surge pod left Pending stalls the rollout.
 */
const ROLLOUT_SURGE = 1;

/** Headroom for the platform's own rollouts (a second Kibana or Grafana pod) and its Helm hook Jobs. */
const MEMORY_SHARE_LIMIT = 0.9;

/** A stack's `config:` from a Pulumi.<stack>.yaml, keys without the project prefix. */
function stackConfig(path: string, project: string): Record<string, string> {
  const config = parse(readFileSync(path, 'utf8')).config as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(`${project}:`))
      .map(([key, value]) => [key.slice(project.length + 1), String(value)]),
  );
}
const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const repo = join(__dirname, '..', '..');

/** Infra's settings that shape a node, read through infra's own configuration loader. */
function infraNodeGroup(values: Record<string, string>): NodeGroupPlan {
  // githubRepository is required and has no bearing on nodes; pulumiStack stands in for the stack name.
  const config = loadInfraConfig(
    source({ githubRepository: 'acme/cloudops-crm', pulumiStack: 'dev', ...values }),
  );
  return {
    instanceType: config.node.instanceType,
    count: config.node.desiredSize,
    prefixDelegation: VPC_CNI_OPTIONS.enablePrefixDelegation === true,
  };
}

/** The app's autoscaler ceiling, read through the app layer's configuration loader. */
function appMaxReplicas(values: Record<string, string>): number {
  const required = {
    clusterStack: 'example-org/cloudops-crm-cluster/dev',
    image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app@sha256:${'c'.repeat(64)}`,
    environment: 'dev',
  };
  return loadAppConfig(source({ ...required, ...values }), { GITHUB_SHA: '0123456789abcdef' }).maxReplicas;
}

const INFRA_SETTINGS = {
  defaults: {},
  'infra/Pulumi.dev.yaml': stackConfig(join(repo, 'infra', 'Pulumi.dev.yaml'), 'cloudops-crm-infra'),
};
const APP_SETTINGS = {
  defaults: {},
  'app/deploy/Pulumi.dev.yaml': stackConfig(
    join(repo, 'app', 'deploy', 'Pulumi.dev.yaml'),
    'cloudops-crm-app',
  ),
};

interface Verdict {
  unplaced: string[];
  podsPerNode: number[];
  cpuShare: number;
  memoryShare: number;
}

/** The platform with the app at `ceiling` replicas: where a rollout's pods land, and the summed requests' shares. */
function atCeiling(node: NodeShape, platform: PodRequests[], ceiling: number): Verdict {
  const { nodes, unplaced } = place(
    node,
    [...EKS_SYSTEM_PODS, ...platform],
    [appPods(ceiling + ROLLOUT_SURGE)],
  );
  const sum = totals(node, [...EKS_SYSTEM_PODS, ...platform, appPods(ceiling)]);
  return {
    unplaced,
    podsPerNode: nodes.map((n) => n.pods.length),
    cpuShare: sum.cpuMillis / (node.count * node.allocatable.cpuMillis),
    memoryShare: sum.memoryMi / (node.count * node.allocatable.memoryMi),
  };
}

const fits = (v: Verdict) => v.unplaced.length === 0 && v.cpuShare <= 1 && v.memoryShare < MEMORY_SHARE_LIMIT;

describe('capacity on the infra layer’s nodes, the app at its autoscaler’s ceiling', () => {
  let run: ClusterRun;
  let withAlertmanager: ClusterRun;
  beforeAll(async () => {
    run = await runCluster(EKS_CONFIG);
    withAlertmanager = await runCluster({ ...EKS_CONFIG, alertmanagerEnabled: 'true' });
  });

  it.each(Object.entries(INFRA_SETTINGS))('takes the node shape from infra’s settings (%s)', (_, values) => {
    expect(nodeShape(infraNodeGroup(values))).toEqual(NODES);
  });

  it('works out t3a.medium as the kubelet reports it: 17 pods, 1930m CPU, 3308 MiB', () => {
    expect(NODE_GROUP).toEqual({ instanceType: 't3a.medium', count: 2, prefixDelegation: false });
    expect(NODES).toEqual({
      instanceType: 't3a.medium',
      count: 2,
      allocatable: { cpuMillis: 1930, memoryMi: 3308 },
      maxPods: 17,
    });
  });

  it('would not fit with prefix delegation: 110 pods a node, but kube-reserved leaves 2285 MiB', () => {
    const delegated = nodeShape({ ...NODE_GROUP, prefixDelegation: true });
    expect(delegated.maxPods).toBe(110);
    expect(delegated.allocatable).toEqual({ cpuMillis: 1930, memoryMi: 2285 });
    const verdict = atCeiling(delegated, platformPods(run), appMaxReplicas({}));
    expect(verdict.unplaced).not.toEqual([]);
    expect(verdict.memoryShare).toBeGreaterThan(1);
  });

  it('gives every long-running container explicit requests and limits', () => {
    expect(platformPods(run).length).toBeGreaterThanOrEqual(11);
  });

  it.each(Object.entries(APP_SETTINGS))(
    'places every pod with the app at maxReplicas plus a rollout’s surge pod, memory under 90 % (%s)',
    (_, values) => {
      const ceiling = appMaxReplicas(values);
      const verdict = atCeiling(NODES, platformPods(run), ceiling);
      expect(verdict.unplaced).toEqual([]);
      for (const pods of verdict.podsPerNode) expect(pods).toBeLessThanOrEqual(NODES.maxPods);
      expect(verdict.cpuShare).toBeLessThanOrEqual(1);
      expect(verdict.memoryShare).toBeLessThan(MEMORY_SHARE_LIMIT);
    },
  );

  it('has the largest default ceiling that fits: one replica more would not', () => {
    const ceiling = appMaxReplicas({});
    expect(fits(atCeiling(NODES, platformPods(run), ceiling))).toBe(true);
    expect(fits(atCeiling(NODES, platformPods(run), ceiling + 1))).toBe(false);
  });

  it('refuses a ceiling of 6: memory requests would reach 92.7 %', () => {
    const verdict = atCeiling(NODES, platformPods(run), 6);
    expect(verdict.memoryShare).toBeCloseTo(0.927, 3);
    expect(fits(verdict)).toBe(false);
  });

  it('also places every pod with Alertmanager switched on, whose headroom holds up to 3 replicas', () => {
    const pods = platformPods(withAlertmanager);
    expect(pods.map((p) => p.name)).toContain('alertmanager');
    expect(atCeiling(NODES, pods, appMaxReplicas({})).unplaced).toEqual([]);
    // README.md "Capacity" tells stacks with Alertmanager to set maxReplicas 3.
    expect(fits(atCeiling(NODES, pods, 3))).toBe(true);
    expect(fits(atCeiling(NODES, pods, 4))).toBe(false);
  });

  it('would notice an oversized component', () => {
    const greedy = platformPods(run).map((p) => (p.name === 'elasticsearch' ? { ...p, memoryMi: 4096 } : p));
    expect(atCeiling(NODES, greedy, appMaxReplicas({})).unplaced).toContain('elasticsearch');
  });

  it('would notice nodes over their pod limit however small the pods', () => {
    const many: PodRequests = {
      name: 'tiny',
      cpuMillis: 1,
      memoryMi: 1,
      replicas: NODES.count * NODES.maxPods,
    };
    const { nodes, unplaced } = place(NODES, [...EKS_SYSTEM_PODS, many]);
    expect(nodes.map((n) => n.pods.length)).toEqual([NODES.maxPods, NODES.maxPods]);
    expect(unplaced).toContain('tiny');
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
