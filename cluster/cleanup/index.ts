export {
  type CleanupClients,
  type CleanupTarget,
  defaultClients,
  type LoadBalancerCleanupHookArgs,
  loadBalancerCleanupHook,
  type VolumeReleaseHookArgs,
  volumeReleaseHook,
} from './hook';
export {
  type CleanupOptions,
  type CleanupResult,
  cleanupLoadBalancers,
  defaultPollIntervalMs,
  defaultTimeoutMs,
  LoadBalancerCleanupError,
  LoadBalancerCleanupForeignError,
  LoadBalancerCleanupTimeoutError,
  type ServiceApi,
} from './loadBalancers';
export {
  defaultVolumePollIntervalMs,
  defaultVolumeTimeoutMs,
  EBS_CSI_DRIVER,
  type PersistentVolume,
  type VolumeApi,
  VolumeReleaseError,
  type VolumeReleaseOptions,
  type VolumeReleaseResult,
  VolumeReleaseTimeoutError,
  waitForVolumesReleased,
} from './volumes';
