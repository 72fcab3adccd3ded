/**
 * What two t3a.medium nodes offer to pods, and what EKS itself already runs on them. README.md
 * ("Capacity") shows the arithmetic and its sources; test/capacity.test.ts packs the layer's pods
 * onto these nodes using the requests the program actually passes.
 */

export interface NodeShape {
  instanceType: string;
  count: number;
  /** Allocatable = capacity - kube-reserved - eviction threshold (the EKS AMI sets no system-reserved). */
  allocatable: { cpuMillis: number; memoryMi: number };
  /** ENI limit: 3 ENIs x (6 IPv4 addresses - 1) + 2 = 17 pods, host-network pods included. */
  maxPods: number;
}

/**
 * t3a.medium: 2 vCPU, 4 GiB. The kubelet reports 3,943,368 KiB of memory capacity.
 * kube-reserved memory = 255 MiB + 11 MiB x 17 pods = 442 MiB; eviction hard = 100 MiB;
 * kube-reserved CPU = 6% of core 1 + 1% of core 2 = 70m.
 * Allocatable memory = 3,943,368 KiB - 452,608 KiB - 102,400 KiB = 3,388,360 KiB = 3,308 MiB.
 */
export const NODES: NodeShape = {
  instanceType: 't3a.medium',
  count: 2,
  allocatable: { cpuMillis: 2000 - 70, memoryMi: 3308 },
  maxPods: 17,
};

export interface PodRequests {
  name: string;
  cpuMillis: number;
  memoryMi: number;
  /** Number of such pods, or 'per-node' for DaemonSets. */
  replicas: number | 'per-node';
}

/**
 * Pods EKS runs before this layer: the default add-ons (VPC CNI, kube-proxy, CoreDNS) and the EBS
 * CSI driver the infra layer installs, with the requests of their EKS add-on manifests.
 */
export const EKS_SYSTEM_PODS: PodRequests[] = [
  // VPC CNI plus its network policy agent (needed for the MongoDB NetworkPolicy to be enforced).
  { name: 'aws-node', cpuMillis: 50, memoryMi: 0, replicas: 'per-node' },
  { name: 'kube-proxy', cpuMillis: 100, memoryMi: 0, replicas: 'per-node' },
  { name: 'coredns', cpuMillis: 100, memoryMi: 70, replicas: 2 },
  // Six containers at 10m / 40Mi each.
  { name: 'ebs-csi-controller', cpuMillis: 60, memoryMi: 240, replicas: 2 },
  // Three containers at 10m / 40Mi each.
  { name: 'ebs-csi-node', cpuMillis: 30, memoryMi: 120, replicas: 'per-node' },
];
