/**
 * What the infra layer's nodes offer to pods, what EKS itself already runs on them, and where the scheduler can put
 * the rest. Pure arithmetic, no Pulumi: README.md ("Capacity") shows the figures; test/capacity.test.ts derives the
 * node shape from infra's settings and places the layer's pods, with the requests the program passes and the app at
 * its autoscaler's ceiling, onto the nodes.
 */

/** What the node shape depends on in the infra layer: its node group and its VPC CNI options. */
export interface NodeGroupPlan {
  instanceType: string;
  /** Nodes running: infra's nodeDesiredSize. Nothing adds nodes under load (there is no node autoscaler). */
  count: number;
  /** VPC CNI prefix delegation (ENABLE_PREFIX_DELEGATION), which changes max pods and with it kube-reserved. */
  prefixDelegation: boolean;
}

export interface NodeShape {
  instanceType: string;
  count: number;
  /** Allocatable = capacity - kube-reserved - eviction threshold (the EKS AMI sets no system-reserved). */
  allocatable: { cpuMillis: number; memoryMi: number };
  /** The kubelet's pod limit, host-network pods (aws-node, kube-proxy) included. */
  maxPods: number;
}

interface InstanceType {
  vcpus: number;
  /** ENIs on the default network card and IPv4 addresses per ENI, as in nodeadm's instance-info.jsonl. */
  enis: number;
  ipv4PerEni: number;
  /** Memory capacity the kubelet reports: less than the instance's nominal memory (kernel, firmware). */
  memoryCapacityKi: number;
  nitro: boolean;
}

/**
 * Instance types whose kubelet-reported memory capacity is known. Another type needs its own row: check
 * `kubectl get node -o jsonpath='{.items[0].status.capacity.memory}'` on one, and its ENI figures in
 * awslabs/amazon-eks-ami nodeadm/internal/kubelet/instance-info.jsonl.
 */
export const INSTANCE_TYPES: Record<string, InstanceType> = {
  // 2 vCPU, 4 GiB (Nitro); instance-info.jsonl: defaultMaxENIs 3, ipv4AddressesPerInterface 6.
  't3a.medium': { vcpus: 2, enis: 3, ipv4PerEni: 6, memoryCapacityKi: 3_943_368, nitro: true },
};

/** Addresses in one /28 prefix the VPC CNI assigns per ENI slot under prefix delegation. */
const IPS_PER_PREFIX = 16;
/** The kubelet's memory.available hard eviction threshold that nodeadm configures, in MiB. */
export const EVICTION_HARD_MEMORY_MI = 100;

/**
 * Max pods as EKS sets it for a managed node group without a custom AMI (infra's launch template names none):
 * - without prefix delegation, nodeadm's standard value (nodeadm/internal/kubelet/eni_max_pods.go,
 *   calculateStandardMaxPods; the same figures as AL2's eni-max-pods.txt): ENIs x (IPv4 per ENI - 1) + 2, one address
 *   per ENI being the ENI's own and the 2 counting the host-network aws-node and kube-proxy;
 * - with prefix delegation on a Nitro instance, ENIs x ((IPv4 per ENI - 1) x 16) + 2, each slot holding a /28;
 * - either way capped at 110 for up to 30 vCPUs and 250 above (max-pods-calculator.sh in amazon-eks-ami; the EKS User
 *   Guide: "Managed node groups enforces a maximum number on the value of maxPods ... whether prefix delegation is
 *   enabled or not").
 */
export function maxPods(type: InstanceType, prefixDelegation: boolean): number {
  const slots = type.enis * (type.ipv4PerEni - 1);
  const addresses = prefixDelegation && type.nitro ? slots * IPS_PER_PREFIX + 2 : slots + 2;
  return Math.min(addresses, type.vcpus > 30 ? 250 : 110);
}

/**
 * kube-reserved memory, 11 MiB per pod plus 255 MiB (nodeadm getMemoryMebibytesToReserve; AL2's bootstrap.sh used
 * the same). nodeadm feeds it its own max-pods figure, so when EKS raises maxPods for prefix delegation through a
 * kubelet drop-in the node may reserve less than this; planning with the reservation for the pods the node admits is
 * the side that cannot overcommit memory.
 */
export function kubeReservedMemoryMi(pods: number): number {
  return 11 * pods + 255;
}

/**
 * kube-reserved CPU: 6 % of the first core, 1 % of the second, 0.5 % of the third and fourth, 0.25 % of any further
 * core (nodeadm getCPUMillicoresToReserve).
 */
export function kubeReservedCpuMillis(vcpus: number): number {
  const tiers: Array<[upToMillis: number, perTenThousand: number]> = [
    [1000, 600],
    [2000, 100],
    [4000, 50],
    [Number.POSITIVE_INFINITY, 25],
  ];
  const total = vcpus * 1000;
  let reserved = 0;
  let from = 0;
  for (const [upTo, share] of tiers) {
    if (total <= from) break;
    reserved += Math.floor(((Math.min(total, upTo) - from) * share) / 10_000);
    from = upTo;
  }
  return reserved;
}

