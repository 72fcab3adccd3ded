import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';

const base = {
  infraStack: 'example-org/cloudops-crm-infra/dev',
  clusterStack: 'example-org/cloudops-crm-cluster/dev',
};
const image = `123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app@sha256:${'c'.repeat(64)}`;

function source(values: Record<string, string>) {
  return { get: (key: string) => values[key] };
}

beforeAll(() => {
  pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: args.name, state: args.inputs }), call: (a) => a.inputs },
    'p',
    'dev',
  );
});

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(source({ ...base, image }), {});
    expect(config).toEqual({
      infraStack: base.infraStack,
      clusterStack: base.clusterStack,
      image: { mode: 'existing', ref: image },
      replicas: 2,
      maxReplicas: 4,
      targetCpuUtilization: 70,
      authEnabled: true,
      environment: 'dev',
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
    });
  });

  it('builds when no image is given, tagging with gitSha or GITHUB_SHA', () => {
    expect(loadConfig(source({ ...base, gitSha: 'abcdef1' }), {}).image).toEqual({
      mode: 'build',
      gitSha: 'abcdef1',
    });
    expect(loadConfig(source(base), { GITHUB_SHA: 'abcdef2' }).image).toEqual({
      mode: 'build',
      gitSha: 'abcdef2',
    });
  });

  it('rejects an image that is not pinned by digest, naming the key', () => {
    expect(() => loadConfig(source({ ...base, image: 'crm-app:latest' }), {})).toThrow(
      /cloudops-crm-app:image.*digest/,
    );
  });

  it('requires a commit SHA to build', () => {
    expect(() => loadConfig(source(base), {})).toThrow(/cloudops-crm-app:gitSha/);
    expect(() => loadConfig(source({ ...base, gitSha: 'main' }), {})).toThrow(/cloudops-crm-app:gitSha/);
  });

  it('requires the cluster stack and a fully qualified stack name', () => {
    expect(() => loadConfig(source({ image }), {})).toThrow(/cloudops-crm-app:clusterStack/);
    expect(() => loadConfig(source({ ...base, infraStack: 'dev', image }), {})).toThrow(
      /cloudops-crm-app:infraStack/,
    );
  });

  it('needs an image when there is no infra stack to build into (local cluster)', () => {
    expect(() => loadConfig(source({ clusterStack: base.clusterStack }), { GITHUB_SHA: 'abcdef1' })).toThrow(
      /cloudops-crm-app:image/,
    );
    expect(loadConfig(source({ clusterStack: base.clusterStack, image }), {}).infraStack).toBeUndefined();
  });

  it('validates numbers, booleans and log levels', () => {
    expect(() => loadConfig(source({ ...base, image, replicas: '0' }), {})).toThrow(
      /cloudops-crm-app:replicas/,
    );
    expect(() => loadConfig(source({ ...base, image, replicas: '3', maxReplicas: '2' }), {})).toThrow(
      /cloudops-crm-app:maxReplicas/,
    );
    expect(() => loadConfig(source({ ...base, image, authEnabled: 'yes' }), {})).toThrow(
      /cloudops-crm-app:authEnabled/,
    );
    expect(() => loadConfig(source({ ...base, image, logLevel: 'verbose' }), {})).toThrow(
      /cloudops-crm-app:logLevel/,
    );
    expect(loadConfig(source({ ...base, image, replicas: '3', authEnabled: 'false' }), {})).toMatchObject({
      replicas: 3,
      maxReplicas: 4,
      authEnabled: false,
    });
  });
});
