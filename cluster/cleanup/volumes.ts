import { defaultWaitPollIntervalMs, defaultWaitTimeoutMs, type WaitOptions, waitUntilGone } from './wait';

/** The part of @kubernetes/client-node's CoreV1Api the volume check uses. */
export interface VolumeApi {
  listPersistentVolume(param?: { _continue?: string; limit?: number }): Promise<{
    metadata?: { _continue?: string };
    items: PersistentVolume[];
  }>;
}

export interface PersistentVolume {
  metadata?: { name?: string };
  spec?: {
    csi?: { driver?: string; volumeHandle?: string };
    awsElasticBlockStore?: { volumeID?: string };
    hostPath?: { path?: string };
    local?: { path?: string };
    claimRef?: { namespace?: string; name?: string };
    persistentVolumeReclaimPolicy?: string;
  };
  status?: { phase?: string };
}

/**
 * Which volumes the wait watches. `ebs` (EKS): every EBS-backed PersistentVolume of the cluster, those claimed
 * elsewhere stopping the wait. `claims` (any other cluster): the PersistentVolumes claimed from the stack's
 * namespaces, whatever their driver or provisioner.
 */
export type VolumeScope = 'ebs' | 'claims';

export interface VolumeReleaseOptions extends WaitOptions {
  core: VolumeApi;
  /** The namespaces this stack owns: their claims' volumes are awaited. */
  namespaces: string[];
  /** `ebs` unless told otherwise. */
  scope?: VolumeScope;
}

export interface VolumeReleaseResult {
  /** Volumes (PersistentVolume names) that were still there when the wait started. */
  awaitedVolumes: string[];
  waitedMs: number;
}

export class VolumeReleaseError extends Error {
  constructor(
    message: string,
    public readonly volumes: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VolumeReleaseError';
  }
}

export class VolumeReleaseTimeoutError extends VolumeReleaseError {
  constructor(message: string, volumes: string[]) {
    super(message, volumes);
    this.name = 'VolumeReleaseTimeoutError';
  }
}

export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
export const defaultVolumeTimeoutMs = defaultWaitTimeoutMs;
export const defaultVolumePollIntervalMs = defaultWaitPollIntervalMs;

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const isEbs = (pv: PersistentVolume) =>
  pv.spec?.csi?.driver === EBS_CSI_DRIVER || pv.spec?.awsElasticBlockStore !== undefined;

function label(pv: PersistentVolume): string {
  const volumeId =
    pv.spec?.csi?.volumeHandle ??
    pv.spec?.awsElasticBlockStore?.volumeID ??
    pv.spec?.hostPath?.path ??
    pv.spec?.local?.path ??
    'unknown volume';
  const claim = pv.spec?.claimRef ? `, claim ${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}` : '';
  return `${pv.metadata?.name ?? '?'} (${volumeId}${claim})`;
}

async function listVolumes(
  core: VolumeApi,
  keep: (pv: PersistentVolume) => boolean,
): Promise<PersistentVolume[]> {
  const volumes: PersistentVolume[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const page = await core.listPersistentVolume({ limit: 500, _continue: continueToken });
      volumes.push(...page.items.filter(keep));
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
  } catch (error) {
    throw new VolumeReleaseError(`Listing PersistentVolumes failed: ${errorText(error)}`, [], {
      cause: error,
    });
  }
  return volumes;
}

/**
 * Waits until no EBS-backed PersistentVolume is left in the cluster. Deleting a claim only starts the
 * release: the EBS CSI controller deletes the volume in AWS, then the PersistentVolume goes. If the nodes or
 * the driver went first (the infra stack's destroy), the volume would stay in AWS and keep billing.
 *
 * Volumes that will never go by themselves stop the wait at once, named: those with reclaim policy Retain,
 * and those whose claims live outside this stack's namespaces (not this stack's to delete).
 *
 * With scope `claims` (a target without AWS) it waits for the volumes of the stack's claims instead; see below.
 */
