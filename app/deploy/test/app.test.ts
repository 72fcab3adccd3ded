import {
  isSecret,
  isSecretInput,
  named,
  ofType,
  one,
  resolveOutput,
  unwrapSecrets,
} from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppRun, clusterStack, existingImage, infraStack, runApp } from './harness';
import { validators } from './kubernetesModels';

// The values the cluster layer's NetworkPolicy and Prometheus selection are written against.
const contractLabels = {
  'app.kubernetes.io/name': 'crm-app',
  'app.kubernetes.io/part-of': 'cloudops-crm',
  'app.kubernetes.io/component': 'api',
};

let harness: AppRun;
let app: typeof import('../index.js');

beforeAll(async () => {
  harness = await runApp({ infraStack, clusterStack, image: existingImage, environment: 'dev' });
  app = harness.program;
});

const deploymentSpec = () => one(harness.resources, 'kubernetes:apps/v1:Deployment').raw;
const podSpec = () => deploymentSpec().spec.template.spec;
const container = () => podSpec().containers[0];

describe('stack references', () => {
  it('reads the infra and cluster stacks named in config', () => {
    const names = ofType(harness.resources, 'pulumi:pulumi:StackReference').map((ref) => ref.raw.name);
    expect(names.sort()).toEqual([clusterStack, infraStack].sort());
  });

  it('points the Kubernetes provider at the infra kubeconfig, kept secret', () => {
    const { kubeconfig } = one(harness.resources, 'pulumi:providers:kubernetes').raw;
    expect(isSecretInput(kubeconfig)).toBe(true);
    expect(unwrapSecrets(kubeconfig)).toBe('{"apiVersion":"v1","kind":"Config"}');
  });

  it('identifies the cluster by its EKS name, so a regenerated kubeconfig does not replace the provider', () => {
    const provider = one(harness.resources, 'pulumi:providers:kubernetes').inputs;
    expect(provider.clusterIdentifier).toBe('eks:develeap-eks-cluster');
  });

  it('identifies a local cluster by the ambient current context', async () => {
    const local = await runApp({ clusterStack, image: existingImage });
    const provider = one(local.resources, 'pulumi:providers:kubernetes').inputs;
    expect(provider.clusterIdentifier).toBe('local:current-context');
    expect(provider.kubeconfig).toBeUndefined();
  });
});

describe('image', () => {
  it('deploys the configured image by digest without building', async () => {
    expect(ofType(harness.resources, 'docker-build:index:Image')).toHaveLength(0);
    expect(container().image).toBe(existingImage);
    expect(await resolveOutput(app.imageRef)).toMatch(/@sha256:[a-f0-9]{64}$/);
  });
});

