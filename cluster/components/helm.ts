import type * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { ChartRef } from '../chartSources';

/** `chart`, `version` and `repositoryOpts` for a pinned chart from its source (see chartSources.ts). */
export function chartLocation(
  ref: ChartRef,
): Pick<k8s.helm.v3.ReleaseArgs, 'chart' | 'version' | 'repositoryOpts'> {
  const { pin, source } = ref;
  switch (source.kind) {
    case 'repository':
      return { chart: pin.chart, version: pin.version, repositoryOpts: { repo: source.url } };
    case 'oci':
      // The provider pulls an oci:// chart at `version` itself; a repositoryOpts.repo next to it would be ignored.
      return { chart: `${source.prefix}/${pin.chart}`, version: pin.version };
    case 'local':
      // Loaded as it is: loadConfig has checked that its Chart.yaml names the pinned chart and version.
      return { chart: source.path, version: pin.version };
  }
}

/** The Release arguments every upstream chart shares: pinned chart from its source, explicit name, bounded wait. */
export function pinnedRelease(
  ref: ChartRef,
  name: string,
  namespace: pulumi.Input<string>,
  timeoutSeconds: number,
): Pick<
  k8s.helm.v3.ReleaseArgs,
  'chart' | 'version' | 'repositoryOpts' | 'name' | 'namespace' | 'timeout' | 'atomic' | 'cleanupOnFail'
> {
  return {
    ...chartLocation(ref),
    name,
    namespace,
    timeout: timeoutSeconds,
    // A failed upgrade rolls back instead of leaving a half-applied release behind.
    atomic: true,
    cleanupOnFail: true,
  };
}
