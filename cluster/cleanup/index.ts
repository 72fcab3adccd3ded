export {
  type CleanupClients,
  type CleanupTarget,
  defaultClients,
  type LoadBalancerCleanupHookArgs,
  loadBalancerCleanupHook,
} from './hook';
export {
  type CleanupOptions,
  type CleanupResult,
  cleanupLoadBalancers,
  defaultPollIntervalMs,
  defaultTimeoutMs,
  LoadBalancerCleanupError,
  LoadBalancerCleanupTimeoutError,
  type ServiceApi,
} from './loadBalancers';
