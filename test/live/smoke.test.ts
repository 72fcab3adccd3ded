/**
 * The live cluster models production: two Ready t3a.medium nodes in two zones, EKS's kube-system workload with
 * EKS's requests (the numbers cluster/capacity.ts plans with), PodSecurity enforcing the restricted level, the API
 * server rejecting a misspelled field, and no address but loopback reachable from where the clients run.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EKS_SYSTEM_PODS, NODES } from '../../cluster/capacity.js';
import { cpuMillis, eventually, inCluster, kubectl, kubectlJson, memoryMi } from './cluster.js';

interface Condition {
  type: string;
  status: string;
}
interface Container {
  name: string;
  resources?: { requests?: Record<string, string> };
}
interface Node {
  metadata: { name: string; labels: Record<string, string> };
  status: { allocatable: Record<string, string>; conditions: Condition[] };
}
interface Pod {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec: { nodeName?: string; containers: Container[] };
  status: { phase: string; conditions?: Condition[] };
}
interface List<T> {
  items: T[];
}

const dir = inject('liveClusterDir');
const skipReason = inject('liveSkipReason');

/** The workload a pod belongs to: its DaemonSet, or the Deployment behind its ReplicaSet. */
function workloadOf(pod: Pod): string {
  const owner = pod.metadata.ownerReferences?.[0];
  if (!owner) return pod.metadata.name;
  return owner.kind === 'ReplicaSet' ? owner.name.replace(/-[a-z0-9]+$/, '') : owner.name;
}

