/**
 * The cluster and app layers, for real: both programs run in the real Pulumi engine against the live cluster, with
 * a local backend, the repository's policy pack, and the app stack reading the cluster stack's outputs through that
 * backend. Then everything is checked through the Kubernetes API, updated again (nothing may change) and destroyed
 * the documented way.
 *
 * What is installed: what the repository holds (the namespaces, the MongoDB chart in cluster/charts, the app). The
 * upstream charts come from their public repositories, which this machine cannot reach: their components are
 * switched off, as on a cluster that brings its own, and the ingress controller is an `existing` one whose part
 * (publishing the load balancer address on each Ingress) the test plays. With CLOUDOPS_LIVE_CHART_SOURCES=<dir>
 * naming a directory of charts packaged from their repositories (cluster/README.md, "Air-gapped install"), the
 * whole platform is installed from there instead, and the test also plays its operators' part (operators.ts), so
 * that Elasticsearch, Kibana and Prometheus take their places on the nodes, as the capacity plan assumes.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterStack as appHarnessClusterStack, runApp } from '../../app/deploy/test/harness.js';
import { runCluster } from '../../cluster/test/harness.js';
import { type RecordedResource, runProgram } from '../../lib/pulumi-testing/index.js';
import { eventually, kubectl, kubectlJson } from './cluster.js';
import { playOperators } from './operators.js';
import { createProgram, createPulumiWorkspace, type PulumiWorkspace } from './pulumi.js';
import {
  APP_PROJECT,
  CLUSTER_PROJECT,
  createLayerStack,
  type LayerStack,
  output,
  POLICY_PACK,
  publishIngressStatus,
  type StateResource,
  setConfig,
  succeeded,
  warningLines,
} from './stacks.js';

const dir = inject('liveClusterDir');
const skipReason = inject('liveSkipReason');
const chartSources = process.env.CLOUDOPS_LIVE_CHART_SOURCES;

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Workload {
  metadata: Metadata;
  spec: { replicas?: number };
  status: { readyReplicas?: number };
}
interface Pod {
  metadata: Metadata;
  spec: { nodeName?: string };
  status: { phase: string };
}
interface List<T> {
  items: T[];
}

const PUBLIC_HOST = 'crm.live.test';
// Any digest: kwok's pods pull nothing, and a digest is what the app layer and the policy pack demand.
const IMAGE = `registry.live.test/crm-app@sha256:${'0'.repeat(63)}1`;

interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
}

/** The Kubernetes objects a stack's state holds, as the program declared them (Helm releases and providers aside). */
function declaredObjects(resources: StateResource[]): KubernetesObject[] {
  return resources
    .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:helm.sh/'))
    .map((r) => revealed(r.inputs) as KubernetesObject);
}

/** The state's secret envelope (`stack export --show-secrets`): the signature key and the value as JSON text. */
const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d';

/** A state value with every secret envelope replaced by the value it holds. */
function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (SECRET_SIGNATURE in object && typeof object.plaintext === 'string') {
    return revealed(JSON.parse(object.plaintext));
  }
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, revealed(inner)]));
}

/**
 * The Kubernetes objects a program registered under the test harness (Helm releases and reads aside). The provider
 * names an object without metadata.name after its resource; the check below needs a name, so it gets that one.
 */
function harnessObjects(resources: RecordedResource[]): KubernetesObject[] {
  return resources
    .filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:helm.sh/') && !r.id)
    .filter((r) => r.inputs.kind !== undefined)
    .map((r) => {
      const object = structuredClone(r.inputs) as unknown as KubernetesObject;
      object.metadata = { ...object.metadata, name: object.metadata?.name ?? `${r.name}-live` };
      return object;
    });
}

/** kubectl's name for an object's kind: Kind.group, or Kind for the core group. */
const kindOf = (o: KubernetesObject) =>
  o.apiVersion.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind;
