import * as pulumi from '@pulumi/pulumi';
import { loadConfig } from './config';
import { DeploymentChain } from './deploymentChain';
import { ImageEnvironment } from './imageEnvironment';
import { type LayerKey, layers } from './layers';
import { StackDeployment } from './stackDeployment';

const config = loadConfig();

// With appRollout 'workflow' the CI/CD workflow is the only thing that deploys the app stack: Deployments gets
// neither its settings nor a webhook into it, so a cluster deployment cannot roll the app out a second time.
const managesApp = config.appRollout === 'deployments';
const managedLayers = layers.filter((layer) => layer.key !== 'app' || managesApp);

const infraLayer = layers.find((layer) => layer.key === 'infra')!;
const infra = new pulumi.StackReference('infra', {
  name: `${config.organization}/${infraLayer.project}/${config.stacks.infra}`,
});
// The infra layer creates an IAM role per layer stack, each trusting only that stack's Pulumi OIDC tokens.
const roleArns = infra.requireOutput('deploymentsRoleArns') as pulumi.Output<Record<LayerKey, string>>;

const imageEnvironment = managesApp
  ? new ImageEnvironment('app-image', {
      organization: config.organization,
      project: config.imageEnvironment.project,
      name: config.imageEnvironment.name,
    })
  : undefined;

const settings = Object.fromEntries(
  managedLayers.map((layer) => [
    layer.key,
    new StackDeployment(layer.key, {
      organization: config.organization,
      repository: config.repository,
      branch: config.branch,
      stack: config.stacks[layer.key],
      layer,
      awsRoleArn: roleArns.apply((arns) => arns[layer.key]),
      oidcSessionDuration: config.oidcSessionDuration,
      // Deployments runners have no Docker daemon: the app stack deploys the image CI published.
      extraPreRunCommands:
        layer.key === 'app' && imageEnvironment
          ? [
              `pulumi -C ${layer.repoDir} config env add ${imageEnvironment.reference} --yes ` +
                `--stack ${config.organization}/${layer.project}/${config.stacks.app}`,
            ]
          : [],
    }),
  ]),
) as Partial<Record<LayerKey, StackDeployment>>;

const stackId = (key: LayerKey) => ({
  project: layers.find((layer) => layer.key === key)!.project,
  stack: config.stacks[key],
});

const chains = [
  new DeploymentChain('infra-to-cluster', {
    organization: config.organization,
    from: stackId('infra'),
    to: stackId('cluster'),
  }),
  ...(managesApp
    ? [
        new DeploymentChain('cluster-to-app', {
          organization: config.organization,
          from: stackId('cluster'),
          to: stackId('app'),
        }),
      ]
    : []),
];

export const appRollout = config.appRollout;
export const stacks = managedLayers.map(
  (layer) => `${config.organization}/${layer.project}/${config.stacks[layer.key]}`,
);
export const deploymentSettings = Object.keys(settings);
export const chain = chains.map((link) => link.webhook.displayName);
export const appImageEnvironment = imageEnvironment?.reference;