const ready = (conditions: Condition[] | undefined) =>
  conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe.skipIf(skipReason !== '')(
  skipReason ? `live cluster (skipped: ${skipReason})` : 'live cluster shaped like production',
  () => {
    it('has two Ready nodes with a t3a.medium node group’s allocatable, in two zones', async () => {
      const nodes = await eventually('both nodes Ready', async () => {
        const list = await kubectlJson<List<Node>>(dir, ['get', 'nodes']);
        return list.items.length === 2 && list.items.every((n) => ready(n.status.conditions))
          ? list
          : undefined;
      });
      for (const node of nodes.items) {
        expect(cpuMillis(node.status.allocatable.cpu), node.metadata.name).toBe(NODES.allocatable.cpuMillis);
        expect(memoryMi(node.status.allocatable.memory), node.metadata.name).toBe(NODES.allocatable.memoryMi);
        expect(Number(node.status.allocatable.pods), node.metadata.name).toBe(NODES.maxPods);
        expect(node.metadata.labels['node.kubernetes.io/instance-type']).toBe(NODES.instanceType);
      }
      const zones = new Set(nodes.items.map((n) => n.metadata.labels['topology.kubernetes.io/zone']));
      expect([...zones].sort()).toEqual(['us-east-1a', 'us-east-1b']);
    });

    it('runs EKS’s kube-system pods with the requests cluster/capacity.ts plans with', async () => {
      const pods = await eventually('the kube-system stand-ins Running and Ready', async () => {
        const list = await kubectlJson<List<Pod>>(dir, ['-n', 'kube-system', 'get', 'pods']);
        const settled = list.items.every((p) => p.status.phase === 'Running' && ready(p.status.conditions));
        return settled && list.items.length > 0 ? list.items : undefined;
      });
      const nodeCount = NODES.count;
      for (const planned of EKS_SYSTEM_PODS) {
        const mine = pods.filter((p) => workloadOf(p) === planned.name);
        const expected = planned.replicas === 'per-node' ? nodeCount : planned.replicas;
        expect(mine.length, planned.name).toBe(expected);
        for (const pod of mine) {
          expect(pod.spec.nodeName, pod.metadata.name).toBeTruthy();
          const requests = pod.spec.containers.map((c) => c.resources?.requests ?? {});
          const cpu = requests.reduce((sum, r) => sum + cpuMillis(r.cpu), 0);
          const memory = requests.reduce((sum, r) => sum + memoryMi(r.memory), 0);
          expect({ cpu, memory }, pod.metadata.name).toEqual({
            cpu: planned.cpuMillis,
            memory: planned.memoryMi,
          });
        }
        if (planned.replicas === 'per-node') {
          expect(new Set(mine.map((p) => p.spec.nodeName)).size, planned.name).toBe(nodeCount);
        }
      }
      // Nothing in kube-system that the capacity plan does not count.
      expect(new Set(pods.map(workloadOf))).toEqual(new Set(EKS_SYSTEM_PODS.map((p) => p.name)));
    });

    describe('PodSecurity admission at the restricted level', () => {
      const namespace = `live-restricted-${randomBytes(3).toString('hex')}`;

      beforeAll(async () => {
        const created = await kubectl(dir, ['create', '-f', '-'], {
          input: JSON.stringify({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
          }),
        });
        expect(created.code, created.stderr).toBe(0);
      });
      afterAll(async () => {
        await kubectl(dir, ['delete', 'namespace', namespace, '--wait=false']);
      });

      const pod = (name: string, securityContext: object, containerSecurityContext: object) =>
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace },
          spec: {
            securityContext,
            containers: [
              {
                name: 'app',
                image: 'registry.k8s.io/pause:3.10',
                securityContext: containerSecurityContext,
                resources: { requests: { cpu: '10m', memory: '16Mi' } },
              },
            ],
          },
        });

      it('rejects a privileged pod', async () => {
        const result = await kubectl(dir, ['create', '-f', '-'], {
          input: pod('privileged', {}, { privileged: true }),
        });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain('violates PodSecurity "restricted:latest"');
        expect(result.stderr).toContain('privileged');
        const lookup = await kubectl(dir, ['-n', namespace, 'get', 'pod', 'privileged']);
        expect(lookup.code).not.toBe(0);
      });

      it('admits a restricted pod, which the scheduler places and kwok runs', async () => {
        const result = await kubectl(dir, ['create', '-f', '-'], {
          input: pod(
            'restricted',
            { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              readOnlyRootFilesystem: true,
            },
          ),
        });
        expect(result.code, result.stderr).toBe(0);
        // No warning either: the pod meets the level, it is not merely let through.
        expect(result.stderr).not.toContain('Warning');
        const running = await eventually('the restricted pod Running', async () => {
          const p = await kubectlJson<Pod>(dir, ['-n', namespace, 'get', 'pod', 'restricted']);
          return p.status.phase === 'Running' && ready(p.status.conditions) ? p : undefined;
        });
        expect(running.spec.nodeName).toMatch(/^ip-10-0-[12]-10\.ec2\.internal$/);
      });
    });

    it('rejects a misspelled field (strict field validation in the API server)', async () => {
      const ingress = JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'misspelled', namespace: 'default' },
        spec: {
          ingres: [{ host: 'crm.example.com' }],
          rules: [{ host: 'crm.example.com' }],
        },
      });
      // Strict: the API server refuses the request (kubectl sends fieldValidation=Strict; no client-side schema).
      const strict = await kubectl(dir, ['create', '--validate=strict', '-f', '-'], { input: ingress });
      expect(strict.code).not.toBe(0);
      expect(strict.stderr).toContain('unknown field "spec.ingres"');
      expect((await kubectl(dir, ['-n', 'default', 'get', 'ingress', 'misspelled'])).code).not.toBe(0);
      // The API server's default (Warn) accepts it but says so: the warning a Pulumi run must treat as a failure.
      const warn = await kubectl(dir, ['create', '--validate=warn', '--dry-run=server', '-f', '-'], {
        input: ingress,
      });
      expect(warn.code, warn.stderr).toBe(0);
      expect(warn.stderr).toContain('unknown field "spec.ingres"');
    });

    it('reaches nothing but loopback from the cluster’s network namespace', async () => {
      const links = await inCluster(dir, ['ip', '-o', 'link', 'show']);
      expect(links.code, links.stderr).toBe(0);
      expect(
        links.stdout
          .trim()
          .split('\n')
          .map((line) => line.split(':')[1]?.trim()),
      ).toEqual(['lo']);
      const routes = await inCluster(dir, ['ip', 'route', 'show', 'table', 'all']);
      expect(routes.stdout).not.toMatch(/^default/m);
      // The kernel refuses at once (no route): the kubernetes Service's address and a documentation address.
      for (const address of ['10.96.0.1', '192.0.2.1']) {
        const dial = await inCluster(dir, ['bash', '-c', `exec 3<>/dev/tcp/${address}/443`]);
        expect(dial.code, address).not.toBe(0);
        expect(dial.stderr, address).toContain('Network is unreachable');
      }
    });
  },
);
