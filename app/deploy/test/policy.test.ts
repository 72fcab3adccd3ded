import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EvaluatedResource, evaluatePolicies } from '../../../policy/evaluate';
import { recordingMocks } from '../../../policy/testing';
import {
  clusterOutputs,
  clusterStack,
  digest,
  gitSha,
  infraOutputs,
  infraStack,
  project,
  stack,
} from './harness';

let resources: EvaluatedResource[];

beforeAll(async () => {
  // Build mode registers every resource the layer can create, the image included.
  process.env.GITHUB_SHA = gitSha;
  const recording = recordingMocks({
    outputs: (args) => {
      switch (args.type) {
        case 'pulumi:pulumi:StackReference':
          return {
            name: args.inputs.name,
            outputs: args.inputs.name === infraStack ? infraOutputs : clusterOutputs,
            secretOutputNames: ['kubeconfig'],
          };
        case 'docker-build:index:Image':
          return { digest, ref: `${(args.inputs.tags as string[])[0]}@${digest}` };
        case 'random:index/randomPassword:RandomPassword':
          return { result: `generated-${args.name}` };
        default:
          return undefined;
      }
    },
    call: (args) =>
      args.token === 'aws:ecr/getAuthorizationToken:getAuthorizationToken'
        ? {
            proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
            userName: 'AWS',
            password: 'x',
          }
        : undefined,
  });
  resources = recording.resources;
  pulumi.runtime.setAllConfig({
    [`${project}:infraStack`]: infraStack,
    [`${project}:clusterStack`]: clusterStack,
  });
  await pulumi.runtime.setMocks(recording.mocks, project, stack, false);
  const app = await import('../index.js');
  await new Promise((resolve) => app.imageRef.apply(resolve));
  let last = -1;
  for (let stable = 0; stable < 5; ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stable = resources.length === last ? stable + 1 : 0;
    last = resources.length;
  }
});

describe('policy pack', () => {
  it('finds no violation in the app stack', () => {
    expect(resources.some((r) => r.type === 'kubernetes:apps/v1:Deployment')).toBe(true);
    expect(resources.some((r) => r.type === 'docker-build:index:Image')).toBe(true);
    expect(evaluatePolicies(resources)).toEqual([]);
  });

  it('would flag the Deployment if it ran as root', () => {
    const deployment = resources.find((r) => r.type === 'kubernetes:apps/v1:Deployment')!;
    const rootDeployment = structuredClone(deployment) as EvaluatedResource & { props: any };
    rootDeployment.props.spec.template.spec.securityContext.runAsUser = 0;
    rootDeployment.props.spec.template.spec.containers[0].securityContext.runAsUser = 0;
    const violations = evaluatePolicies([rootDeployment]);
    expect(violations.map((v) => v.policy)).toContain('containers-non-root');
  });
});
