import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { serviceAccountTrustPolicy } from './trustPolicies';

export const EBS_CSI_ADDON = 'aws-ebs-csi-driver';
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: 'kube-system', name: 'ebs-csi-controller-sa' };
export const EBS_CSI_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export interface EbsStorageArgs {
  clusterName: pulumi.Input<string>;
  kubernetesVersion: string;
  /** Pinned add-on version; when undefined AWS's default version for kubernetesVersion is used. */
  addonVersion: string | undefined;
  kubeconfig: pulumi.Input<string>;
  oidcProviderArn: pulumi.Input<string>;
  /** Cluster OIDC issuer without https://, the prefix of the IRSA condition keys. */
  oidcIssuer: pulumi.Input<string>;
  /** The add-on's controller is scheduled on nodes; created before them it stays DEGRADED until it times out. */
  nodeGroup: pulumi.Resource;
  storageClassName: string;
  /**
   * The access entries through which whoever runs this stack reaches the cluster. The Kubernetes objects depend on
   * them, so a destroy run by one of those principals deletes the objects before it loses its own access.
   */
  clusterAccess: pulumi.Resource[];
  tags: Record<string, string>;
}

/** EBS CSI driver with its own IRSA role, an encrypted default gp3 StorageClass, and gp2 demoted. */
export class EbsStorage extends pulumi.ComponentResource {
  readonly addon: aws.eks.Addon;
  readonly storageClassName: pulumi.Output<string>;

  constructor(name: string, args: EbsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:EbsStorage', name, {}, opts);

    const role = new aws.iam.Role(
      `${name}-ebs-csi`,
      {
        description: 'EBS CSI controller (IRSA), kube-system/ebs-csi-controller-sa only',
        assumeRolePolicy: pulumi
          .all([args.oidcProviderArn, args.oidcIssuer])
          .apply(([arn, issuer]) =>
            JSON.stringify(
              serviceAccountTrustPolicy(
                arn,
                issuer,
                EBS_CSI_SERVICE_ACCOUNT.namespace,
                EBS_CSI_SERVICE_ACCOUNT.name,
              ),
            ),
          ),
        tags: args.tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicyAttachment(
      `${name}-ebs-csi`,
      { role: role.name, policyArn: EBS_CSI_POLICY_ARN },
      { parent: this },
    );

    const addonVersion =
      args.addonVersion ??
      aws.eks.getAddonVersionOutput(
        { addonName: EBS_CSI_ADDON, kubernetesVersion: args.kubernetesVersion, mostRecent: false },
        { parent: this },
      ).version;

    this.addon = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        addonName: EBS_CSI_ADDON,
        addonVersion,
        serviceAccountRoleArn: role.arn,
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        tags: args.tags,
      },
      { parent: this, dependsOn: [args.nodeGroup, policy] },
    );

    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, { parent: this });

    const gp3 = new k8s.storage.v1.StorageClass(
      `${name}-${args.storageClassName}`,
      {
        metadata: {
          name: args.storageClassName,
          annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' },
        },
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true', fsType: 'ext4' },
        reclaimPolicy: 'Delete',
        // Binding waits for the pod so the volume is created in the zone of the node that runs it.
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
      },
      { parent: this, provider, dependsOn: [this.addon, ...args.clusterAccess] },
    );

    // EKS ships gp2 (in-tree, unencrypted). Claims without a class must never land on it.
    new k8s.storage.v1.StorageClassPatch(
      `${name}-gp2-not-default`,
      {
        metadata: {
          name: 'gp2',
          // Clusters first created before 1.30 had the annotation applied by another field manager.
          annotations: { [DEFAULT_CLASS_ANNOTATION]: 'false', 'pulumi.com/patchForce': 'true' },
        },
      },
      { parent: this, provider, dependsOn: [gp3, ...args.clusterAccess] },
    );

    this.storageClassName = gp3.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
