import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as pulumi from '@pulumi/pulumi';
import { type CapacityType, VPC_CNI_OPTIONS } from '../config';
import { servicePrincipalTrustPolicy } from './trustPolicies';

export const CLUSTER_ADMIN_POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
export const COREDNS_ADDON = 'coredns';
export const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator'];

export interface NodeGroupSettings {
  instanceType: string;
  capacityType: CapacityType;
  desiredSize: number;
  minSize: number;
  maxSize: number;
  diskSizeGiB: number;
}

export interface EksClusterArgs {
  clusterName: string;
  kubernetesVersion: string;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
  node: NodeGroupSettings;
  /** Pinned CoreDNS add-on version; when undefined AWS's default version for kubernetesVersion is used. */
  corednsAddonVersion: string | undefined;
  logRetentionDays: number;
  /** IAM principals granted cluster admin. The identity running Pulumi must not be listed: EKS already made it admin. */
  adminPrincipalArns: string[];
  tags: Record<string, string>;
}

/** The EKS control plane in API authentication mode with one managed node group. */
export class EksCluster extends pulumi.ComponentResource {
  readonly cluster: eks.Cluster;
  readonly nodeGroup: aws.eks.NodeGroup;
  readonly coredns: aws.eks.Addon;
  /** Access entries (with their policies) of `adminPrincipalArns`. */
  readonly adminAccess: aws.eks.AccessPolicyAssociation[];
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcIssuer: pulumi.Output<string>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:EksCluster', name, {}, opts);

    // EKS creates this group itself without retention; owning it first keeps logs from accumulating forever.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane-logs`,
      {
        name: `/aws/eks/${args.clusterName}/cluster`,
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      { parent: this },
    );

    this.cluster = new eks.Cluster(
      name,
      {
        name: args.clusterName,
        version: args.kubernetesVersion,
        vpcId: args.vpcId,
        subnetIds: args.subnetIds,
        authenticationMode: eks.AuthenticationMode.Api,
        skipDefaultNodeGroup: true,
        // Managed node groups use the EKS-created cluster security group; the component's extra groups would sit unused.
        skipDefaultSecurityGroups: true,
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
        enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
        createOidcProvider: true,
        vpcCniOptions: VPC_CNI_OPTIONS,
        // Extended support costs six times the standard control plane price; upgrade instead.
        upgradePolicy: { supportType: 'STANDARD' },
        tags: args.tags,
        clusterTags: args.tags,
      },
      {
        parent: this,
        dependsOn: [logGroup],
        // A remote component receives only the providers passed to it, not those inherited from its parent.
        providers: inheritedProviders(this, 'aws'),
      },
    );

    const nodeRole = new aws.iam.Role(
      `${name}-node-role`,
      {
        assumeRolePolicy: JSON.stringify(servicePrincipalTrustPolicy('ec2.amazonaws.com')),
        tags: args.tags,
      },
      { parent: this },
    );
    const nodePolicies = {
      worker: 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      cni: 'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
      ecrRead: 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    };
    const attachments = Object.entries(nodePolicies).map(
      ([key, policyArn]) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${key}`,
          { role: nodeRole.name, policyArn },
          { parent: this },
        ),
    );

    this.name = this.cluster.eksCluster.name;
    this.arn = this.cluster.eksCluster.arn;
    this.endpoint = this.cluster.eksCluster.endpoint;

    // Without a launch template nodes get unencrypted gp2 root volumes unless the account encrypts by default.
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Nodes of ${args.clusterName}: encrypted gp3 root volume, IMDSv2 only`,
        blockDeviceMappings: [
          {
            // Root device of the EKS-optimised AL2023 AMI.
            deviceName: '/dev/xvda',
            ebs: {
              volumeSize: args.node.diskSizeGiB,
              volumeType: 'gp3',
              encrypted: 'true',
              deleteOnTermination: 'true',
            },
          },
        ],
        metadataOptions: {
          httpEndpoint: 'enabled',
          httpTokens: 'required',
          // Two hops so pods on the host network path (e.g. the VPC CNI) still reach IMDS.
          httpPutResponseHopLimit: 2,
        },
        tagSpecifications: [
          { resourceType: 'instance', tags: args.tags },
          { resourceType: 'volume', tags: args.tags },
        ],
        tags: args.tags,
      },
      { parent: this },
    );

    // EKS adds the EC2_LINUX access entry for a managed node group's role itself in API mode.
    this.nodeGroup = new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: this.name,
        version: args.kubernetesVersion,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.subnetIds,
        instanceTypes: [args.node.instanceType],
        capacityType: args.node.capacityType,
        amiType: 'AL2023_x86_64_STANDARD',
        launchTemplate: {
          id: this.launchTemplate.id,
          version: this.launchTemplate.latestVersion.apply(String),
        },
        scalingConfig: {
          desiredSize: args.node.desiredSize,
          minSize: args.node.minSize,
          maxSize: args.node.maxSize,
        },
        updateConfig: { maxUnavailable: 1 },
        tags: args.tags,
      },
      { parent: this, dependsOn: attachments },
    );

    // @pulumi/eks manages CoreDNS only when it creates a node group itself (skipDefaultNodeGroup turns that off), so
    // the self-managed copy EKS bootstraps would stay at its creation version through control-plane upgrades. As a
    // managed add-on at AWS's default version for kubernetesVersion, an upgrade moves it along. After the node
    // group: created before any node, the add-on stays DEGRADED until it times out. OVERWRITE adopts the bootstrapped
    // Deployment; preserve keeps DNS running should the add-on ever be removed from the stack.
    const corednsVersion =
      args.corednsAddonVersion ??
      aws.eks.getAddonVersionOutput(
        { addonName: COREDNS_ADDON, kubernetesVersion: args.kubernetesVersion, mostRecent: false },
        { parent: this },
      ).version;
    this.coredns = new aws.eks.Addon(
      `${name}-coredns`,
      {
        clusterName: this.name,
        addonName: COREDNS_ADDON,
        addonVersion: corednsVersion,
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        preserve: true,
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.nodeGroup] },
    );

    this.adminAccess = args.adminPrincipalArns.map((principalArn, i) =>
      grantClusterAdmin(`${name}-admin-${i}`, this.name, principalArn, args.tags, this),
    );

    this.kubeconfig = this.cluster.kubeconfigJson;
    this.oidcProviderArn = this.cluster.oidcProviderArn;
    this.oidcIssuer = this.cluster.oidcIssuer;

    this.registerOutputs({
      name: this.name,
      endpoint: this.endpoint,
      oidcProviderArn: this.oidcProviderArn,
    });
  }
}

