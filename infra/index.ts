import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { CiAccess } from './components/ciAccess';
import { APP_DEPLOYERS_GROUP, EksCluster } from './components/cluster';
import { DestroyGuard } from './components/destroyGuard';
import { NetworkLookup } from './components/network';
import { PublicCertificate } from './components/publicCertificate';
import { ContainerRegistry } from './components/registry';
import { EbsStorage } from './components/storage';
import { loadConfig } from './config';

const config = loadConfig();
const tags = { ...config.tags, Stack: pulumi.getStack() };

const awsProvider = new aws.Provider('aws', { region: config.region, defaultTags: { tags } });
const opts = { providers: [awsProvider] };

const network = new NetworkLookup(
  'network',
  { region: config.region, unsupportedZoneIds: config.eksUnsupportedZoneIds },
  opts,
);

const eksCluster = new EksCluster(
  'crm',
  {
    clusterName: config.clusterName,
    kubernetesVersion: config.kubernetesVersion,
    vpcId: network.vpcId,
    subnetIds: network.subnetIds,
    node: config.node,
    corednsAddonVersion: config.corednsAddonVersion,
    logRetentionDays: config.clusterLogRetentionDays,
    adminPrincipalArns: config.adminPrincipalArns,
    tags,
  },
  opts,
);

const registry = new ContainerRegistry('crm-app', { ...config.ecr, tags }, opts);

const ciAccess = new CiAccess(
  'ci',
  {
    clusterName: eksCluster.name,
    clusterArn: eksCluster.arn,
    repositoryArn: registry.repositoryArn,
    github: config.github,
    appNamespace: config.appNamespace,
    pulumi: {
      organization: config.pulumi.organization,
      oidcProviderArn: config.pulumi.oidcProviderArn,
      stack: config.pulumi.stack,
      projects: { infra: pulumi.getProject(), cluster: 'cloudops-crm-cluster', app: 'cloudops-crm-app' },
      infraPolicyArns: config.pulumi.deploymentsPolicyArns,
    },
    tags,
  },
  opts,
);

// Admins and the Deployments roles reach the cluster through these access entries; the stack's Kubernetes objects
// depend on them, so a destroy run by one of them deletes the objects while it still has access.
const clusterAccess = [...eksCluster.adminAccess, ciAccess];

const storage = new EbsStorage(
  'storage',
  {
    clusterName: eksCluster.name,
    kubernetesVersion: config.kubernetesVersion,
    addonVersion: config.ebsCsiAddonVersion,
    kubeconfig: eksCluster.kubeconfig,
    oidcProviderArn: eksCluster.oidcProviderArn,
    oidcIssuer: eksCluster.oidcIssuer,
    nodeGroup: eksCluster.nodeGroup,
    storageClassName: 'gp3',
    clusterAccess,
    tags,
  },
  opts,
);

// With a domain, the certificate the cluster layer's NLB terminates TLS with; without one the endpoint stays HTTP.
const certificate = config.tls ? new PublicCertificate('public', { ...config.tls, tags }, opts) : undefined;

// Refuses an infra destroy while the cluster layer still has resources in the cluster (their NLB and EBS volumes
// would be orphaned): deleted first, before anything it guards. Delete hooks need `pulumi destroy --run-program`.
new DestroyGuard(
  'destroy-guard',
  {
    clusterName: eksCluster.name,
    kubeconfig: eksCluster.kubeconfig,
    guards: [eksCluster, ...clusterAccess, storage, registry, ...(certificate ? [certificate] : [])],
  },
  { ...opts, dependsOn: clusterAccess },
);

export const clusterName = eksCluster.name;
export const clusterEndpoint = eksCluster.endpoint;
export const kubeconfig = pulumi.secret(eksCluster.kubeconfig);
export const oidcProviderArn = eksCluster.oidcProviderArn;
export const ecrRepositoryUrl = registry.repositoryUrl;
export const ecrRepositoryName = registry.repositoryName;
export const ciRoleArn = ciAccess.ciRole.arn;
/** Role per layer stack for Pulumi Deployments ({ infra, cluster, app }); undefined without pulumiOrganization. */
export const deploymentsRoleArns = ciAccess.deploymentsRoles && {
  infra: ciAccess.deploymentsRoles.infra.arn,
  cluster: ciAccess.deploymentsRoles.cluster.arn,
  app: ciAccess.deploymentsRoles.app.arn,
};
/** Kubernetes group the cluster layer lets change the app namespace (CI and the app layer's role are in it). */
export const appDeployersGroup = APP_DEPLOYERS_GROUP;
export const region = config.region;
export const storageClassName = storage.storageClassName;
/** TLS on the public endpoint (both undefined when off): the cluster layer reads them, the domain's DNS is yours. */
export const publicDomain = certificate?.domain;
export const tlsCertificateArn = certificate?.certificateArn;
