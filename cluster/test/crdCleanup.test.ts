import { mockHookRuntime } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CrdApi,
  CrdCleanupTimeoutError,
  type CrdGroup,
  type CustomObjectApi,
  type CustomResourceDefinition,
  crdCleanupHook,
  removeUnusedCrds,
} from '../cleanup';

beforeAll(async () => {
  await mockHookRuntime('cloudops-crm-cluster');
});

type Resource = { metadata: { name: string; namespace?: string } };

const ECK_RELEASE = {
  'meta.helm.sh/release-name': 'eck-operator',
  'meta.helm.sh/release-namespace': 'elastic-system',
};
const ECK: CrdGroup = {
  group: 'k8s.elastic.co',
  release: { name: 'eck-operator', namespace: 'elastic-system' },
};
const PROMETHEUS: CrdGroup = { group: 'monitoring.coreos.com' };

function crd(
  group: string,
  plural: string,
  kind: string,
  annotations?: Record<string, string>,
  versions = [
    { name: 'v1beta1', served: true, storage: false },
    { name: 'v1', served: true, storage: true },
  ],
): CustomResourceDefinition {
  return {
    metadata: { name: `${plural}.${group}`, ...(annotations && { annotations }) },
    spec: { group, names: { plural, kind }, versions },
  };
}

/**
 * A cluster of CRDs and their resources. A deleted CRD stays listed for `lingers` more listings (the API server
 * removes it asynchronously) and takes every resource of its kind with it, as the real one does.
 */
function fakeCluster(
  definitions: CustomResourceDefinition[],
  resources: Record<string, Resource[]>,
  lingers = 0,
) {
  const present = new Map(definitions.map((d) => [d.metadata?.name ?? '', d]));
  const leaving = new Map<string, number>();
  const deleted: string[] = [];
  const listedResources: string[] = [];
  const crds: CrdApi = {
    listCustomResourceDefinition: async () => {
      for (const [name, left] of leaving) {
        if (left <= 0) {
          present.delete(name);
          leaving.delete(name);
        } else leaving.set(name, left - 1);
      }
      return { items: [...present.values()] };
    },
    deleteCustomResourceDefinition: async ({ name }) => {
      if (!present.has(name)) throw Object.assign(new Error('not found'), { code: 404 });
      deleted.push(name);
      leaving.set(name, lingers);
      return {};
    },
  };
  const customObjects: CustomObjectApi = {
    listClusterCustomObject: async ({ group, version, plural, limit }) => {
      listedResources.push(`${plural}.${group}/${version}`);
      const all = resources[`${plural}.${group}`] ?? [];
      return {
        items: all.slice(0, limit),
        ...(limit !== undefined && all.length > limit && { metadata: { _continue: 'more' } }),
      };
    },
  };
  return { crds, customObjects, deleted, listedResources, present };
}

const noSleep = async () => {};

