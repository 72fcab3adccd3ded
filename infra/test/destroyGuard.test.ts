import { declared, dependenciesOf, named, ofType, one, urnName } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type InfraRun, runInfra } from './harness';

const MARKER = 'cloudops-crm-infra-destroy-guard';
const ADMIN = 'arn:aws:iam::123456789012:role/platform-admins';
let run: InfraRun;

beforeAll(async () => {
  run = await runInfra({
    githubRepository: 'acme/cloudops-crm',
    adminPrincipalArns: JSON.stringify([ADMIN]),
    pulumiOrganization: 'acme',
    publicDomain: 'crm.example.com',
    route53ZoneId: 'Z0123456789ABCDEFGHIJ',
  });
});

const marker = () => named(run.resources, 'kubernetes:core/v1:ConfigMap', 'destroy-guard');

describe('infra destroy guard', () => {
  it('is a fixed marker in kube-system with a beforeDelete hook, reached through a provider named by the cluster', () => {
    const found = marker();
    expect(found.inputs.metadata).toMatchObject({ name: MARKER, namespace: 'kube-system' });
    // beforeDelete: a refusal fails the deletion, so the marker and everything after it stay.
    expect(found.options.hooks.beforeDelete).toEqual([MARKER]);
    expect(found.options.hooks.afterDelete).toEqual([]);
    expect(run.hooks).toContain(MARKER);
    const provider = one(run.resources, 'pulumi:providers:kubernetes', 'destroy-guard-k8s').inputs;
    // Only another cluster replaces the provider (and so the marker, which would run the hook on an update).
    expect(provider.clusterIdentifier).toBe('eks:develeap-eks-cluster');
  });

  it('is deleted before anything else of the stack, and nothing is deleted in parallel with it', () => {
    const first = dependenciesOf(run.resources, marker().urn);
    const guarded = declared(run.resources).filter(
      (r) =>
        r.urn !== marker().urn &&
        !r.type.startsWith('pulumi:providers:') &&
        // Components delete nothing themselves; their custom children are checked one by one.
        !r.type.startsWith('cloudops:infra:'),
    );
    expect(guarded.length).toBeGreaterThan(30);
    const notGuarded = guarded.filter((r) => !first.has(r.urn ?? '')).map((r) => `${r.type} ${r.name}`);
    expect(notGuarded).toEqual([]);
    for (const type of [
      'eks:index:Cluster',
      'aws:eks/nodeGroup:NodeGroup',
      'aws:eks/addon:Addon',
      'aws:eks/accessEntry:AccessEntry',
      'aws:ecr/repository:Repository',
      'kubernetes:storage.k8s.io/v1:StorageClass',
      'aws:acm/certificate:Certificate',
    ]) {
      expect(ofType(guarded, type).length, type).toBeGreaterThan(0);
    }
    expect(
      run.resources.filter((r) => r.options.dependsOn.includes(marker().urn ?? '')).map((r) => r.name),
    ).toEqual([]);
  });

  it("keeps every access entry until the stack's Kubernetes objects are gone", () => {
    const access = [
      ...ofType(run.resources, 'aws:eks/accessEntry:AccessEntry'),
      ...ofType(run.resources, 'aws:eks/accessPolicyAssociation:AccessPolicyAssociation'),
    ];
    // The admin's, CI's and the three Deployments roles'.
    expect(ofType(run.resources, 'aws:eks/accessEntry:AccessEntry').map((r) => r.name)).toEqual(
      expect.arrayContaining(['crm-admin-0']),
    );
    expect(access.length).toBeGreaterThanOrEqual(10);
    const kubernetesObjects = declared(run.resources).filter(
      (r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:providers:'),
    );
    expect(kubernetesObjects.map((r) => urnName(r.urn ?? '')).sort()).toEqual(
      ['destroy-guard', 'storage-gp2-not-default', 'storage-gp3'].sort(),
    );
    for (const object of kubernetesObjects) {
      const after = dependenciesOf(run.resources, object.urn);
      for (const entry of access)
        expect(after.has(entry.urn ?? ''), `${object.name} -> ${entry.name}`).toBe(true);
    }
  });
});
