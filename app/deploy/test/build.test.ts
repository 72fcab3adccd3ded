import * as path from 'node:path';
import {
  isSecretInput,
  named,
  ofType,
  one,
  resolveOutput,
  unwrapSecrets,
} from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppRun, clusterStack, digest, ecrRepositoryUrl, gitSha, infraStack, runApp } from './harness';

let harness: AppRun;
let app: typeof import('../index.js');

beforeAll(async () => {
  // No image in config: the stack builds this checkout, tagged with the commit CI reports.
  vi.stubEnv('GITHUB_SHA', gitSha);
  harness = await runApp({ infraStack, clusterStack, authEnabled: 'false' });
  app = harness.program;
});

describe('image build', () => {
  const image = () => one(harness.resources, 'docker-build:index:Image').raw;

  it('builds the root Dockerfile for linux/amd64', () => {
    const { context, dockerfile, platforms } = image();
    const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
    expect(context.location).toBe(repositoryRoot);
    expect(dockerfile.location).toBe(path.join(repositoryRoot, 'Dockerfile'));
    expect(platforms).toEqual(['linux/amd64']);
  });

  it('pushes to the infra ECR repository tagged with the commit SHA only', () => {
    const { tags, push } = image();
    expect(push).toBe(true);
    expect(tags).toEqual([`${ecrRepositoryUrl}:${gitSha}`]);
    expect(tags.some((tag: string) => tag.endsWith(':latest'))).toBe(false);
  });

  it('authenticates to ECR with a short-lived token kept secret', () => {
    expect(harness.calls.map((call) => call.token)).toContain(
      'aws:ecr/getAuthorizationToken:getAuthorizationToken',
    );
    const { registries } = image();
    const [registry] = isSecretInput(registries) ? (registries.value as any[]) : registries;
    expect(registry.address).toBe('https://123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(registry.username).toBe('AWS');
    expect(isSecretInput(registry.password) || isSecretInput(registries)).toBe(true);
    expect(unwrapSecrets(registry.password)).toBe('ecr-token');
  });

  it('keeps the pushed image when the resource leaves the stack, since running pods may still pull it', () => {
    expect(named(harness.resources, 'docker-build:index:Image', 'crm-app').options.retainOnDelete).toBe(true);
  });

  it('rolls out the pushed digest, not the tag', async () => {
    const expected = `${ecrRepositoryUrl}:${gitSha}@${digest}`;
    expect(await resolveOutput(app.imageRef)).toBe(expected);
    const deployment = one(harness.resources, 'kubernetes:apps/v1:Deployment').raw;
    expect(deployment.spec.template.spec.containers[0].image).toBe(expected);
  });
});

describe('authentication disabled', () => {
  it('creates no API keys and passes no API_KEYS to the server', () => {
    expect(ofType(harness.resources, 'pulumi-nodejs:dynamic:Resource')).toHaveLength(0);
    expect(ofType(harness.resources, 'kubernetes:core/v1:Secret')).toHaveLength(0);
    const env = one(harness.resources, 'kubernetes:apps/v1:Deployment').raw.spec.template.spec.containers[0]
      .env;
    expect(env.map((e: { name: string }) => e.name)).not.toContain('API_KEYS');
    expect(app.apiKeys).toBeUndefined();
  });
});