describe('Deployment', () => {
  it('lives in the cluster layer namespace under the contract name and labels', () => {
    const { metadata, spec } = deploymentSpec();
    expect(metadata.name).toBe('crm-app');
    expect(metadata.namespace).toBe('crm');
    expect(spec.selector.matchLabels).toEqual(contractLabels);
    expect(spec.template.metadata.labels).toEqual(contractLabels);
  });

  it('runs two replicas and never drops below them while rolling', () => {
    const { spec } = deploymentSpec();
    expect(spec.replicas).toBe(2);
    expect(spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  it('probes readiness on /ready, liveness on /health and guards start-up', () => {
    const c = container();
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(30);
  });

  it('exposes port 5000 named http', () => {
    expect(container().ports).toEqual([{ name: 'http', containerPort: 5000, protocol: 'TCP' }]);
  });

  it('trusts exactly one proxy hop (the ingress controller) for client addresses', () => {
    expect(container().env.find((e: { name: string }) => e.name === 'TRUST_PROXY_HOPS')?.value).toBe('1');
  });

  it('drains before SIGTERM and leaves the server its whole shutdown window', () => {
    const c = container();
    const preStop = c.lifecycle.preStop.sleep.seconds;
    const shutdownMs = Number(c.env.find((e: any) => e.name === 'SHUTDOWN_TIMEOUT_MS').value);
    expect(preStop).toBeGreaterThan(0);
    expect(shutdownMs).toBe(10_000);
    expect(podSpec().terminationGracePeriodSeconds).toBeGreaterThan(preStop + shutdownMs / 1000);
  });

  it('meets the restricted Pod Security Standard', () => {
    expect(podSpec().securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container().securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec().automountServiceAccountToken).toBe(false);
  });

  it('requests and limits resources', () => {
    expect(container().resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
  });

  it('spreads replicas across nodes, softly so a surge pod still schedules on a full two-node cluster', () => {
    expect(podSpec().topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: contractLabels },
        matchLabelKeys: ['pod-template-hash'],
      },
    ]);
  });

  it('leaves the replica count to the autoscaler after creation', () => {
    expect(
      named(harness.resources, 'kubernetes:apps/v1:Deployment', 'crm-app').options.ignoreChanges,
    ).toEqual(['spec.replicas']);
  });

  it('reads MongoDB credentials and API keys from Secrets, never from literals', () => {
    const env = container().env as Array<{ name: string; value?: string; valueFrom?: any }>;
    const mongo = env.find((e) => e.name === 'MONGO_URI');
    expect(mongo?.value).toBeUndefined();
    expect(mongo?.valueFrom.secretKeyRef).toEqual({ name: 'crm-mongodb-app', key: 'uri' });
    const keys = env.find((e) => e.name === 'API_KEYS');
    expect(keys?.value).toBeUndefined();
    expect(keys?.valueFrom.secretKeyRef).toEqual({ name: 'crm-app-api-keys', key: 'API_KEYS' });
    expect(env.find((e) => e.name === 'ENVIRONMENT')?.value).toBe('dev');
    expect(env.find((e) => e.name === 'PORT')?.value).toBe('5000');
  });
});

describe('API keys', () => {
  it('generates the keys as GeneratedSecrets and stores them in a Secret in the app namespace', () => {
    const keys = ofType(harness.resources, 'pulumi-nodejs:dynamic:Resource');
    expect(keys.map((k) => k.name)).toEqual(['crm-app-api-keys-0', 'crm-app-api-keys-1']);
    for (const key of keys) {
      expect(key.inputs.length, key.name).toBe(40);
      // The engine keeps the value as a secret in the state.
      expect(key.options.additionalSecretOutputs, key.name).toEqual(['value']);
    }
    const secret = one(harness.resources, 'kubernetes:core/v1:Secret').raw;
    expect(secret.metadata).toMatchObject({ name: 'crm-app-api-keys', namespace: 'crm' });
    expect(isSecretInput(secret.stringData)).toBe(true);
    expect(unwrapSecrets(secret.stringData).API_KEYS).toBe(
      'generated-crm-app-api-keys-0,generated-crm-app-api-keys-1',
    );
  });

  it('exports the keys only as a secret output', async () => {
    expect(app.apiKeys).toBeDefined();
    expect(await isSecret(app.apiKeys!)).toBe(true);
  });
});

describe('Service', () => {
  it('is a ClusterIP on port 80 named http selecting the contract labels', () => {
    const { metadata, spec } = one(harness.resources, 'kubernetes:core/v1:Service').raw;
    expect(metadata).toMatchObject({ name: 'crm-app', namespace: 'crm', labels: contractLabels });
    expect(spec.type).toBe('ClusterIP');
    expect(spec.selector).toEqual(contractLabels);
    expect(spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });
});

describe('Ingress', () => {
  it('routes / to the Service through the cluster layer ingress class', () => {
    const { metadata, spec } = one(harness.resources, 'kubernetes:networking.k8s.io/v1:Ingress').raw;
    expect(metadata).toMatchObject({ name: 'crm-app', namespace: 'crm' });
    expect(spec.ingressClassName).toBe('nginx');
    expect(spec.rules[0].http.paths).toEqual([
      { path: '/', pathType: 'Prefix', backend: { service: { name: 'crm-app', port: { number: 80 } } } },
    ]);
  });
});

describe('ServiceMonitor', () => {
  it('scrapes /metrics on the http port every 30s', () => {
    const monitor = one(harness.resources, 'kubernetes:monitoring.coreos.com/v1:ServiceMonitor').raw;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.kind).toBe('ServiceMonitor');
    expect(monitor.metadata).toMatchObject({ name: 'crm-app', namespace: 'crm' });
    expect(monitor.spec.selector.matchLabels).toEqual(contractLabels);
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics', interval: '30s' }),
    ]);
  });
});

describe('PodDisruptionBudget', () => {
  it('keeps one pod available', () => {
    const { spec } = one(harness.resources, 'kubernetes:policy/v1:PodDisruptionBudget').raw;
    expect(spec.minAvailable).toBe(1);
    expect(spec.selector.matchLabels).toEqual(contractLabels);
  });
});

describe('HorizontalPodAutoscaler', () => {
  it('scales the Deployment on CPU from the replica count up to maxReplicas', () => {
    const { spec } = one(harness.resources, 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler').raw;
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'crm-app' });
    expect(spec.minReplicas).toBe(2);
    expect(spec.maxReplicas).toBe(4);
    expect(spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
  });
});

describe('Kubernetes schema', () => {
  it('every Kubernetes object validates against kubernetes-models', () => {
    const objects = harness.resources.filter((r) => r.type.startsWith('kubernetes:'));
    expect(objects.length).toBe(7);
    for (const object of objects) {
      const validate = validators[object.type];
      expect(validate, `no validator for ${object.type}`).toBeDefined();
      expect(() => validate!(unwrapSecrets(object.raw)), `${object.type} ${object.name}`).not.toThrow();
    }
  });

  it('the validators reject a malformed object', () => {
    const broken = structuredClone(deploymentSpec());
    broken.spec.replicas = 'two';
    expect(() => validators['kubernetes:apps/v1:Deployment']!(broken)).toThrow();
  });
});

describe('exports', () => {
  it('publishes the public URL and its health endpoint', async () => {
    expect(await resolveOutput(app.url)).toBe('http://k8s-ingress-1234.elb.us-east-1.amazonaws.com');
    expect(await resolveOutput(app.healthUrl)).toBe(
      'http://k8s-ingress-1234.elb.us-east-1.amazonaws.com/health',
    );
    expect(await resolveOutput(app.appNamespace)).toBe('crm');
  });
});
