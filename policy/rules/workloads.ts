import { asArray, isRecord } from './types';

export interface ContainerRef {
  /** e.g. `containers[0] "api"`, for messages. */
  label: string;
  container: Record<string, unknown>;
}

export interface PodSpecRef {
  podSpec: Record<string, unknown>;
  containers: ContainerRef[];
}

const TEMPLATE_KINDS = new Set([
  'kubernetes:apps/v1:Deployment',
  'kubernetes:apps/v1:StatefulSet',
  'kubernetes:apps/v1:DaemonSet',
  'kubernetes:apps/v1:ReplicaSet',
  'kubernetes:batch/v1:Job',
]);

function get(obj: unknown, ...path: string[]): unknown {
  let current = obj;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** The pod spec of a Kubernetes workload resource, or undefined when the type carries none. */
export function podSpecOf(type: string, props: Record<string, unknown>): PodSpecRef | undefined {
  let spec: unknown;
  if (type === 'kubernetes:core/v1:Pod') spec = props.spec;
  else if (TEMPLATE_KINDS.has(type)) spec = get(props, 'spec', 'template', 'spec');
  else if (type === 'kubernetes:batch/v1:CronJob')
    spec = get(props, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
  else return undefined;
  if (!isRecord(spec)) return undefined;

  const containers: ContainerRef[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    asArray(spec[field]).forEach((c, i) => {
      if (isRecord(c)) {
        const name = typeof c.name === 'string' ? ` "${c.name}"` : '';
        containers.push({ label: `${field}[${i}]${name}`, container: c });
      }
    });
  }
  return { podSpec: spec, containers };
}
