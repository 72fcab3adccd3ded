import { declared, dependenciesOf, named, ofType, urnName } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClusterRun, EKS_CONFIG, INFRA_STACK_OUTPUTS, runCluster } from './harness';

type HookArgs = Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
const hookArgs: Array<{ kind: 'load balancers' | 'volumes'; name: string; args: HookArgs }> = [];
const crdHooks: Array<{ name: string; args: Parameters<typeof import('../cleanup').crdCleanupHook>[1] }> = [];

// The hooks themselves are tested in cleanupHook.test.ts; here: that the program attaches them, where and how.
vi.mock('../cleanup', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../cleanup')>();
  return {
    ...actual,
    loadBalancerCleanupHook: (name: string, args: Parameters<typeof actual.loadBalancerCleanupHook>[1]) => {
      hookArgs.push({ kind: 'load balancers', name, args: args as unknown as HookArgs });
      return actual.loadBalancerCleanupHook(name, args);
    },
    volumeReleaseHook: (name: string, args: Parameters<typeof actual.volumeReleaseHook>[1]) => {
      hookArgs.push({ kind: 'volumes', name, args: args as unknown as HookArgs });
      return actual.volumeReleaseHook(name, args);
    },
    crdCleanupHook: (name: string, args: Parameters<typeof actual.crdCleanupHook>[1]) => {
      crdHooks.push({ name, args });
      return actual.crdCleanupHook(name, args);
    },
  };
});

const value = <T>(input: pulumi.Input<T>) =>
  new Promise<T>((resolve) => pulumi.output(input).apply((v) => resolve(v as T)));

const OWNED_NAMESPACES = [
  'crm',
  'ingress-nginx',
  'database',
  'elastic',
  'elastic-system',
  'logging',
  'monitoring',
];
const LB_MARKER = 'cloudops-crm-load-balancer-cleanup';
const VOLUME_MARKER = 'cloudops-crm-volume-release';
const CRD_HOOK = 'cloudops-crm-crd-cleanup';
const ECK_GROUP = { group: 'k8s.elastic.co', release: { name: 'eck-operator', namespace: 'elastic-system' } };
const PROMETHEUS_GROUP = { group: 'monitoring.coreos.com' };
const CONFIG_MAP = 'kubernetes:core/v1:ConfigMap';
const LOCAL_CONFIG = { kubeContext: 'k3d-crm', storageClassName: 'local-path', publicHost: 'localhost' };

const marker = (run: ClusterRun, name: string) =>
  ofType(declared(run.resources), CONFIG_MAP).filter((r) => r.name === name);

/** Resources that depend directly on `urn`, i.e. that a destroy deletes before it. */
const dependents = (resources: ClusterRun['resources'], urn: string | undefined) =>
  resources.filter((r) => urn !== undefined && r.options.dependsOn.includes(urn)).map((r) => r.name);

