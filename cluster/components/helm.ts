import type * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { ChartPin } from '../versions';

/** The Release arguments every chart from a repository shares: pinned chart, explicit name, bounded wait. */
export function pinnedRelease(
  pin: ChartPin,
  name: string,
  namespace: pulumi.Input<string>,
  timeoutSeconds: number,
): Pick<
  k8s.helm.v3.ReleaseArgs,
  'chart' | 'version' | 'repositoryOpts' | 'name' | 'namespace' | 'timeout' | 'atomic' | 'cleanupOnFail'
> {
  return {
    chart: pin.chart,
    version: pin.version,
    repositoryOpts: { repo: pin.repository },
    name,
    namespace,
    timeout: timeoutSeconds,
    // A failed upgrade rolls back instead of leaving a half-applied release behind.
    atomic: true,
    cleanupOnFail: true,
  };
}
