import type { Json } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClusterRun, EKS_CONFIG, releases, runCluster, TLS_INFRA_STACK_OUTPUTS } from './harness';
import { VERIFIED_VALUES } from './verifiedChartValues';

/** Maps handed to the chart as a whole (Kubernetes objects, free-form config): not walked into. */
const OPAQUE = new Set([
  'annotations',
  'args',
  'env',
  'fileConfigs',
  'grafana.ini',
  'labels',
  'managedNamespaces',
  'podMonitorNamespaceSelector',
  'podMonitorSelector',
  'podSecurityContext',
  'probeNamespaceSelector',
  'probeSelector',
  'resources',
  'ruleNamespaceSelector',
  'ruleSelector',
  'scrapeConfigNamespaceSelector',
  'scrapeConfigSelector',
  'securityContext',
  'selector',
  'serviceMonitorNamespaceSelector',
  'serviceMonitorSelector',
  'spec',
  'storageSpec',
  'tolerations',
  'volumeMounts',
  'volumes',
]);

const isMap = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;

export function valuePaths(values: Record<string, Json>, prefix: string[] = []): string[] {
  return Object.entries(values).flatMap(([key, value]) =>
    isMap(value) && !OPAQUE.has(key) ? valuePaths(value, [...prefix, key]) : [[...prefix, key].join('.')],
  );
}

describe('every Helm value the program sets was checked against the chart', () => {
  const runs: ClusterRun[] = [];
  beforeAll(async () => {
    runs.push(await runCluster(EKS_CONFIG));
    runs.push(await runCluster({ ...EKS_CONFIG, ingressController: 'traefik', alertmanagerEnabled: 'true' }));
    // TLS on the public endpoint adds listener and redirect values to either controller.
    runs.push(await runCluster(EKS_CONFIG, TLS_INFRA_STACK_OUTPUTS));
    runs.push(await runCluster({ ...EKS_CONFIG, ingressController: 'traefik' }, TLS_INFRA_STACK_OUTPUTS));
  });

  it('finds each path in the verified list of its chart version', () => {
    const checked = new Set<string>();
    for (const run of runs) {
      for (const release of releases(run).filter((r) => r.inputs.repositoryOpts)) {
        const chart = `${release.inputs.chart}@${release.inputs.version}`;
        const verified = VERIFIED_VALUES[chart];
        expect(verified, `${chart}: not checked against its values.yaml yet`).toBeDefined();
        const unverified = valuePaths(release.inputs.values).filter((p) => !verified?.includes(p));
        expect(unverified, `${chart}: look these up in the chart's values.yaml`).toEqual([]);
        checked.add(chart);
      }
    }
    expect([...checked].sort()).toEqual(Object.keys(VERIFIED_VALUES).sort());
  });

  it('walks nested values down to their leaves', () => {
    expect(
      valuePaths({ controller: { service: { type: 'LoadBalancer', annotations: { a: 'b' } } }, kind: 'x' }),
    ).toEqual(['controller.service.type', 'controller.service.annotations', 'kind']);
  });
});
