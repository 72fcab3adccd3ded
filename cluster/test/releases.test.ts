import * as fs from 'node:fs';
import * as path from 'node:path';
import { declared, named, ofType, urnName } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { NLB_ANNOTATIONS } from '../components/ingressController';
import { images } from '../versions';
import { type ClusterRun, EKS_CONFIG, INFRA_STACK_OUTPUTS, release, releases, runCluster } from './harness';

const INGRESS_CLASS = 'kubernetes:networking.k8s.io/v1:IngressClass';

let run: ClusterRun;
beforeAll(async () => {
  run = await runCluster(EKS_CONFIG);
});

describe('Helm releases (EKS, ingress-nginx)', () => {
  it.each([
    [
      'ingress-nginx',
      'ingress-nginx',
      '4.15.1',
      'https://kubernetes.github.io/ingress-nginx',
      'ingress-nginx',
    ],
    ['eck-operator', 'eck-operator', '3.5.0', 'https://helm.elastic.co', 'elastic-system'],
    ['fluentd', 'fluentd', '0.6.0', 'https://fluent.github.io/helm-charts', 'logging'],
    [
      'kube-prometheus-stack',
      'kube-prometheus-stack',
      '88.5.3',
      'https://prometheus-community.github.io/helm-charts',
      'monitoring',
    ],
    [
      'metrics-server',
      'metrics-server',
      '3.13.1',
      'https://kubernetes-sigs.github.io/metrics-server/',
      'kube-system',
    ],
  ])('%s: chart %s %s from %s into %s', (name, chart, version, repo, namespace) => {
    const r = release(run, name);
    expect(r.inputs.chart).toBe(chart);
    expect(r.inputs.version).toBe(version);
    expect(r.inputs.repositoryOpts).toEqual({ repo });
    expect(r.inputs.namespace).toBe(namespace);
    expect(r.inputs.timeout).toBe(900);
    expect(r.inputs.atomic).toBe(true);
  });

  it('installs MongoDB from the chart kept in this repository', () => {
    const r = release(run, 'mongodb');
    expect(r.inputs.chart).toBe(path.resolve(__dirname, '..', 'charts', 'mongodb'));
    const chart = fs.readFileSync(path.join(r.inputs.chart, 'Chart.yaml'), 'utf8');
    expect(chart).toMatch(/^version: 1\.0\.0$/m);
    // The chart's appVersion follows the image the program pins.
    expect(chart).toContain(`appVersion: "${images.mongo.tag}"`);
    expect(r.inputs.values.image).toEqual({ repository: 'mongo', tag: images.mongo.tag });
    expect(r.inputs.repositoryOpts).toBeUndefined();
    expect(r.inputs.namespace).toBe('database');
    expect(r.inputs.timeout).toBe(900);
  });

  it('installs exactly these releases, each with an explicit name', () => {
    const names = releases(run).map((r) => r.inputs.name);
    expect(names.sort()).toEqual(
      [
        'eck-operator',
        'fluentd',
        'ingress-nginx',
        'kube-prometheus-stack',
        'metrics-server',
        'mongodb',
      ].sort(),
    );
  });

  it('puts the ingress controller behind one internet-facing AWS NLB', () => {
    const values = release(run, 'ingress-nginx').inputs.values;
    expect(values.controller.service.type).toBe('LoadBalancer');
    expect(values.controller.service.annotations).toEqual(NLB_ANNOTATIONS);
    expect(NLB_ANNOTATIONS['service.beta.kubernetes.io/aws-load-balancer-type']).toBe('nlb');
    expect(NLB_ANNOTATIONS['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internet-facing');
    expect(values.controller.replicaCount).toBe(1);
  });

  it('leaves the nginx IngressClass to the program, not the chart, and keeps the controller class', () => {
    const values = release(run, 'ingress-nginx').inputs.values;
    // The chart passes controllerValue as --controller-class even when it creates no IngressClass.
    expect(values.controller.ingressClassResource).toEqual({
      enabled: false,
      controllerValue: 'k8s.io/ingress-nginx',
    });
    expect(values.controller.ingressClass).toBe('nginx');
    const classes = ofType(declared(run.resources), INGRESS_CLASS);
    expect(classes.map((c) => [c.name, c.inputs.metadata.name, c.inputs.spec.controller])).toEqual([
      ['ingress-class', 'nginx', 'k8s.io/ingress-nginx'],
    ]);
    // The controller starts only once its class exists.
    expect(
      named(run.resources, 'kubernetes:helm.sh/v3:Release', 'ingress').options.dependsOn.map(urnName),
    ).toContain('ingress-class');
  });

  it('leaves no other Service of type LoadBalancer in any release values', () => {
    for (const r of releases(run).filter((r) => r.inputs.name !== 'ingress-nginx')) {
      expect(JSON.stringify(r.inputs.values), r.inputs.name).not.toContain('LoadBalancer');
    }
  });
});

describe('Traefik as the ingress controller', () => {
  let traefik: ClusterRun;
  beforeAll(async () => {
    traefik = await runCluster({ ...EKS_CONFIG, ingressController: 'traefik' });
  });

  it('replaces ingress-nginx with the pinned Traefik chart', () => {
    const names = releases(traefik).map((r) => r.inputs.name);
    expect(names).toContain('traefik');
    expect(names).not.toContain('ingress-nginx');
    const r = release(traefik, 'traefik');
    expect(r.inputs.chart).toBe('traefik');
    expect(r.inputs.version).toBe('41.3.0');
    expect(r.inputs.repositoryOpts).toEqual({ repo: 'https://traefik.github.io/charts' });
    expect(r.inputs.namespace).toBe('traefik');
  });

  it('serves the nginx IngressClass through the ingress-nginx provider, behind the same NLB', () => {
    const values = release(traefik, 'traefik').inputs.values;
    expect(values.providers.kubernetesIngressNGINX).toMatchObject({
      enabled: true,
      ingressClass: 'nginx',
      controllerClass: 'k8s.io/ingress-nginx',
      publishService: { enabled: true },
    });
    expect(values.providers.kubernetesIngress.enabled).toBe(false);
    expect(values.ingressClass.enabled).toBe(false);
    expect(values.service.spec.type).toBe('LoadBalancer');
    expect(values.service.annotations).toEqual(NLB_ANNOTATIONS);

    const ingressClass = traefik.resources.find(
      (r) => r.type === 'kubernetes:networking.k8s.io/v1:IngressClass',
    );
    expect(ingressClass?.inputs.metadata.name).toBe('nginx');
    expect(ingressClass?.inputs.spec.controller).toBe('k8s.io/ingress-nginx');
  });

  it('keeps the ingressClassName output at nginx', () => {
    expect(traefik.outputs.ingressClassName).toBe('nginx');
  });

  it('keeps the very same IngressClass resource as with ingress-nginx, so a switch leaves it in place', () => {
    const classes = ofType(declared(traefik.resources), INGRESS_CLASS);
    expect(classes).toHaveLength(1);
    expect(classes[0]?.name).toBe(ofType(declared(run.resources), INGRESS_CLASS)[0]?.name);
    expect(classes[0]?.inputs).toEqual(ofType(declared(run.resources), INGRESS_CLASS)[0]?.inputs);
  });
});

describe('a local cluster (kind, k3d, minikube)', () => {
  let local: ClusterRun;
  beforeAll(async () => {
    local = await runCluster({
      kubeContext: 'kind-crm',
      storageClassName: 'standard',
      publicHost: 'localhost:8080',
    });
  });

  it('uses the kubeconfig context instead of the infra stack', () => {
    expect(local.resources.some((r) => r.type === 'pulumi:pulumi:StackReference')).toBe(false);
    const provider = local.resources.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(provider?.inputs.context).toBe('kind-crm');
    expect(provider?.inputs.clusterIdentifier).toBe('local:kind-crm');
  });

  it('drops the NLB annotations', () => {
    const values = release(local, 'ingress-nginx').inputs.values;
    expect(values.controller.service.annotations).toEqual({});
    expect(values.controller.service.type).toBe('LoadBalancer');
  });

  it('can expose the controller as a NodePort where no load balancer exists (kind)', async () => {
    const kind = await runCluster({
      kubeContext: 'kind-crm',
      storageClassName: 'standard',
      publicHost: 'localhost:8080',
      ingressServiceType: 'NodePort',
    });
    expect(release(kind, 'ingress-nginx').inputs.values.controller.service.type).toBe('NodePort');
    // No load balancer to read an address from: the configured host is used and no Service is read.
    expect(kind.resources.some((r) => r.type === 'kubernetes:core/v1:Service' && r.id)).toBe(false);
    expect(kind.outputs.ingressHostname).toBe('localhost:8080');
  });

  it('takes the storage class from config for every volume', () => {
    expect(release(local, 'mongodb').inputs.values.persistence.storageClassName).toBe('standard');
    const kps = release(local, 'kube-prometheus-stack').inputs.values;
    expect(kps.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe(
      'standard',
    );
    expect(kps.grafana.persistence.storageClassName).toBe('standard');
    const es = local.resources.find((r) => r.inputs.kind === 'Elasticsearch');
    expect(es?.inputs.spec.nodeSets[0].volumeClaimTemplates[0].spec.storageClassName).toBe('standard');
  });

  it('lets metrics-server accept the self-signed kubelet certificates of local clusters', () => {
    expect(release(local, 'metrics-server').inputs.values.args).toEqual(['--kubelet-insecure-tls']);
    expect(release(run, 'metrics-server').inputs.values.args).toEqual([]);
  });

  it('builds the URLs from the configured public host', () => {
    expect(local.outputs.crmUrl).toBe('http://localhost:8080/');
    expect(local.outputs.kibanaUrl).toBe('http://localhost:8080/kibana');
    expect(local.outputs.grafanaUrl).toBe('http://localhost:8080/grafana');
  });
});

describe('the Kubernetes provider on EKS', () => {
  it('reads the kubeconfig from the infra stack and pins its identity to the cluster name', () => {
    const ref = run.resources.find((r) => r.type === 'pulumi:pulumi:StackReference');
    expect(ref?.inputs.name).toBe(EKS_CONFIG.infraStack);
    const provider = run.resources.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(provider?.inputs.clusterIdentifier).toBe('eks:develeap-eks-cluster');
    const kubeconfig = provider?.inputs.kubeconfig;
    const parsed = typeof kubeconfig === 'string' ? JSON.parse(kubeconfig) : kubeconfig;
    expect(parsed.clusters[0].cluster.server).toBe(INFRA_STACK_OUTPUTS.clusterEndpoint);
  });

  it('uses that provider for every Kubernetes resource', () => {
    expect(run.resources.filter((r) => r.type === 'pulumi:providers:kubernetes')).toHaveLength(1);
    const kubernetes = run.resources.filter((r) => r.type.startsWith('kubernetes:'));
    expect(kubernetes.length).toBeGreaterThan(30);
    for (const r of kubernetes)
      expect(r.provider, `${r.type} ${r.name}`).toMatch(/::pulumi:providers:kubernetes::eks::/);
  });
});
