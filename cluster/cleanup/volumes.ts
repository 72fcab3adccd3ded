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
    claimRef?: { namespace?: string; name?: string };
    persistentVolumeReclaimPolicy?: string;
  };
  status?: { phase?: string };
}

export interface VolumeReleaseOptions extends WaitOptions {
  core: VolumeApi;
  /** The namespaces this stack owns: their claims' volumes are awaited. */
  namespaces: string[];
}

export interface VolumeReleaseResult {
  /** EBS volumes (PersistentVolume names) that were still there when the wait started. */
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
  const volumeId = pv.spec?.csi?.volumeHandle ?? pv.spec?.awsElasticBlockStore?.volumeID ?? 'unknown volume';
  const claim = pv.spec?.claimRef ? `, claim ${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}` : '';
  return `${pv.metadata?.name ?? '?'} (${volumeId}${claim})`;
}

async function listEbsVolumes(core: VolumeApi): Promise<PersistentVolume[]> {
  const volumes: PersistentVolume[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const page = await core.listPersistentVolume({ limit: 500, _continue: continueToken });
      volumes.push(...page.items.filter(isEbs));
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
 */
export async function waitForVolumesReleased(options: VolumeReleaseOptions): Promise<VolumeReleaseResult> {
  const owned = new Set(options.namespaces);
  const { awaited, waitedMs } = await waitUntilGone(
    {
      list: () => listEbsVolumes(options.core),
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
