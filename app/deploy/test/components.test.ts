import { ofType } from '@cloudops-crm/pulumi-testing';
import { describe, expect, it } from 'vitest';
import { type AppRun, clusterOutputs, existingImage, runApp } from './harness';

const SERVICE_MONITOR = 'kubernetes:monitoring.coreos.com/v1:ServiceMonitor';
const config = { clusterStack: 'example-org/cloudops-crm-cluster/dev', image: existingImage };
const monitors = (run: AppRun) => ofType(run.resources, SERVICE_MONITOR);

const components = (monitoring: boolean) => ({
  ingressController: 'ingress-nginx',
  monitoring,
  metricsServer: true,
  elasticStack: true,
  logging: true,
});

describe("the cluster stack's components", () => {
  it('creates the ServiceMonitor when the cluster stack runs monitoring', async () => {
    const run = await runApp(config, { ...clusterOutputs, components: components(true) });
    expect(monitors(run)).toHaveLength(1);
    expect(run.outputs.serviceMonitor).toBe(true);
  });

  it('creates no ServiceMonitor when the cluster stack has no monitoring (no Prometheus Operator CRDs)', async () => {
    const run = await runApp(config, { ...clusterOutputs, components: components(false) });
    expect(monitors(run)).toEqual([]);
    expect(run.outputs.serviceMonitor).toBe(false);
    // Everything else is still there.
    for (const type of [
      'kubernetes:apps/v1:Deployment',
      'kubernetes:core/v1:Service',
      'kubernetes:networking.k8s.io/v1:Ingress',
    ]) {
      expect(ofType(run.resources, type), type).toHaveLength(1);
    }
  });

  it('assumes monitoring with a cluster stack from before the components output', async () => {
    expect(clusterOutputs.components).toBeUndefined();
    const run = await runApp(config, clusterOutputs);
    expect(monitors(run)).toHaveLength(1);
    expect(run.outputs.serviceMonitor).toBe(true);
  });
});
