import { describe, expect, it } from 'vitest';
import {
  type PersistentVolume,
  type VolumeApi,
  VolumeReleaseError,
  VolumeReleaseTimeoutError,
  waitForVolumesReleased,
} from '../cleanup';

const namespaces = ['crm', 'database', 'elastic', 'monitoring'];

const ebsVolume = (name: string, claimNamespace: string, policy = 'Delete'): PersistentVolume => ({
  metadata: { name },
  spec: {
    csi: { driver: 'ebs.csi.aws.com', volumeHandle: `vol-${name}` },
    claimRef: { namespace: claimNamespace, name: `data-${name}` },
    persistentVolumeReclaimPolicy: policy,
  },
  status: { phase: 'Released' },
});

const inTreeVolume: PersistentVolume = {
  metadata: { name: 'legacy' },
  spec: {
    awsElasticBlockStore: { volumeID: 'aws://us-east-1a/vol-legacy' },
    claimRef: { namespace: 'monitoring', name: 'prometheus-db' },
    persistentVolumeReclaimPolicy: 'Delete',
  },
};

/** Not EBS: a local-path volume is none of this check's business. */
const localVolume: PersistentVolume = {
  metadata: { name: 'local' },
  spec: { csi: { driver: 'rancher.io/local-path' }, claimRef: { namespace: 'sandbox', name: 'x' } },
};

/** An in-memory CoreV1Api whose PersistentVolumes change from one list call to the next. */
class FakeCoreV1Api implements VolumeApi {
  calls = 0;
  constructor(
    private readonly polls: PersistentVolume[][],
    private readonly failure?: Error,
  ) {}

  async listPersistentVolume() {
    if (this.failure) throw this.failure;
    const items = this.polls[Math.min(this.calls, this.polls.length - 1)] ?? [];
    this.calls++;
    return { metadata: {}, items };
  }
}

function fakeClock() {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
    },
  };
}

describe('waitForVolumesReleased', () => {
  it('waits until the EBS volumes of the stack are gone, reporting progress', async () => {
    const core = new FakeCoreV1Api([
      [ebsVolume('mongodb', 'database'), inTreeVolume, localVolume],
      [inTreeVolume, localVolume],
      [localVolume],
    ]);
    const clock = fakeClock();
    const messages: string[] = [];

    const result = await waitForVolumesReleased({
      core,
      namespaces,
      pollIntervalMs: 5_000,
      timeoutMs: 60_000,
      log: (message) => messages.push(message),
      ...clock,
    });

    expect(result).toEqual({ awaitedVolumes: ['mongodb', 'legacy'], waitedMs: 10_000 });
    expect(core.calls).toBe(3);
    expect(messages).toEqual([
      'Waiting for 2 EBS volume(s) to be released: mongodb (vol-mongodb, claim database/data-mongodb), ' +
        'legacy (aws://us-east-1a/vol-legacy, claim monitoring/prometheus-db) (0s of 60s)',
      'Waiting for 1 EBS volume(s) to be released: legacy (aws://us-east-1a/vol-legacy, claim ' +
        'monitoring/prometheus-db) (5s of 60s)',
      'All EBS volumes released: mongodb, legacy',
    ]);
  });

  it('fails with a clear timeout error when a volume is never released', async () => {
    const core = new FakeCoreV1Api([[ebsVolume('elasticsearch', 'elastic')]]);
    const clock = fakeClock();

    const outcome = waitForVolumesReleased({
      core,
      namespaces,
      pollIntervalMs: 10_000,
      timeoutMs: 30_000,
      log: () => {},
      ...clock,
    });

    await expect(outcome).rejects.toBeInstanceOf(VolumeReleaseTimeoutError);
    await expect(outcome).rejects.toThrow(
      'Timed out after 30s waiting for EBS volumes to be released: elasticsearch (vol-elasticsearch, ' +
        'claim elastic/data-elasticsearch). Check the EBS CSI controller logs',
    );
    expect(clock.now()).toBe(30_000);
    expect(core.calls).toBe(4);
  });

  it('surfaces a Kubernetes API error', async () => {
    const forbidden = Object.assign(new Error('persistentvolumes is forbidden'), { code: 403 });
    const outcome = waitForVolumesReleased({
      core: new FakeCoreV1Api([], forbidden),
      namespaces,
      log: () => {},
      ...fakeClock(),
    });
    await expect(outcome).rejects.toBeInstanceOf(VolumeReleaseError);
    await expect(outcome).rejects.toThrow(/Listing PersistentVolumes failed: .*forbidden/);
  });

  it('returns at once when there is nothing to wait for', async () => {
    const clock = fakeClock();
    const messages: string[] = [];
    const result = await waitForVolumesReleased({
      core: new FakeCoreV1Api([[localVolume]]),
      namespaces,
      log: (message) => messages.push(message),
      ...clock,
    });
    expect(result).toEqual({ awaitedVolumes: [], waitedMs: 0 });
    expect(clock.now()).toBe(0);
    expect(messages).toEqual(['No EBS-backed PersistentVolume left in the cluster']);
  });

  it('stops at once, naming them, on volumes Kubernetes will never delete', async () => {
    const retained = waitForVolumesReleased({
      core: new FakeCoreV1Api([[ebsVolume('mongodb', 'database', 'Retain')]]),
      namespaces,
      log: () => {},
      ...fakeClock(),
    });
    await expect(retained).rejects.toThrow(
      'EBS volumes with reclaim policy Retain will not be deleted by Kubernetes: mongodb (vol-mongodb, ' +
        'claim database/data-mongodb)',
    );

    const clock = fakeClock();
    const foreign = waitForVolumesReleased({
      core: new FakeCoreV1Api([[ebsVolume('mongodb', 'database'), ebsVolume('scratch', 'sandbox')]]),
      namespaces,
      log: () => {},
      ...clock,
    });
    await expect(foreign).rejects.toThrow(
      "EBS volumes not claimed from this stack's namespaces (crm, database, elastic, monitoring) are still in " +
        'the cluster: scratch (vol-scratch, claim sandbox/data-scratch)',
    );
    expect(clock.now()).toBe(0);
  });
});

