import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { DestroyTarget } from './components/destroyMarkers';
import type { PublicTls } from './components/ingressController';
import type { ClusterTarget } from './config';
import { INFRA_OUTPUTS } from './contract';

export interface TargetCluster {
  provider: k8s.Provider;
  /** The infra stack's storage class on EKS; undefined for local clusters (set in config). */
  storageClassName: pulumi.Output<string> | undefined;
  isEks: boolean;
  /**
   * What the destroy hooks need to reach the cluster, on every target: the provider's kubeconfig and context, and
   * on EKS the cluster name and region for the AWS waits.
   */
  cleanupAccess: Omit<DestroyTarget, 'namespaces'>;
  /** The infra stack's EKS cluster; EKS only. */
  eks?: {
    clusterName: pulumi.Output<string>;
    region: pulumi.Output<string>;
    kubeconfig: pulumi.Output<string>;
    /** TLS on the public endpoint as the infra stack set it up; undefined when it has none. */
    publicTls: pulumi.Output<PublicTls | undefined>;
  };
}

/**
 * The Kubernetes provider for the target cluster.
 *
 * Without `clusterIdentifier` the provider decides "same cluster or not" from the kubeconfig text,
 * and a regenerated kubeconfig (new token command, reordered keys, an added proxy-url) can plan a
 * replacement of the provider and with it of every object in the cluster. Tying the identity to the
 * EKS cluster name makes kubeconfig changes plain updates; only a different cluster replaces.
 */
export function targetCluster(target: ClusterTarget): TargetCluster {
  if (target.kind === 'eks') {
    const infra = new pulumi.StackReference('infra', { name: target.infraStack });
    const clusterName = infra.requireOutput(INFRA_OUTPUTS.clusterName).apply(String);
    const kubeconfig = infra.requireOutput(INFRA_OUTPUTS.kubeconfig).apply(String);
    const region = infra.requireOutput(INFRA_OUTPUTS.region).apply(String);
    const provider = new k8s.Provider('eks', {
      kubeconfig,
      clusterIdentifier: pulumi.interpolate`eks:${clusterName}`,
      enableServerSideApply: true,
    });
    return {
      provider,
      storageClassName: infra.requireOutput(INFRA_OUTPUTS.storageClassName).apply(String),
      isEks: true,
      cleanupAccess: { clusterName, region, kubeconfig },
      eks: {
        clusterName,
        region,
        kubeconfig,
        publicTls: publicTls(infra),
      },
    };
  }
  const provider = new k8s.Provider('local', {
    // Undefined falls back to $KUBECONFIG / ~/.kube/config, like kubectl.
    kubeconfig: target.kubeconfig,
    context: target.context,
    clusterIdentifier: `local:${target.context ?? 'current-context'}`,
    enableServerSideApply: true,
  });
  return {
    provider,
    storageClassName: undefined,
    isEks: false,
    // The hooks read the kubeconfig as the provider does (contents or path; absent: $KUBECONFIG / ~/.kube/config).
    cleanupAccess: {
      ...(target.kubeconfig !== undefined && { kubeconfig: target.kubeconfig }),
      ...(target.context !== undefined && { kubeContext: target.context }),
    },
  };
}

/**
 * The infra stack exports the domain and its certificate together or not at all (an infra stack from before TLS
 * exports neither, and the endpoint stays plain HTTP).
 */
export function publicTls(infra: pulumi.StackReference): pulumi.Output<PublicTls | undefined> {
  return pulumi
    .all([infra.getOutput(INFRA_OUTPUTS.publicDomain), infra.getOutput(INFRA_OUTPUTS.tlsCertificateArn)])
    .apply(([domain, certificateArn]) => tlsFromInfraOutputs(domain, certificateArn));
}

export function tlsFromInfraOutputs(domain: unknown, certificateArn: unknown): PublicTls | undefined {
  if (!domain && !certificateArn) return undefined;
  if (typeof domain !== 'string' || typeof certificateArn !== 'string' || !domain || !certificateArn) {
    throw new Error(
      `infra stack outputs ${INFRA_OUTPUTS.publicDomain} and ${INFRA_OUTPUTS.tlsCertificateArn} come together; ` +
        `got ${INFRA_OUTPUTS.publicDomain}=${JSON.stringify(domain)}, ` +
        `${INFRA_OUTPUTS.tlsCertificateArn}=${JSON.stringify(certificateArn)}`,
    );
  }
  return { domain, certificateArn };
}