/** The node a node group plan gives the scheduler; throws for an instance type without a known capacity. */
export function nodeShape(plan: NodeGroupPlan): NodeShape {
  const type = INSTANCE_TYPES[plan.instanceType];
  if (!type) {
    throw new Error(
      `no capacity figures for ${plan.instanceType}: add it to INSTANCE_TYPES in cluster/capacity.ts (known: ${Object.keys(INSTANCE_TYPES).join(', ')})`,
    );
  }
  const pods = maxPods(type, plan.prefixDelegation);
  const reservedKi = (kubeReservedMemoryMi(pods) + EVICTION_HARD_MEMORY_MI) * 1024;
  return {
    instanceType: plan.instanceType,
    count: plan.count,
    allocatable: {
      cpuMillis: type.vcpus * 1000 - kubeReservedCpuMillis(type.vcpus),
      // The kubelet reports KiB; whole MiB below it, so the plan never counts memory the node does not have.
      memoryMi: Math.floor((type.memoryCapacityKi - reservedKi) / 1024),
    },
    maxPods: pods,
  };
}

/**
 * The node group infra creates by default (nodeInstanceType, nodeDesiredSize, no prefix delegation);
 * test/capacity.test.ts fails when infra's settings no longer give this shape.
 */
export const NODE_GROUP: NodeGroupPlan = { instanceType: 't3a.medium', count: 2, prefixDelegation: false };

/**
 * t3a.medium without prefix delegation: 17 pods, kube-reserved 442 MiB and 70m, so 1930m and
 * 3,943,368 KiB - 452,608 KiB - 102,400 KiB = 3,388,360 KiB (3308 MiB) per node.
 */
export const NODES: NodeShape = nodeShape(NODE_GROUP);

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

export interface PlacedNode {
  /** Requests still free on the node. */
  cpuMillis: number;
  memoryMi: number;
  pods: string[];
}

export interface Placement {
  nodes: PlacedNode[];
  /** Pods no node could take, by name; empty when everything is scheduled. */
  unplaced: string[];
}

/**
 * Places pods the way kube-scheduler's filters and default scoring do, on requests alone: a node qualifies while its
 * pod count stays under maxPods and the pod's CPU and memory requests fit what is left of allocatable; among those,
 * the pod goes to the least allocated one (NodeResourcesFit LeastAllocated, mean of free CPU and memory shares),
 * which also spreads replicas as the app's soft topology spread (and CoreDNS's and the EBS CSI controller's
 * preferred anti-affinity) asks. DaemonSet pods go on every node first, under the same limits. The others arrive
 * largest memory first, the `last` ones after them (the app's pods, which the autoscaler adds once the platform runs).
 */
export function place(node: NodeShape, pods: PodRequests[], last: PodRequests[] = []): Placement {
  const nodes: PlacedNode[] = Array.from({ length: node.count }, () => ({
    cpuMillis: node.allocatable.cpuMillis,
    memoryMi: node.allocatable.memoryMi,
    pods: [],
  }));
  const unplaced: string[] = [];
  const put = (n: PlacedNode, p: PodRequests) => {
    n.cpuMillis -= p.cpuMillis;
    n.memoryMi -= p.memoryMi;
    n.pods.push(p.name);
  };
  const all = [...pods, ...last];
  for (const p of all.filter((p) => p.replicas === 'per-node')) {
    for (const n of nodes) {
      if (n.pods.length < node.maxPods && n.cpuMillis >= p.cpuMillis && n.memoryMi >= p.memoryMi) put(n, p);
      else unplaced.push(p.name);
    }
  }
  const each = (list: PodRequests[]) =>
    list
      .filter((p) => p.replicas !== 'per-node')
      .flatMap((p) => Array.from({ length: p.replicas as number }, () => p))
      .sort((a, b) => b.memoryMi - a.memoryMi || b.cpuMillis - a.cpuMillis);
  const free = (n: PlacedNode) =>
    n.cpuMillis / node.allocatable.cpuMillis + n.memoryMi / node.allocatable.memoryMi;
  for (const p of [...each(pods), ...each(last)]) {
    const fits = nodes.filter(
      (n) => n.pods.length < node.maxPods && n.cpuMillis >= p.cpuMillis && n.memoryMi >= p.memoryMi,
    );
    const best = fits.reduce<PlacedNode | undefined>((a, n) => (a && free(a) >= free(n) ? a : n), undefined);
    if (best) put(best, p);
    else unplaced.push(p.name);
  }
  return { nodes, unplaced };
}

/** Summed requests of the pods on `node.count` nodes. */
export function totals(node: NodeShape, pods: PodRequests[]): { cpuMillis: number; memoryMi: number } {
  const count = (p: PodRequests) => (p.replicas === 'per-node' ? node.count : p.replicas);
  return {
    cpuMillis: pods.reduce((sum, p) => sum + p.cpuMillis * count(p), 0),
    memoryMi: pods.reduce((sum, p) => sum + p.memoryMi * count(p), 0),
  };
}
