import { named, one } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type InfraRun, RESOLVED_COREDNS_VERSION, runInfra } from './harness';

let run: InfraRun;

beforeAll(async () => {
  run = await runInfra({ githubRepository: 'acme/cloudops-crm', kubernetesVersion: '1.34' });
});

describe('CoreDNS add-on', () => {
  it('is managed by EKS at the version AWS resolves for the cluster version', () => {
    const lookup = run.calls.find(
      (c) => c.token === 'aws:eks/getAddonVersion:getAddonVersion' && c.inputs.addonName === 'coredns',
    );
    // The default (not the newest) build for the configured Kubernetes version: an upgrade moves it along.
    expect(lookup?.inputs).toMatchObject({ kubernetesVersion: '1.34', mostRecent: false });
    const addon = one(run.resources, 'aws:eks/addon:Addon', 'crm-coredns').inputs;
    expect(addon).toMatchObject({
      addonName: 'coredns',
      addonVersion: RESOLVED_COREDNS_VERSION,
      clusterName: 'develeap-eks-cluster',
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'OVERWRITE',
      preserve: true,
    });
  });

  it('comes after the node group, which @pulumi/eks does not create here', () => {
    expect(one(run.resources, 'eks:index:Cluster').inputs.skipDefaultNodeGroup).toBe(true);
    const addon = one(run.resources, 'aws:eks/addon:Addon', 'crm-coredns');
    const nodeGroup = one(run.resources, 'aws:eks/nodeGroup:NodeGroup');
    expect(named(run.resources, addon.type, addon.name).options.dependsOn).toContain(nodeGroup.urn);
  });
});
