import { beforeAll, describe, expect, it } from 'vitest';
import { type ClusterRun, EKS_CONFIG, kubernetesObjects, release, runCluster } from './harness';
import { validateObject } from './schemas';

const runs: Record<string, ClusterRun> = {};
beforeAll(async () => {
  runs.eks = await runCluster(EKS_CONFIG);
  runs.traefik = await runCluster({
    ...EKS_CONFIG,
    ingressController: 'traefik',
    alertmanagerEnabled: 'true',
  });
});

describe('Kubernetes objects created directly by the program validate against the OpenAPI schemas', () => {
  it.each(['eks', 'traefik'])('%s: every object', (variant) => {
    const objects = kubernetesObjects(runs[variant]!);
    expect(objects.length).toBeGreaterThan(20);
    for (const object of objects) {
      const label = `${object.inputs.kind} ${object.inputs.metadata?.namespace ?? ''}/${object.inputs.metadata?.name ?? object.name}`;
      expect(() => validateObject(object.inputs), label).not.toThrow();
    }
  });

  it('covers the kinds the program creates', () => {
    const kinds = new Set(kubernetesObjects(runs.eks!).map((o) => o.inputs.kind));
    // PrometheusRules appear once rule files are added to cluster/observability/rules.
    kinds.delete('PrometheusRule');
    expect([...kinds].sort()).toEqual(
      [
        'ConfigMap',
        'CronJob',
        'Elasticsearch',
        'Ingress',
        'IngressClass',
        'Job',
        'Kibana',
        'Namespace',
        'NetworkPolicy',
        'Role',
        'RoleBinding',
        'Secret',
        'ServiceAccount',
        'ServiceMonitor',
      ].sort(),
    );
  });

  it('rejects an object that breaks the schema', () => {
    const policy = kubernetesObjects(runs.eks!).find((o) => o.inputs.kind === 'NetworkPolicy')!.inputs;
    const broken = { ...policy, spec: { ...policy.spec, policyTypes: 'Ingress' } };
    expect(() => validateObject(broken)).toThrow();
    const es = kubernetesObjects(runs.eks!).find((o) => o.inputs.kind === 'Elasticsearch')!.inputs;
    const brokenEs = structuredClone(es);
    brokenEs.spec.nodeSets[0].podTemplate.spec.containers[0].resources.requests = '1Gi';
    expect(() => validateObject(brokenEs)).toThrow();
  });
});

describe('app deployers and the monitoring chart', () => {
  const run = () => runs.eks!;

  it('binds the group the infra layer gives the CI and app roles to edit, in the app namespace only', () => {
    const bindings = run().resources.filter(
      (r) => r.type === 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding',
    );
    const binding = bindings.find((r) => r.inputs.metadata?.name === 'cloudops-crm-app-deployers');
    expect(binding?.inputs).toMatchObject({
      metadata: { namespace: 'crm' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'cloudops-crm:app-deployers' },
      ],
    });
  });

  it('has kube-prometheus-stack aggregate the ServiceMonitor permissions into edit', () => {
    expect(release(run(), 'kube-prometheus-stack').inputs.values.global).toEqual({
      rbac: { createAggregateClusterRoles: true },
    });
  });

  it('gives Grafana an Alertmanager datasource when Alertmanager is switched on', () => {
    const grafana = release(runs.traefik!, 'kube-prometheus-stack').inputs.values.grafana;
    expect(grafana.sidecar.datasources.alertmanager.enabled).toBe(true);
  });
});
