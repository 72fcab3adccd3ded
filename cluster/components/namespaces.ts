import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

export interface NamespaceSpec {
  name: string;
  /** Pod Security admission level enforced (and audited, and warned about) in the namespace. */
  podSecurity: PodSecurityLevel;
  purpose: string;
}

export interface PlatformNamespacesArgs<K extends string> {
  namespaces: Record<K, NamespaceSpec>;
}

export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/audit': level,
    'pod-security.kubernetes.io/audit-version': 'latest',
    'pod-security.kubernetes.io/warn': level,
    'pod-security.kubernetes.io/warn-version': 'latest',
  };
}

/**
 * One namespace per concern, each with its Pod Security admission level. What the component depends on,
 * each namespace depends on too: a destroy deletes the namespaces (and everything in them) first, without
 * relying on the engine ordering children before their parent's dependencies.
 */
export class PlatformNamespaces<K extends string> extends pulumi.ComponentResource {
  readonly names: Record<K, pulumi.Output<string>>;
  readonly resources: Record<K, k8s.core.v1.Namespace>;

  constructor(name: string, args: PlatformNamespacesArgs<K>, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:PlatformNamespaces', name, {}, opts);

    const resources = {} as Record<K, k8s.core.v1.Namespace>;
    const names = {} as Record<K, pulumi.Output<string>>;
    for (const [key, spec] of Object.entries(args.namespaces) as [K, NamespaceSpec][]) {
      const ns = new k8s.core.v1.Namespace(
        `${name}-${key}`,
        {
          metadata: {
            name: spec.name,
            labels: {
              'app.kubernetes.io/part-of': 'cloudops-crm',
              'app.kubernetes.io/managed-by': 'pulumi',
              ...podSecurityLabels(spec.podSecurity),
            },
            annotations: { 'cloudops-crm/purpose': spec.purpose },
          },
        },
        { parent: this, dependsOn: opts?.dependsOn },
      );
      resources[key] = ns;
      names[key] = ns.metadata.name;
    }
    this.resources = resources;
    this.names = names;
    this.registerOutputs({ names });
  }
}
