import { isRecord, rule } from './types';
import { podSpecOf } from './workloads';

function securityContext(obj: Record<string, unknown>): Record<string, unknown> {
  return isRecord(obj.securityContext) ? obj.securityContext : {};
}

/** Containers run as a non-root user, declared at pod or container level (the container's value wins). */
export const nonRootContainers = rule(
  'containers-non-root',
  'Pod and workload containers must run as non-root: runAsNonRoot true or a runAsUser other than 0.',
  ({ type, props }, report) => {
    const pod = podSpecOf(type, props);
    if (!pod) return;
    const podContext = securityContext(pod.podSpec);
    for (const { label, container } of pod.containers) {
      const context = securityContext(container);
      const runAsUser = context.runAsUser ?? podContext.runAsUser;
      const runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
      if (runAsUser === 0 || runAsUser === '0') {
        report(`${label} runs as root (runAsUser: 0)`);
      } else if (runAsNonRoot !== true && !(typeof runAsUser === 'number' && runAsUser > 0)) {
        report(`${label} may run as root: set runAsNonRoot: true or a non-zero runAsUser`);
      }
    }
  },
);