describe('removeUnusedCrds', () => {
  it('deletes the unused CRDs of the given groups, keeps one with a resource left and ignores other groups', async () => {
    const cluster = fakeCluster(
      [
        crd('elasticsearch.k8s.elastic.co', 'elasticsearches', 'Elasticsearch', ECK_RELEASE),
        crd('kibana.k8s.elastic.co', 'kibanas', 'Kibana', ECK_RELEASE),
        crd('monitoring.coreos.com', 'prometheuses', 'Prometheus'),
        crd('monitoring.coreos.com', 'servicemonitors', 'ServiceMonitor'),
        crd('cert-manager.io', 'certificates', 'Certificate'),
        // A look-alike group that is not a subgroup of k8s.elastic.co.
        crd('notk8s.elastic.co.example.com', 'widgets', 'Widget'),
      ],
      {
        'servicemonitors.monitoring.coreos.com': [
          { metadata: { name: 'billing-api', namespace: 'billing' } },
          { metadata: { name: 'billing-worker', namespace: 'billing' } },
        ],
        'certificates.cert-manager.io': [],
      },
    );
    const messages: string[] = [];

    const result = await removeUnusedCrds({
      ...cluster,
      groups: [ECK, PROMETHEUS],
      log: (message) => messages.push(message),
      sleep: noSleep,
    });

    expect(result.deleted).toEqual([
      'elasticsearches.elasticsearch.k8s.elastic.co',
      'kibanas.kibana.k8s.elastic.co',
      'prometheuses.monitoring.coreos.com',
    ]);
    expect(cluster.deleted).toEqual(result.deleted);
    expect(result.kept).toEqual(['servicemonitors.monitoring.coreos.com']);
    expect([...cluster.present.keys()]).toEqual([
      'servicemonitors.monitoring.coreos.com',
      'certificates.cert-manager.io',
      'widgets.notk8s.elastic.co.example.com',
    ]);
    // Each CRD's resources are listed cluster-wide through its storage version; other groups are not looked at.
    expect(cluster.listedResources).toEqual([
      'elasticsearches.elasticsearch.k8s.elastic.co/v1',
      'kibanas.kibana.k8s.elastic.co/v1',
      'prometheuses.monitoring.coreos.com/v1',
      'servicemonitors.monitoring.coreos.com/v1',
    ]);
    expect(messages).toContain(
      'Kept CustomResourceDefinition servicemonitors.monitoring.coreos.com: ServiceMonitor resources remain in the ' +
        'cluster (billing/billing-api, billing/billing-worker); deleting the definition would delete them',
    );
    expect(messages).toContain(
      'Deleted CustomResourceDefinition prometheuses.monitoring.coreos.com: no Prometheus resource is left in the cluster',
    );
  });

  it('names at most ten remaining resources and says there are more', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      metadata: { name: `es-${i}`, namespace: 'search' },
    }));
    const cluster = fakeCluster(
      [crd('elasticsearch.k8s.elastic.co', 'elasticsearches', 'Elasticsearch', ECK_RELEASE)],
      { 'elasticsearches.elasticsearch.k8s.elastic.co': many },
    );
    const messages: string[] = [];
    const result = await removeUnusedCrds({ ...cluster, groups: [ECK], log: (m) => messages.push(m) });
    expect(result).toEqual({ deleted: [], kept: ['elasticsearches.elasticsearch.k8s.elastic.co'] });
    expect(cluster.deleted).toEqual([]);
    expect(messages.join('\n')).toContain('search/es-9 and more)');
    expect(messages.join('\n')).not.toContain('es-10');
  });

  it('keeps a CRD of the group that another Helm release installed, without listing its resources', async () => {
    const cluster = fakeCluster(
      [
        crd('elasticsearch.k8s.elastic.co', 'elasticsearches', 'Elasticsearch', {
          'meta.helm.sh/release-name': 'eck-operator',
          'meta.helm.sh/release-namespace': 'search-team',
        }),
        crd('monitoring.coreos.com', 'probes', 'Probe', {
          'meta.helm.sh/release-name': 'prometheus-operator-crds',
          'meta.helm.sh/release-namespace': 'observability',
        }),
      ],
      {},
    );
    const messages: string[] = [];
    const result = await removeUnusedCrds({
      ...cluster,
      groups: [ECK, PROMETHEUS],
      log: (m) => messages.push(m),
    });
    expect(result.deleted).toEqual([]);
    expect(result.kept).toEqual([
      'elasticsearches.elasticsearch.k8s.elastic.co',
      'probes.monitoring.coreos.com',
    ]);
    expect(cluster.listedResources).toEqual([]);
    expect(messages).toContain(
      'Kept CustomResourceDefinition probes.monitoring.coreos.com: it belongs to Helm release ' +
        'observability/prometheus-operator-crds, not to this stack',
    );
  });

  it('does nothing without groups, and deletes nothing when a listing fails', async () => {
    const cluster = fakeCluster([crd('monitoring.coreos.com', 'prometheuses', 'Prometheus')], {});
    expect(await removeUnusedCrds({ ...cluster, groups: [] })).toEqual({ deleted: [], kept: [] });
    expect(cluster.listedResources).toEqual([]);

    const failing = {
      ...cluster,
      customObjects: {
        listClusterCustomObject: async () => {
          throw Object.assign(new Error('forbidden'), { code: 403 });
        },
      },
    };
    await expect(removeUnusedCrds({ ...failing, groups: [PROMETHEUS], log: () => {} })).rejects.toThrow(
      'forbidden',
    );
    expect(cluster.deleted).toEqual([]);
  });

  it('waits until the deleted CRDs are gone, and fails when they stay', async () => {
    const slow = fakeCluster([crd('monitoring.coreos.com', 'prometheuses', 'Prometheus')], {}, 2);
    const messages: string[] = [];
    let clock = 0;
    const result = await removeUnusedCrds({
      ...slow,
      groups: [PROMETHEUS],
      log: (m) => messages.push(m),
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
      pollIntervalMs: 1000,
    });
    expect(result.deleted).toEqual(['prometheuses.monitoring.coreos.com']);
    expect(slow.present.size).toBe(0);
    expect(messages.at(-1)).toBe('CustomResourceDefinitions gone: prometheuses.monitoring.coreos.com');

    const stuck = fakeCluster([crd('monitoring.coreos.com', 'prometheuses', 'Prometheus')], {}, 1000);
    clock = 0;
    await expect(
      removeUnusedCrds({
        ...stuck,
        groups: [PROMETHEUS],
        log: () => {},
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => clock,
        timeoutMs: 5000,
        pollIntervalMs: 1000,
      }),
    ).rejects.toBeInstanceOf(CrdCleanupTimeoutError);
  });
});

describe('crdCleanupHook', () => {
  it('is a named hook that does not run on previews', () => {
    const hook = crdCleanupHook('crds', { groups: [PROMETHEUS] });
    expect(hook.name).toBe('crds');
    expect(hook.opts?.onDryRun ?? false).toBe(false);
  });

  it('reaches the cluster the way the provider does and removes the unused CRDs of its groups', async () => {
    const cluster = fakeCluster(
      [
        crd('monitoring.coreos.com', 'prometheuses', 'Prometheus'),
        crd('kibana.k8s.elastic.co', 'kibanas', 'Kibana', ECK_RELEASE),
      ],
      {},
    );
    const accesses: unknown[] = [];
    const hook = crdCleanupHook(
      'crds',
      {
        kubeconfig: pulumi.secret('apiVersion: v1\n'),
        kubeContext: pulumi.output('k3d-crm'),
        groups: [PROMETHEUS],
      },
      async (access) => {
        accesses.push(access);
        return cluster;
      },
      () => {},
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'marker', type: 'kubernetes:core/v1:ConfigMap' });
    expect(accesses).toEqual([{ kubeconfig: 'apiVersion: v1\n', kubeContext: 'k3d-crm' }]);
    expect(cluster.deleted).toEqual(['prometheuses.monitoring.coreos.com']);
  });

  it('makes no client when the stack installed no operator', async () => {
    const messages: string[] = [];
    const hook = crdCleanupHook(
      'crds',
      { groups: [] },
      async () => {
        throw new Error('no client may be made');
      },
      (m) => messages.push(m),
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'marker', type: 'kubernetes:core/v1:ConfigMap' });
    expect(messages).toEqual(['No CustomResourceDefinition to remove: the stack installed no operator']);
  });
});