describe('cleanup on destroy', () => {
  beforeEach(() => {
    hookArgs.length = 0;
    crdHooks.length = 0;
  });

  it('hangs the load balancer cleanup on a fixed marker, deleted before the ingress controller', async () => {
    const run = await runCluster(EKS_CONFIG);
    const found = marker(run, LB_MARKER);
    expect(found).toHaveLength(1);
    expect(found[0]?.inputs.metadata).toMatchObject({ name: LB_MARKER, namespace: 'kube-system' });

    const bound = named(run.resources, CONFIG_MAP, LB_MARKER).options;
    expect(bound.hooks.beforeDelete).toEqual([LB_MARKER]);
    expect(bound.hooks.afterDelete).toEqual([]);
    // Depending on the controller release makes the engine delete the marker (and run the hook) first.
    expect(bound.dependsOn.map(urnName)).toContain('ingress');

    const args = hookArgs.find((h) => h.kind === 'load balancers')!.args;
    expect(await value(args.clusterName as pulumi.Input<string>)).toBe(INFRA_STACK_OUTPUTS.clusterName);
    expect(await value(args.region as pulumi.Input<string>)).toBe(INFRA_STACK_OUTPUTS.region);
    expect(await value(args.kubeconfig as pulumi.Input<string>)).toBe(INFRA_STACK_OUTPUTS.kubeconfig);
    expect(await value(pulumi.all(args.namespaces as pulumi.Input<string>[]))).toEqual(OWNED_NAMESPACES);
  });

  it('deletes the load balancer marker before anything else and the volume marker after everything else', async () => {
    const run = await runCluster(EKS_CONFIG);
    const lbMarker = named(run.resources, CONFIG_MAP, LB_MARKER);
    const volumeMarker = named(run.resources, CONFIG_MAP, VOLUME_MARKER);
    // Every object the stack owns in the cluster: Helm releases, namespaces and the program's own objects.
    const owned = declared(run.resources).filter(
      (r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:providers:'),
    );
    expect(owned.length).toBeGreaterThan(20);
    const lbFirst = dependenciesOf(run.resources, lbMarker.urn);
    const volumeLast = dependenciesOf(run.resources, volumeMarker.urn);
    // The engine deletes a resource only after everything that depends on it: the marker depends on each one, and
    // nothing depends on the marker, so nothing is deleted in parallel with the load balancer wait.
    for (const resource of owned) {
      if (resource.urn !== lbMarker.urn) {
        expect(lbFirst.has(resource.urn ?? ''), `${resource.type} ${resource.name}`).toBe(true);
      }
    }
    expect(dependents(run.resources, lbMarker.urn)).toEqual([]);
    const namespaces = ofType(declared(run.resources), 'kubernetes:core/v1:Namespace');
    const helmReleases = ofType(declared(run.resources), 'kubernetes:helm.sh/v3:Release');
    expect(namespaces).toHaveLength(OWNED_NAMESPACES.length);
    for (const resource of [...namespaces, ...helmReleases]) {
      expect(lbFirst.has(resource.urn ?? ''), resource.name).toBe(true);
    }
    // Every namespace, and every release in one (with them every claim), is gone before the volume wait starts;
    // metrics-server in kube-system has no volumes.
    const inOwnedNamespaces = helmReleases.filter((r) => OWNED_NAMESPACES.includes(r.inputs.namespace));
    expect(inOwnedNamespaces.length).toBeGreaterThanOrEqual(5);
    for (const resource of [...namespaces, ...inOwnedNamespaces]) {
      expect(dependenciesOf(run.resources, resource.urn).has(volumeMarker.urn ?? ''), resource.name).toBe(
        true,
      );
    }
    // The volume marker depends on nothing of the stack: it is the last to go.
    expect(volumeLast.size).toBe(0);
  });

  it('hangs the volume release wait on a fixed marker that the namespaces depend on, so it goes last', async () => {
    const run = await runCluster(EKS_CONFIG);
    const found = marker(run, VOLUME_MARKER);
    expect(found).toHaveLength(1);
    expect(found[0]?.inputs.metadata).toMatchObject({ name: VOLUME_MARKER, namespace: 'kube-system' });

    const bound = named(run.resources, CONFIG_MAP, VOLUME_MARKER).options;
    // beforeDelete: a failure keeps the marker, so the destroy fails and a rerun waits again. After the wait, the
    // operators' CRDs are removed (when unused).
    expect(bound.hooks.beforeDelete).toEqual([VOLUME_MARKER, CRD_HOOK]);
    expect(bound.hooks.afterDelete).toEqual([]);
    expect(bound.dependsOn.map(urnName)).toEqual([]);

    // Every namespace is a child of the component that depends on the marker: namespaces (and their
    // claims) are deleted before it.
    expect(
      named(run.resources, 'cloudops-crm:cluster:PlatformNamespaces', 'ns').options.dependsOn.map(urnName),
    ).toContain(VOLUME_MARKER);
    const namespaces = ofType(declared(run.resources), 'kubernetes:core/v1:Namespace');
    expect(namespaces.map((r) => r.inputs.metadata.name).sort()).toEqual([...OWNED_NAMESPACES].sort());
    for (const namespace of namespaces) {
      expect(
        named(run.resources, namespace.type, namespace.name).options.dependsOn.map(urnName),
        namespace.name,
      ).toContain(VOLUME_MARKER);
    }

    const args = hookArgs.find((h) => h.kind === 'volumes')!.args;
    expect(await value(args.kubeconfig as pulumi.Input<string>)).toBe(INFRA_STACK_OUTPUTS.kubeconfig);
    // The cluster name makes it the EKS wait: every EBS volume of the cluster.
    expect(await value(args.clusterName as pulumi.Input<string>)).toBe(INFRA_STACK_OUTPUTS.clusterName);
    expect(await value(args.region as pulumi.Input<string>)).toBe(INFRA_STACK_OUTPUTS.region);
    expect(await value(pulumi.all(args.namespaces as pulumi.Input<string>[]))).toEqual(OWNED_NAMESPACES);
    expect(run.hooks.sort()).toEqual([LB_MARKER, VOLUME_MARKER, CRD_HOOK].sort());

    // The CRD cleanup reaches the cluster like the other hooks, for the groups of both operators.
    expect(crdHooks).toHaveLength(1);
    expect(await value(crdHooks[0]!.args.kubeconfig!)).toBe(INFRA_STACK_OUTPUTS.kubeconfig);
    expect(crdHooks[0]!.args.groups).toEqual([ECK_GROUP, PROMETHEUS_GROUP]);
  });

  it.each([
    [{}, [ECK_GROUP, PROMETHEUS_GROUP]],
    [{ monitoringEnabled: 'false' }, [ECK_GROUP]],
    [{ elasticStackEnabled: 'false' }, [PROMETHEUS_GROUP]],
    [{ elasticStackEnabled: 'false', monitoringEnabled: 'false' }, []],
    [
      { elasticOperatorNamespace: 'eck' },
      [{ ...ECK_GROUP, release: { ...ECK_GROUP.release, namespace: 'eck' } }, PROMETHEUS_GROUP],
    ],
  ])('removes the CRDs of the operators the switches install (%j)', async (switches, groups) => {
    const run = await runCluster({ ...EKS_CONFIG, ...switches });
    expect(named(run.resources, CONFIG_MAP, VOLUME_MARKER).options.hooks.beforeDelete).toEqual([
      VOLUME_MARKER,
      CRD_HOOK,
    ]);
    expect(crdHooks.map((h) => h.args.groups)).toEqual([groups]);
  });

  it('keeps both markers identical when the ingress controller or its namespace changes', async () => {
    const nginx = await runCluster(EKS_CONFIG);
    const traefik = await runCluster({
      ...EKS_CONFIG,
      ingressController: 'traefik',
      ingressNamespace: 'edge',
    });
    for (const name of [LB_MARKER, VOLUME_MARKER]) {
      expect(marker(traefik, name)[0]?.inputs, name).toEqual(marker(nginx, name)[0]?.inputs);
    }
    // The cleanup follows the controller into its namespace.
    const args = hookArgs.filter((h) => h.kind === 'load balancers').at(-1)!.args;
    expect(await value(pulumi.all(args.namespaces as pulumi.Input<string>[]))).toContain('edge');
  });

  it("attaches both on a local cluster, with the provider's context and no AWS side", async () => {
    const run = await runCluster(LOCAL_CONFIG);
    for (const name of [LB_MARKER, VOLUME_MARKER]) {
      const found = marker(run, name);
      expect(found, name).toHaveLength(1);
      expect(found[0]?.inputs.metadata).toMatchObject({ name, namespace: 'kube-system' });
    }
    expect(named(run.resources, CONFIG_MAP, LB_MARKER).options.hooks.beforeDelete).toEqual([LB_MARKER]);
    expect(named(run.resources, CONFIG_MAP, VOLUME_MARKER).options.hooks.beforeDelete).toEqual([
      VOLUME_MARKER,
      CRD_HOOK,
    ]);
    expect(run.hooks.sort()).toEqual([LB_MARKER, VOLUME_MARKER, CRD_HOOK].sort());
    expect(await value(crdHooks[0]!.args.kubeContext!)).toBe('k3d-crm');
    expect(crdHooks[0]!.args.kubeconfig).toBeUndefined();

    // The same order as on EKS: the load balancer marker goes first, the volume marker last.
    expect(named(run.resources, CONFIG_MAP, LB_MARKER).options.dependsOn.map(urnName)).toContain('ingress');
    expect(named(run.resources, CONFIG_MAP, VOLUME_MARKER).options.dependsOn).toEqual([]);
    expect(
      named(run.resources, 'cloudops-crm:cluster:PlatformNamespaces', 'ns').options.dependsOn.map(urnName),
    ).toEqual([VOLUME_MARKER]);

    // The hooks reach the cluster through the provider's context; without a cluster name they skip the AWS waits.
    expect(hookArgs.map((h) => h.kind).sort()).toEqual(['load balancers', 'volumes']);
    for (const { kind, args } of hookArgs) {
      expect(await value(args.kubeContext as pulumi.Input<string>), kind).toBe('k3d-crm');
      expect(args.kubeconfig, kind).toBeUndefined();
      expect(args.clusterName, kind).toBeUndefined();
      expect(args.region, kind).toBeUndefined();
      expect(await value(pulumi.all(args.namespaces as pulumi.Input<string>[])), kind).toEqual(
        OWNED_NAMESPACES,
      );
    }
  });

  it('passes a local kubeconfig value (contents or path) to the hooks as the provider gets it', async () => {
    const run = await runCluster({ ...LOCAL_CONFIG, kubeconfig: '~/.kube/k3d-crm.yaml' });
    expect(marker(run, LB_MARKER)).toHaveLength(1);
    expect(marker(run, VOLUME_MARKER)).toHaveLength(1);
    const provider = run.resources.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(provider?.inputs.kubeconfig).toBe('~/.kube/k3d-crm.yaml');
    for (const { kind, args } of hookArgs) {
      expect(await value(args.kubeconfig as pulumi.Input<string>), kind).toBe('~/.kube/k3d-crm.yaml');
      expect(await value(args.kubeContext as pulumi.Input<string>), kind).toBe('k3d-crm');
    }
  });
});