export const EDIT_POLICY_ARN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';

/**
 * Kubernetes group of the identities that roll out the app. The cluster layer binds it to the aggregated `edit`
 * ClusterRole in the app namespace, which also covers custom resources such as ServiceMonitor; EKS access policies
 * only cover Kubernetes' own resources.
 */
export const APP_DEPLOYERS_GROUP = 'cloudops-crm:app-deployers';

interface AccessGrant {
  policyArn: string;
  accessScope: { type: 'cluster' } | { type: 'namespace'; namespaces: string[] };
  kubernetesGroups?: string[];
}

/** An access entry for one principal plus one access policy association through it. */
function grantAccess(
  name: string,
  clusterName: pulumi.Input<string>,
  principalArn: pulumi.Input<string>,
  { policyArn, accessScope, kubernetesGroups }: AccessGrant,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.eks.AccessPolicyAssociation {
  const entry = new aws.eks.AccessEntry(
    name,
    { clusterName, principalArn, type: 'STANDARD', ...(kubernetesGroups && { kubernetesGroups }), tags },
    { parent },
  );
  return new aws.eks.AccessPolicyAssociation(
    name,
    { clusterName, principalArn: entry.principalArn, policyArn, accessScope },
    { parent },
  );
}

/**
 * Membership of the app deployers' group plus AmazonEKSEditPolicy scoped to one namespace: the principal can
 * change what is in that namespace (not its Secrets elsewhere, not cluster-scoped objects).
 */
export function grantNamespaceEdit(
  name: string,
  clusterName: pulumi.Input<string>,
  principalArn: pulumi.Input<string>,
  namespace: string,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.eks.AccessPolicyAssociation {
  const grant: AccessGrant = {
    policyArn: EDIT_POLICY_ARN,
    accessScope: { type: 'namespace', namespaces: [namespace] },
    kubernetesGroups: [APP_DEPLOYERS_GROUP],
  };
  return grantAccess(name, clusterName, principalArn, grant, tags, parent);
}

/** AmazonEKSClusterAdminPolicy on the whole cluster for one principal. */
export function grantClusterAdmin(
  name: string,
  clusterName: pulumi.Input<string>,
  principalArn: pulumi.Input<string>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): aws.eks.AccessPolicyAssociation {
  const grant: AccessGrant = { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: 'cluster' } };
  return grantAccess(name, clusterName, principalArn, grant, tags, parent);
}

function inheritedProviders(resource: pulumi.Resource, ...packages: string[]): pulumi.ProviderResource[] {
  return packages
    .map((pkg) => resource.getProvider(`${pkg}::`))
    .filter((p): p is pulumi.ProviderResource => p !== undefined);
}