const describe_ = (o: KubernetesObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The API server's strict field validation, applied to what a program declared (a server-side dry run). The
 * Kubernetes provider sends its applies with field validation "Warn" and discards the API server's warnings, so an
 * unknown field (a typo) would otherwise pass without a word; here it is an error naming the field. Any other
 * warning the API server sends back (a deprecated API version, say), which kubectl prints, counts too.
 */
async function strictValidationErrors(stateDir: string, objects: KubernetesObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const object of objects) {
    const result = await kubectl(
      stateDir,
      [
        'apply',
        '--server-side',
        '--dry-run=server',
        '--validate=strict',
        '--force-conflicts',
        '--field-manager=live-strict-check',
        '-f',
        '-',
      ],
      { input: JSON.stringify(object) },
    );
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('Warning:'));
    if (result.code !== 0 || warnings.length > 0)
      errors.push(`${describe_(object)}: ${result.stderr.trim()}`);
  }
  return errors;
}

const getArgs = (o: KubernetesObject) =>
  o.metadata.namespace
    ? ['-n', o.metadata.namespace, 'get', kindOf(o), o.metadata.name]
    : ['get', kindOf(o), o.metadata.name];

describe.skipIf(skipReason !== '')(
  skipReason
    ? `cluster and app layers on the live cluster (skipped: ${skipReason})`
    : 'cluster and app layers on the live cluster',
  () => {
    let workspace: PulumiWorkspace;
    let cluster: LayerStack;
    let app: LayerStack;
    // Both stacks' declared objects, read once both are up (secrets shown: they go to the API server only).
    let declared: KubernetesObject[] | undefined;
    const objects = async () => {
      declared ??= [...declaredObjects(await cluster.resources()), ...declaredObjects(await app.resources())];
      return declared;
    };
    const namespaces = async () =>
      (await objects()).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    const suffix = randomBytes(3).toString('hex');
    const timings: string[] = [];
    const timed = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await step();
      } finally {
        timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    };

    const clusterConfig: Record<string, string> = {
      kubeconfig: join(dir, 'kubeconfig'),
      storageClassName: 'gp3',
      publicHost: PUBLIC_HOST,
      helmTimeoutSeconds: '600',
      // No pod really runs: the API server could not call a webhook or an aggregated API.
      controlPlaneReachesPods: 'false',
      ...(chartSources
        ? { ingressServiceType: 'NodePort' }
        : {
            ingressController: 'existing',
            ingressClassName: 'live',
            monitoringEnabled: 'false',
            metricsServerEnabled: 'false',
            elasticStackEnabled: 'false',
            loggingEnabled: 'false',
          }),
    };

    let stopPublishing: (() => Promise<void>) | undefined;
    let stopOperators: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      stopPublishing = publishIngressStatus(dir, PUBLIC_HOST);
      // The operators' charts are installed only from chart sources; their resources then get their workloads.
      if (chartSources) stopOperators = playOperators(dir);
      workspace = await createPulumiWorkspace(dir);
      cluster = await createLayerStack(workspace, CLUSTER_PROJECT, `live-${suffix}`);
      app = await createLayerStack(workspace, APP_PROJECT, `live-${suffix}`);
      await setConfig(
        cluster,
        Object.fromEntries(
          Object.entries(clusterConfig).map(([key, value]) => [`cloudops-crm-cluster:${key}`, value]),
        ),
      );
      if (chartSources) {
        succeeded(
          'config set chartSources',
          await cluster.pulumi([
            'config',
            'set',
            '--path',
            'cloudops-crm-cluster:chartSources["*"]',
            chartSources,
          ]),
        );
      }
      await setConfig(app, {
        'cloudops-crm-app:clusterStack': cluster.fullName,
        'cloudops-crm-app:image': IMAGE,
      });
    });

    afterAll(async () => {
      console.info(`live platform timings:\n  ${timings.join('\n  ')}`);
      await stopPublishing?.();
      await stopOperators?.();
      // After a failure the stacks may still hold objects: take them down so the next test file starts clean.
      if (app) await app.pulumi(['destroy', '--yes', '--skip-preview', '--run-program']);
      if (cluster) await cluster.pulumi(['destroy', '--yes', '--skip-preview', '--run-program']);
      await workspace?.dispose();
    });

    it('passes the policy pack in the cluster layer’s preview, without a warning', async () => {
      const preview = await timed('cluster preview', () =>
        cluster.pulumi(['preview', '--policy-pack', POLICY_PACK]),
      );
      expect(preview.code, output(preview)).toBe(0);
      expect(output(preview)).toMatch(/✅ cloudops-crm@v\d+\.\d+\.\d+/);
      expect(warningLines(preview)).toEqual([]);
    });

    it('brings the cluster layer up without a warning', async () => {
      const up = await timed('cluster up', () => cluster.pulumi(['up', '--yes', '--skip-preview']));
      expect(up.code, output(up)).toBe(0);
      expect(warningLines(up)).toEqual([]);
      const outputs = await cluster.outputs();
      expect(outputs.appNamespace).toBe('crm');
      expect(outputs.crmUrl).toBe(`http://${PUBLIC_HOST}/`);
    });

    it('passes the policy pack in the app layer’s preview, reading the cluster stack through the backend', async () => {
      const preview = await timed('app preview', () => app.pulumi(['preview', '--policy-pack', POLICY_PACK]));
      expect(preview.code, output(preview)).toBe(0);
      expect(output(preview)).toMatch(/✅ cloudops-crm@v\d+\.\d+\.\d+/);
      expect(warningLines(preview)).toEqual([]);
    });

    it('brings the app layer up without a warning (an ingress controller’s address published on its Ingress)', async () => {
      const appNamespace = String((await cluster.outputs()).appNamespace);
      const up = await timed('app up', () => app.pulumi(['up', '--yes', '--skip-preview']));
      expect(up.code, output(up)).toBe(0);
      expect(warningLines(up)).toEqual([]);
      const outputs = await app.outputs();
      expect(outputs.imageRef).toBe(IMAGE);
      expect(outputs.healthUrl).toBe(`http://${PUBLIC_HOST}/health`);
      expect(await namespaces()).toContain(appNamespace);
    });

    it('created every Kubernetes object the two programs declare', async () => {
      expect((await objects()).length).toBeGreaterThan(10);
      const missing: string[] = [];
      for (const object of await objects()) {
        const found = await kubectl(dir, getArgs(object));
        if (found.code !== 0) missing.push(describe_(object));
      }
      expect(missing).toEqual([]);
    });

    it('declares nothing the API server does not know or warns about (the programs’ own objects, strictly validated)', async () => {
      // What the programs declare, before the provider normalizes it: the same configuration under the test harness,
      // the app reading this cluster stack's real outputs.
      const clusterRun = await runCluster(
        chartSources
          ? { ...clusterConfig, chartSources: JSON.stringify({ '*': chartSources }) }
          : clusterConfig,
      );
      const appRun = await runApp(
        { clusterStack: appHarnessClusterStack, image: IMAGE },
        (await cluster.outputs()) as Record<string, unknown>,
      );
      const programObjects = [...harnessObjects(clusterRun.resources), ...harnessObjects(appRun.resources)];
      expect(programObjects.length).toBeGreaterThan(10);
      expect(await strictValidationErrors(dir, programObjects)).toEqual([]);
    });

    it('has every Deployment and StatefulSet Ready and no pod Pending', async () => {
      for (const namespace of await namespaces()) {
        const workloads = await kubectlJson<List<Workload>>(dir, [
          '-n',
          namespace,
          'get',
          'deployments,statefulsets',
        ]);
        for (const workload of workloads.items) {
          expect(workload.status.readyReplicas ?? 0, `${namespace}/${workload.metadata.name}`).toBe(
            workload.spec.replicas,
          );
        }
      }
      const pods = await kubectlJson<List<Pod>>(dir, ['get', 'pods', '--all-namespaces']);
      const pending = pods.items.filter((p) => p.status.phase === 'Pending' || !p.spec.nodeName);
      expect(pending.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([]);
      const app = pods.items.filter((p) => p.metadata.namespace === 'crm');
      expect(app.length).toBeGreaterThanOrEqual(2);
    });

    it('admits our pods in the restricted namespaces and rejects a privileged one there', async () => {
      const restricted = [];
      for (const namespace of await namespaces()) {
        const ns = await kubectlJson<{ metadata: Metadata }>(dir, ['get', 'namespace', namespace]);
        if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted')
          restricted.push(namespace);
      }
      expect(restricted).toEqual(expect.arrayContaining(['crm', 'database']));
      for (const namespace of restricted) {
        const rejected = await kubectl(dir, [
          '-n',
          namespace,
          'run',
          'privileged',
          `--image=${IMAGE}`,
          '--restart=Never',
          '--overrides={"spec":{"containers":[{"name":"privileged","image":"' +
            IMAGE +
            '","securityContext":{"privileged":true}}]}}',
        ]);
        expect(rejected.code, namespace).not.toBe(0);
        expect(rejected.stderr).toContain('violates PodSecurity "restricted:latest"');
      }
    });

    it('updates again with zero changes, and a preview expects none', async () => {
      for (const stack of [cluster, app]) {
        const up = await timed('re-up', () =>
          stack.pulumi(['up', '--yes', '--skip-preview', '--expect-no-changes']),
        );
        expect(up.code, output(up)).toBe(0);
        expect(warningLines(up)).toEqual([]);
        const preview = await stack.pulumi(['preview', '--expect-no-changes']);
        expect(preview.code, output(preview)).toBe(0);
      }
    });

    it('places the app at the autoscaler’s ceiling: no pod Pending', async () => {
      const hpa = await kubectlJson<
        List<{ metadata: Metadata; spec: { maxReplicas: number; scaleTargetRef: { name: string } } }>
      >(dir, ['-n', 'crm', 'get', 'horizontalpodautoscalers']);
      const autoscaler = hpa.items[0];
      expect(autoscaler, 'the app’s HorizontalPodAutoscaler').toBeDefined();
      const { maxReplicas, scaleTargetRef } = autoscaler!.spec;
      const declared = await kubectlJson<Workload>(dir, [
        '-n',
        'crm',
        'get',
        'deployment',
        scaleTargetRef.name,
      ]);
      // The autoscaler itself cannot scale here (no metrics); the scheduler decides the same as after its scale-up.
      succeeded(
        'kubectl scale',
        await kubectl(dir, [
          '-n',
          'crm',
          'scale',
          `deployment/${scaleTargetRef.name}`,
          `--replicas=${maxReplicas}`,
        ]),
      );
      const placed = await eventually(
        `${maxReplicas} app pods scheduled`,
        async () => {
          const pods = await kubectlJson<List<Pod>>(dir, ['-n', 'crm', 'get', 'pods']);
          const scheduled = pods.items.filter((p) => p.spec.nodeName);
          const pending = pods.items.filter((p) => !p.spec.nodeName);
          // The scheduler has had its say once every pod is either placed or marked unschedulable.
          if (scheduled.length === maxReplicas) return { scheduled, pending };
          const unschedulable = await kubectl(dir, [
            '-n',
            'crm',
            'get',
            'events',
            '--field-selector=reason=FailedScheduling',
            '-o',
            'name',
          ]);
          return unschedulable.stdout.trim() ? { scheduled, pending } : undefined;
        },
        180_000,
      );
      expect(placed.pending.map((p) => p.metadata.name)).toEqual([]);
      const all = await kubectlJson<List<Pod>>(dir, ['get', 'pods', '--all-namespaces']);
      expect(all.items.filter((p) => !p.spec.nodeName).map((p) => p.metadata.name)).toEqual([]);
      // Back to what the program declares, so the destroy below starts from the stack's own state.
      succeeded(
        'kubectl scale back',
        await kubectl(dir, [
          '-n',
          'crm',
          'scale',
          `deployment/${scaleTargetRef.name}`,
          `--replicas=${declared.spec.replicas}`,
        ]),
      );
    });

    it('catches a misspelled field, which the provider drops without a word', async () => {
      // The class of typo the schema tests miss: kubernetes-models accepts unknown fields, and so, in effect, does
      // Pulumi: the provider converts every object to its typed Go form and back, which drops an unknown field, and it
      // discards the API server's warnings. The Ingress below would be created without its rules.
      const program = await createProgram(workspace, 'live-misspelled', [
        "const k8s = require('@pulumi/kubernetes');",
        "new k8s.networking.v1.Ingress('misspelled', { metadata: { name: 'misspelled', namespace: 'default' }, spec: { ingressClassName: 'live', defaultBackend: { service: { name: 'crm-app', port: { number: 80 } } }, rulez: [{ host: 'crm.live.test' }] } });",
      ]);

      // The real engine: no warning, and the field is gone from what would be applied.
      const preview = succeeded('preview', await workspace.pulumi(program, ['preview', '--json']));
      expect(warningLines(preview)).toEqual([]);
      const steps = (JSON.parse(preview.stdout) as { steps: { newState?: StateResource }[] }).steps;
      const applied = declaredObjects(steps.flatMap((step) => (step.newState ? [step.newState] : [])));
      expect(applied.map(describe_)).toEqual(['Ingress default/misspelled']);
      expect(JSON.stringify(applied[0])).not.toContain('rulez');

      // The check above: the program's own object, strictly validated, names the field.
      const run = await runProgram({
        project: 'live-misspelled',
        stack: 'live',
        program: () => import(join(program, 'index.js')),
      });
      const errors = await strictValidationErrors(dir, harnessObjects(run.resources));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('.spec.rulez: field not declared in schema');
    });

    it('refuses to destroy the cluster layer without --run-program, and changes nothing', async () => {
      const appDestroy = await timed('app destroy', () =>
        app.pulumi(['destroy', '--yes', '--skip-preview', '--run-program']),
      );
      expect(appDestroy.code, output(appDestroy)).toBe(0);
      const before = (await cluster.resources()).length;
      const refused = await cluster.pulumi(['destroy', '--yes', '--skip-preview']);
      expect(refused.code).not.toBe(0);
      expect(output(refused)).toContain('--run-program');
      expect((await cluster.resources()).length).toBe(before);
      for (const namespace of await namespaces()) {
        expect((await kubectl(dir, ['get', 'namespace', namespace])).code, namespace).toBe(0);
      }
    });

    it('destroys the cluster layer with --run-program, leaving nothing of either stack', async () => {
      const destroy = await timed('cluster destroy', () =>
        cluster.pulumi(['destroy', '--yes', '--skip-preview', '--run-program']),
      );
      expect(destroy.code, output(destroy)).toBe(0);
      expect(warningLines(destroy)).toEqual([]);
      const left: string[] = [];
      for (const object of await objects()) {
        const found = await kubectl(dir, getArgs(object));
        if (found.code === 0) left.push(describe_(object));
        // Gone, or its kind is gone with it (the operators' CRDs are removed last).
        else expect(found.stderr).toMatch(/NotFound|the server doesn't have a resource type/);
      }
      expect(left).toEqual([]);
      // What Helm or the controllers made outside the namespaces: cluster-scoped objects and volumes.
      const clusterScoped = await kubectlJson<List<{ kind: string; metadata: Metadata }>>(dir, [
        'get',
        'clusterroles,clusterrolebindings,mutatingwebhookconfigurations,validatingwebhookconfigurations,apiservices,persistentvolumes,customresourcedefinitions',
      ]);
      const owned = new Set(await namespaces());
      const leftovers = clusterScoped.items.filter(
        (o) =>
          o.metadata.labels?.['app.kubernetes.io/part-of'] === 'cloudops-crm' ||
          owned.has(o.metadata.annotations?.['meta.helm.sh/release-namespace'] ?? '') ||
          o.kind === 'PersistentVolume' ||
          // The operators' kinds: ECK's and prometheus-operator's definitions go with the stack that installed them.
          (o.kind === 'CustomResourceDefinition' &&
            /\.(k8s\.elastic\.co|monitoring\.coreos\.com)$/.test(o.metadata.name)),
      );
      expect(leftovers.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    });
  },
);
