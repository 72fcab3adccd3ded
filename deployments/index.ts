import * as pulumi from '@pulumi/pulumi';
import { loadConfig } from './config';
import { DeploymentChain } from './deploymentChain';
import { ImageEnvironment } from './imageEnvironment';
import { type LayerKey, layers } from './layers';
import { StackDeployment } from './stackDeployment';

const config = loadConfig();

const infraLayer = layers.find((layer) => layer.key === 'infra')!;
const infra = new pulumi.StackReference('infra', {
  name: `${config.organization}/${infraLayer.project}/${config.stacks.infra}`,
});
// The infra layer creates the IAM role trusted for Pulumi Cloud's OIDC issuer.
const awsRoleArn = infra.requireOutput('deploymentsRoleArn') as pulumi.Output<string>;

const imageEnvironment = new ImageEnvironment('app-image', {
  organization: config.organization,
  project: config.imageEnvironment.project,
  name: config.imageEnvironment.name,
});

const settings = Object.fromEntries(
  layers.map((layer) => [
    layer.key,
    new StackDeployment(layer.key, {
      organization: config.organization,
      repository: config.repository,
      branch: config.branch,
      stack: config.stacks[layer.key],
      layer,
      awsRoleArn,
      oidcSessionDuration: config.oidcSessionDuration,
      pnpmVersion: config.pnpmVersion,
      // Deployments runners have no Docker daemon: the app stack deploys the image CI published.
      extraPreRunCommands:
        layer.key === 'app'
          ? [
              `pulumi -C ${layer.repoDir} config env add ${imageEnvironment.reference} --yes ` +
                `--stack ${config.organization}/${layer.project}/${config.stacks.app}`,
            ]
          : [],
    }),
  ]),
) as Record<LayerKey, StackDeployment>;

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
  new DeploymentChain('cluster-to-app', {
    organization: config.organization,
    from: stackId('cluster'),
    to: stackId('app'),
  }),
];

export const stacks = layers.map(
  (layer) => `${config.organization}/${layer.project}/${config.stacks[layer.key]}`,
);
export const deploymentSettings = Object.keys(settings);
export const chain = chains.map((link) => link.webhook.displayName);
export const appImageEnvironment = imageEnvironment.reference;