export async function waitForVolumesReleased(options: VolumeReleaseOptions): Promise<VolumeReleaseResult> {
  if ((options.scope ?? 'ebs') === 'claims') return waitForClaimedVolumesReleased(options);
  const owned = new Set(options.namespaces);
  const { awaited, waitedMs } = await waitUntilGone(
    {
      list: () => listVolumes(options.core, isEbs),
      label,
      name: (pv) => pv.metadata?.name ?? '?',
      blockers: (remaining) => {
        const foreign = remaining.filter((pv) => !owned.has(pv.spec?.claimRef?.namespace ?? ''));
        if (foreign.length > 0) {
          throw new VolumeReleaseError(
            `EBS volumes not claimed from this stack's namespaces (${options.namespaces.join(', ')}) are still ` +
              `in the cluster: ${foreign.map(label).join(', ')}. They are not deleted here; destroying the ` +
              'cluster would orphan them. Delete their claims (and retained volumes), then run the destroy again.',
            foreign.map(label),
          );
        }
        const retained = remaining.filter((pv) => pv.spec?.persistentVolumeReclaimPolicy === 'Retain');
        if (retained.length > 0) {
          throw new VolumeReleaseError(
            `EBS volumes with reclaim policy Retain will not be deleted by Kubernetes: ${retained.map(label).join(', ')}. ` +
              'Delete the PersistentVolumes and their EBS volumes (or snapshot them first), then run the destroy again.',
            retained.map(label),
          );
        }
      },
      description: 'EBS volume(s) to be released',
      timeoutError: (remaining, elapsed, names) =>
        new VolumeReleaseTimeoutError(
          `Timed out after ${Math.round(elapsed / 1000)}s waiting for EBS volumes to be released: ${names}. ` +
            'Check the EBS CSI controller logs (kube-system) and the PersistentVolumes, then run the destroy again.',
          remaining.map(label),
        ),
      noneLeft: 'No EBS-backed PersistentVolume left in the cluster',
      allGone: (names) => `All EBS volumes released: ${names.join(', ')}`,
    },
    options,
  );
  return { awaitedVolumes: awaited, waitedMs };
}

/**
 * The wait for a cluster without AWS (kind, k3d, minikube, any kubeconfig): until no PersistentVolume claimed from
 * the stack's namespaces is left, whatever its driver or provisioner (local-path, hostpath, CSI). Volumes claimed
 * elsewhere are not the stack's and are not looked at; a volume of the stack with reclaim policy Retain stops the
 * wait at once, named.
 */
async function waitForClaimedVolumesReleased(options: VolumeReleaseOptions): Promise<VolumeReleaseResult> {
  const owned = new Set(options.namespaces);
  const where = options.namespaces.join(', ');
  const { awaited, waitedMs } = await waitUntilGone(
    {
      list: () => listVolumes(options.core, (pv) => owned.has(pv.spec?.claimRef?.namespace ?? '')),
      label,
      name: (pv) => pv.metadata?.name ?? '?',
      blockers: (remaining) => {
        const retained = remaining.filter((pv) => pv.spec?.persistentVolumeReclaimPolicy === 'Retain');
        if (retained.length > 0) {
          throw new VolumeReleaseError(
            `PersistentVolumes with reclaim policy Retain will not be deleted by Kubernetes: ${retained.map(label).join(', ')}. ` +
              'Delete the PersistentVolumes and the storage behind them (or copy the data first), then run the destroy again.',
            retained.map(label),
          );
        }
      },
      description: `PersistentVolume(s) claimed from ${where} to be released`,
      timeoutError: (remaining, elapsed, names) =>
        new VolumeReleaseTimeoutError(
          `Timed out after ${Math.round(elapsed / 1000)}s waiting for the PersistentVolumes claimed from ${where} ` +
            `to be released: ${names}. Check the storage provisioner's logs and the PersistentVolumes, then run ` +
            'the destroy again.',
          remaining.map(label),
        ),
      noneLeft: `No PersistentVolume claimed from ${where} left in the cluster`,
      allGone: (names) =>
        `All PersistentVolumes claimed from the stack's namespaces released: ${names.join(', ')}`,
    },
    options,
  );
  return { awaitedVolumes: awaited, waitedMs };
}
