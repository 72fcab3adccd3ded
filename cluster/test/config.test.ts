import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const eks = { infraStack: 'example-org/cloudops-crm-infra/dev' };

describe('cluster configuration', () => {
  it('defaults to the infra stack EKS cluster, ingress-nginx and the original platform sizes', () => {
    const config = loadConfig(source(eks));
    expect(config.target).toEqual({ kind: 'eks', infraStack: 'example-org/cloudops-crm-infra/dev' });
    expect(config.ingressController).toBe('ingress-nginx');
    expect(config.storageClassName).toBeUndefined();
    expect(config.mongodb).toEqual({ storageSize: '5Gi', database: 'crm_db', appUsername: 'crm_app' });
    expect(config.elasticsearch).toEqual({
      storageSize: '5Gi',
      heapMi: 768,
      memoryMi: 1536,
      logRetentionDays: 7,
    });
    expect(config.monitoring).toEqual({
      prometheusStorageSize: '5Gi',
      prometheusRetention: '7d',
      prometheusRetentionSize: '4GB',
      grafanaStorageSize: '5Gi',
      alertmanagerEnabled: false,
    });
    expect(config.ingressClassName).toBe('nginx');
    expect(config.components).toEqual({
      monitoring: true,
      metricsServer: true,
      elasticStack: true,
      logging: true,
    });
    expect(config.namespaces).toEqual({
      app: 'crm',
      ingress: 'ingress-nginx',
      database: 'database',
      elastic: 'elastic',
      elasticOperator: 'elastic-system',
      logging: 'logging',
      monitoring: 'monitoring',
    });
  });

  it('targets a local cluster when a kubeconfig or context is set', () => {
    const config = loadConfig(source({ kubeContext: 'k3d-crm', storageClassName: 'local-path' }));
    expect(config.target).toEqual({ kind: 'local', kubeconfig: undefined, context: 'k3d-crm' });
    expect(config.storageClassName).toBe('local-path');
  });

  it('takes controlPlaneReachesPods false only for a local cluster', () => {
    expect(loadConfig(source(eks)).controlPlaneReachesPods).toBe(true);
    expect(
      loadConfig(source({ kubeContext: 'kwok', storageClassName: 'gp3', controlPlaneReachesPods: 'false' }))
        .controlPlaneReachesPods,
    ).toBe(false);
    expect(() => loadConfig(source({ ...eks, controlPlaneReachesPods: 'false' }))).toThrow(
      /controlPlaneReachesPods.*simulated local clusters/,
    );
  });

  it('switches components off; logging follows the Elastic Stack unless set', () => {
    expect(
      loadConfig(source({ ...eks, monitoringEnabled: 'false', metricsServerEnabled: 'false' })).components,
    ).toEqual({ monitoring: false, metricsServer: false, elasticStack: true, logging: true });
    expect(loadConfig(source({ ...eks, elasticStackEnabled: 'false' })).components).toEqual({
      monitoring: true,
      metricsServer: true,
      elasticStack: false,
      logging: false,
    });
    expect(loadConfig(source({ ...eks, loggingEnabled: 'false' })).components.logging).toBe(false);
  });

  it("uses a cluster's own ingress controller with its class and a public host", () => {
    const config = loadConfig(
      source({
        ...eks,
        ingressController: 'existing',
        ingressClassName: 'alb',
        publicHost: 'crm.example.com',
      }),
    );
    expect(config.ingressController).toBe('existing');
    expect(config.ingressClassName).toBe('alb');
  });

  it.each([
    [{}, 'infraStack', 'a value is required'],
    [
      { ...eks, ingressController: 'existing', publicHost: 'crm.example.com' },
      'ingressClassName',
      "a value is required with ingressController 'existing'",
    ],
    [
      { ...eks, ingressController: 'existing', ingressClassName: 'nginx' },
      'publicHost',
      "a value is required with ingressController 'existing'",
    ],
    [{ ...eks, ingressClassName: 'alb' }, 'ingressClassName', "only for ingressController 'existing'"],
    [
      {
        ...eks,
        ingressController: 'existing',
        ingressClassName: 'Not_A_Class',
        publicHost: 'crm.example.com',
      },
      'ingressClassName',
      'an IngressClass name',
    ],
    [
      { ...eks, elasticStackEnabled: 'false', loggingEnabled: 'true' },
      'loggingEnabled',
      'needs elasticStackEnabled',
    ],
    [{ ...eks, monitoringEnabled: 'no' }, 'monitoringEnabled', 'not true or false'],
    [{ ...eks, metricsServerEnabled: '0' }, 'metricsServerEnabled', 'not true or false'],
    [
      { ...eks, ingressController: 'haproxy' },
      'ingressController',
      "'ingress-nginx', 'traefik' or 'existing'",
    ],
    [{ ...eks, mongodbStorageSize: '5GB' }, 'mongodbStorageSize', 'a size such as 5Gi'],
    [{ ...eks, elasticsearchHeapMi: '1024' }, 'elasticsearchHeapMi', 'more than half'],
    [{ ...eks, elasticsearchMemoryMi: 'lots' }, 'elasticsearchMemoryMi', 'not a whole number'],
    [{ ...eks, logRetentionDays: '0' }, 'logRetentionDays', 'outside 1..365'],
    [{ ...eks, alertmanagerEnabled: 'yes' }, 'alertmanagerEnabled', 'not true or false'],
    [{ ...eks, prometheusRetention: '7 days' }, 'prometheusRetention', 'a duration'],
    [{ ...eks, publicHost: 'http://crm.example.com' }, 'publicHost', 'a host name'],
    [{ kubeContext: 'kind-crm' }, 'storageClassName', 'required for a local cluster'],
    [{ ...eks, appNamespace: 'CRM' }, 'appNamespace', 'a Kubernetes namespace name'],
    [{ ...eks, ingressServiceType: 'NodePort' }, 'ingressServiceType', 'EKS gets its NLB'],
    [
      { kubeContext: 'kind-crm', storageClassName: 'standard', ingressServiceType: 'NodePort' },
      'publicHost',
      'a value is required',
    ],
  ])('rejects %j naming %s', (values, key, problem) => {
    let error: unknown;
    try {
      loadConfig(source(values as Record<string, string>));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`'cloudops-crm-cluster:${key}'`);
    expect((error as Error).message).toContain(problem);
  });
});