/** A volume of the local-path provisioner (k3d, kind), claimed from `claimNamespace`. */
const localPathVolume = (name: string, claimNamespace: string, policy = 'Delete'): PersistentVolume => ({
  metadata: { name },
  spec: {
    hostPath: { path: `/var/lib/rancher/k3s/storage/${name}` },
    claimRef: { namespace: claimNamespace, name: `data-${name}` },
    persistentVolumeReclaimPolicy: policy,
  },
  status: { phase: 'Released' },
});

describe('waitForVolumesReleased on a target without AWS (scope claims)', () => {
  it("waits for the volumes claimed from the stack's namespaces, whatever their driver, and no others", async () => {
    const csiVolume: PersistentVolume = {
      metadata: { name: 'grafana' },
      spec: {
        csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'csi-grafana' },
        claimRef: { namespace: 'monitoring', name: 'grafana' },
        persistentVolumeReclaimPolicy: 'Delete',
      },
    };
    // Not the stack's: claimed elsewhere, so neither awaited nor a blocker (even EBS, even Retain).
    const others = [localVolume, ebsVolume('scratch', 'sandbox', 'Retain'), localPathVolume('tmp', 'dev')];
    const mongodb = localPathVolume('mongodb', 'database');
    // The stack's volumes are there for two polls and gone on the third.
    const core = new FakeCoreV1Api([[mongodb, csiVolume, ...others], [mongodb, ...others], [...others]]);
    const clock = fakeClock();
    const messages: string[] = [];

    const result = await waitForVolumesReleased({
      core,
      namespaces,
      scope: 'claims',
      pollIntervalMs: 5_000,
      timeoutMs: 60_000,
      log: (message) => messages.push(message),
      ...clock,
    });

    expect(result).toEqual({ awaitedVolumes: ['mongodb', 'grafana'], waitedMs: 10_000 });
    expect(core.calls).toBe(3);
    expect(messages).toEqual([
      'Waiting for 2 PersistentVolume(s) claimed from crm, database, elastic, monitoring to be released: ' +
        'mongodb (/var/lib/rancher/k3s/storage/mongodb, claim database/data-mongodb), ' +
        'grafana (csi-grafana, claim monitoring/grafana) (0s of 60s)',
      'Waiting for 1 PersistentVolume(s) claimed from crm, database, elastic, monitoring to be released: ' +
        'mongodb (/var/lib/rancher/k3s/storage/mongodb, claim database/data-mongodb) (5s of 60s)',
      "All PersistentVolumes claimed from the stack's namespaces released: mongodb, grafana",
    ]);
  });

  it('returns at once when no claim of the stack has a volume left', async () => {
    const clock = fakeClock();
    const messages: string[] = [];
    const result = await waitForVolumesReleased({
      core: new FakeCoreV1Api([[localVolume, ebsVolume('scratch', 'sandbox')]]),
      namespaces,
      scope: 'claims',
      log: (message) => messages.push(message),
      ...clock,
    });
    expect(result).toEqual({ awaitedVolumes: [], waitedMs: 0 });
    expect(clock.now()).toBe(0);
    expect(messages).toEqual([
      'No PersistentVolume claimed from crm, database, elastic, monitoring left in the cluster',
    ]);
  });

  it('stops at once, naming it, on a volume of the stack with reclaim policy Retain', async () => {
    const clock = fakeClock();
    const outcome = waitForVolumesReleased({
      core: new FakeCoreV1Api([[localPathVolume('mongodb', 'database', 'Retain')]]),
      namespaces,
      scope: 'claims',
      log: () => {},
      ...clock,
    });
    await expect(outcome).rejects.toBeInstanceOf(VolumeReleaseError);
    await expect(outcome).rejects.not.toBeInstanceOf(VolumeReleaseTimeoutError);
    await expect(outcome).rejects.toThrow(
      'PersistentVolumes with reclaim policy Retain will not be deleted by Kubernetes: mongodb ' +
        '(/var/lib/rancher/k3s/storage/mongodb, claim database/data-mongodb)',
    );
    await outcome.catch((error: VolumeReleaseError) =>
      expect(error.volumes).toEqual([
        'mongodb (/var/lib/rancher/k3s/storage/mongodb, claim database/data-mongodb)',
      ]),
    );
    expect(clock.now()).toBe(0);
  });

  it('fails with a timeout naming the provisioner when a volume of the stack is never released', async () => {
    const clock = fakeClock();
    const outcome = waitForVolumesReleased({
      core: new FakeCoreV1Api([[localPathVolume('elasticsearch', 'elastic')]]),
      namespaces,
      scope: 'claims',
      pollIntervalMs: 10_000,
      timeoutMs: 20_000,
      log: () => {},
      ...clock,
    });
    await expect(outcome).rejects.toBeInstanceOf(VolumeReleaseTimeoutError);
    await expect(outcome).rejects.toThrow(
      'Timed out after 20s waiting for the PersistentVolumes claimed from crm, database, elastic, monitoring to ' +
        "be released: elasticsearch (/var/lib/rancher/k3s/storage/elasticsearch, claim elastic/data-elasticsearch). Check the storage provisioner's logs",
    );
    expect(clock.now()).toBe(20_000);
  });
});
