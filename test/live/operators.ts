/**
 * Plays the part of the platform's operators on the live cluster, where their pods do not really run: for each
 * Elasticsearch, Kibana and Prometheus resource it creates what ECK and prometheus-operator would (the workload with
 * the requests and volume claims the resource asks for, and the Service the routes point at), owned by the resource
 * so that deleting it deletes them. The scheduler then places the whole platform as it would in production.
 */
import { kubectl, kubectlJson, repeatUntilStopped } from './cluster.js';

interface Metadata {
  name: string;
  namespace: string;
  uid: string;
}
interface CustomResource {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec: Record<string, unknown>;
}
interface Resources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}
interface PodTemplate {
  spec?: { containers?: { name: string; resources?: Resources }[] };
}

// Any digest: kwok pulls nothing.
const IMAGE = `registry.live.test/operator-stand-in@sha256:${'0'.repeat(63)}2`;

/** A container the restricted Pod Security level admits, with the given requests. */
function container(name: string, resources: Resources | undefined, port: number) {
  return {
    name,
    image: IMAGE,
    resources: resources ?? {},
    ports: [{ containerPort: port }],
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

const resourcesOf = (template: unknown, name: string) =>
  (template as PodTemplate | undefined)?.spec?.containers?.find((c) => c.name === name)?.resources;

function owned(owner: CustomResource, kind: string, apiVersion: string, name: string, spec: unknown) {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { 'live.cloudops-crm/stand-in-for': owner.metadata.name },
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
        },
      ],
    },
    spec,
  };
}

function workload(
  owner: CustomResource,
  kind: 'StatefulSet' | 'Deployment',
  name: string,
  replicas: number,
  containers: unknown[],
  claims: unknown[] = [],
) {
  const labels = {
    'live.cloudops-crm/stand-in-for': owner.metadata.name,
    'live.cloudops-crm/workload': name,
  };
  return owned(owner, kind, 'apps/v1', name, {
    replicas,
    selector: { matchLabels: labels },
    ...(kind === 'StatefulSet' ? { serviceName: name, volumeClaimTemplates: claims } : {}),
    template: { metadata: { labels }, spec: { containers } },
  });
}

function service(owner: CustomResource, name: string, workloadName: string, port: number) {
  return owned(owner, 'Service', 'v1', name, {
    selector: { 'live.cloudops-crm/workload': workloadName },
    ports: [{ port, targetPort: port }],
  });
}

/** The objects ECK or prometheus-operator makes for one resource (their names as the operators give them). */
function childrenOf(resource: CustomResource, configReloader: Resources): unknown[] {
  const { name } = resource.metadata;
  const spec = resource.spec;
  switch (resource.kind) {
    case 'Elasticsearch': {
      const nodeSets = (spec.nodeSets ?? []) as {
        name: string;
        count: number;
        podTemplate?: unknown;
        volumeClaimTemplates?: { metadata: { name: string }; spec: unknown }[];
      }[];
      return [
        ...nodeSets.map((set) =>
          workload(
            resource,
            'StatefulSet',
            `${name}-es-${set.name}`,
            set.count,
            [container('elasticsearch', resourcesOf(set.podTemplate, 'elasticsearch'), 9200)],
            (set.volumeClaimTemplates ?? []).map((claim) => ({ metadata: claim.metadata, spec: claim.spec })),
          ),
        ),
        service(resource, `${name}-es-http`, `${name}-es-${nodeSets[0]?.name ?? 'default'}`, 9200),
      ];
    }
    case 'Kibana':
      return [
        workload(resource, 'Deployment', `${name}-kb`, (spec.count as number | undefined) ?? 1, [
          container('kibana', resourcesOf(spec.podTemplate, 'kibana'), 5601),
        ]),
        service(resource, `${name}-kb-http`, `${name}-kb`, 5601),
      ];
    case 'Prometheus': {
      const claim = (spec.storage as { volumeClaimTemplate?: { spec: unknown } } | undefined)
        ?.volumeClaimTemplate;
      const workloadName = `prometheus-${name}`;
      return [
        workload(
          resource,
          'StatefulSet',
          workloadName,
          (spec.replicas as number | undefined) ?? 1,
          [
            container('prometheus', spec.resources as Resources | undefined, 9090),
            container('config-reloader', configReloader, 8080),
          ],
          claim ? [{ metadata: { name: `${workloadName}-db` }, spec: claim.spec }] : [],
        ),
      ];
    }
    default:
      return [];
  }
}

const KINDS = [
  'elasticsearches.elasticsearch.k8s.elastic.co',
  'kibanas.kibana.k8s.elastic.co',
  'prometheuses.monitoring.coreos.com',
];

/** The config reloader's requests, as prometheus-operator's flags set them for every Prometheus it runs. */
async function configReloaderResources(stateDir: string): Promise<Resources> {
  const operators = await kubectlJson<{
    items: { spec: { template: { spec: { containers: { args?: string[] }[] } } } }[];
  }>(stateDir, ['get', 'deployments', '--all-namespaces', '-l', 'app=kube-prometheus-stack-operator']);
  const args = operators.items.flatMap((d) => d.spec.template.spec.containers.flatMap((c) => c.args ?? []));
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const requests: Record<string, string> = {};
  const cpu = flag('config-reloader-cpu-request');
  const memory = flag('config-reloader-memory-request');
  if (cpu && cpu !== '0') requests.cpu = cpu;
  if (memory && memory !== '0') requests.memory = memory;
  return { requests };
}

/** Starts playing the operators; returns a function that stops it. */
export function playOperators(stateDir: string): () => Promise<void> {
  const handled = new Set<string>();
  return repeatUntilStopped(async () => {
    for (const kind of KINDS) {
      const list = await kubectl(stateDir, ['get', kind, '--all-namespaces', '-o', 'json']);
      // The kind exists once its operator's chart has installed the CRD.
      if (list.code !== 0) continue;
      for (const resource of (JSON.parse(list.stdout) as { items: CustomResource[] }).items) {
        if (handled.has(resource.metadata.uid)) continue;
        const reloader = resource.kind === 'Prometheus' ? await configReloaderResources(stateDir) : {};
        const children = childrenOf(resource, reloader);
        const applied = await kubectl(stateDir, ['apply', '-f', '-'], {
          input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: children }),
        });
        if (applied.code === 0) handled.add(resource.metadata.uid);
      }
    }
  }, 2000);
}
