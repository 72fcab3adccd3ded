import * as pulumi from '@pulumi/pulumi';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EKS_CONFIG, INFRA_STACK_OUTPUTS, ofType, runProgram } from './harness';

const hookArgs: Array<{ name: string; args: Record<string, pulumi.Input<string>> }> = [];

// The hook itself is tested in cleanupHook.test.ts; here: that the program attaches it, with the infra outputs.
vi.mock('../cleanup', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../cleanup')>();
  return {
    ...actual,
    loadBalancerCleanupHook: (name: string, args: Parameters<typeof actual.loadBalancerCleanupHook>[1]) => {
      hookArgs.push({ name, args: args as unknown as Record<string, pulumi.Input<string>> });
      return actual.loadBalancerCleanupHook(name, args);
    },
  };
});

const value = (input: pulumi.Input<string>) =>
  new Promise<string>((resolve) => pulumi.output(input).apply((v) => resolve(v)));

describe('load balancer cleanup on destroy', () => {
  beforeEach(() => {
    hookArgs.length = 0;
  });

  it('hangs the cleanup hook on a marker object in the ingress namespace on EKS', async () => {
    const run = await runProgram(EKS_CONFIG);
    const marker = ofType(run, 'kubernetes:core/v1:ConfigMap').filter(
      (r) => r.name === 'load-balancer-cleanup',
    );
    expect(marker).toHaveLength(1);
    expect(marker[0]?.inputs.metadata).toEqual({ name: 'load-balancer-cleanup', namespace: 'ingress-nginx' });

    expect(run.hooks).toEqual(['load-balancer-cleanup']);
    expect(hookArgs.map((h) => h.name)).toEqual(['load-balancer-cleanup']);
    const args = hookArgs[0]!.args;
    expect(await value(args.clusterName!)).toBe(INFRA_STACK_OUTPUTS.clusterName);
    expect(await value(args.region!)).toBe(INFRA_STACK_OUTPUTS.region);
    expect(await value(args.kubeconfig!)).toBe(INFRA_STACK_OUTPUTS.kubeconfig);
  });

  it('is not attached on a local cluster, which has no AWS load balancers', async () => {
    const run = await runProgram({
      kubeContext: 'k3d-crm',
      storageClassName: 'local-path',
      publicHost: 'localhost',
    });
    expect(
      ofType(run, 'kubernetes:core/v1:ConfigMap').filter((r) => r.name === 'load-balancer-cleanup'),
    ).toEqual([]);
    expect(hookArgs).toEqual([]);
    expect(run.hooks).toEqual([]);
  });
});
