import { chartName, HELM_TYPES, metadataOf, releaseName, releaseNamespace } from './helm';
import { isRecord, type RuleArgs, rule, stackRule } from './types';

/** Label (or annotation) with value "true" that marks a Service as the ingress controller's. */
export const INGRESS_CONTROLLER_LABEL = 'cloudops-crm.io/ingress-controller';

/**
 * The only namespaces a LoadBalancer Service may live in: those of the two supported ingress controllers (the
 * cluster layer's `ingressNamespace` defaults to the controller's name). A label alone is no exemption, since any
 * workload could carry it; a namespace is a deliberate, reviewed choice.
 */
export const INGRESS_CONTROLLER_NAMESPACES = ['ingress-nginx', 'traefik'];

/**
 * Chart name -> paths in its values whose `type` sets the controller Service's type. ingress-nginx:
 * `controller.service.type`; Traefik: `service.type`, or `service.spec.type` (merged into the Service spec).
 */
export const INGRESS_CONTROLLER_CHARTS: Record<string, string[]> = {
  'ingress-nginx': ['controller.service'],
  traefik: ['service', 'service.spec'],
};

const SERVICE = 'kubernetes:core/v1:Service';
const RELEASE = 'kubernetes:helm.sh/v3:Release';

function isLoadBalancerService(type: string, props: Record<string, unknown>): boolean {
  return type === SERVICE && isRecord(props.spec) && props.spec.type === 'LoadBalancer';
}

/** The marker label/annotation, or the labels the ingress-nginx and Traefik charts put on their Service. */
function isMarkedIngressController(props: Record<string, unknown>): boolean {
  const { labels, annotations } = metadataOf(props);
  if (labels[INGRESS_CONTROLLER_LABEL] === 'true' || annotations[INGRESS_CONTROLLER_LABEL] === 'true')
    return true;
  const name = labels['app.kubernetes.io/name'];
  return (
    (name === 'ingress-nginx' && labels['app.kubernetes.io/component'] === 'controller') || name === 'traefik'
  );
}

/** Paths in Helm values whose object sets `type: LoadBalancer`, e.g. "grafana.service". */
export function loadBalancerPaths(values: unknown, prefix = ''): string[] {
  if (!isRecord(values)) return [];
  const found: string[] = [];
  if (values.type === 'LoadBalancer' && prefix !== '') found.push(prefix);
  for (const [key, child] of Object.entries(values)) {
    found.push(...loadBalancerPaths(child, prefix ? `${prefix}.${key}` : key));
  }
  return found;
}

export { chartName };

const namespaces = INGRESS_CONTROLLER_NAMESPACES.join(', ');

/** Every LoadBalancer is a billed NLB with a public address; only the ingress controller gets one. */
export const singleLoadBalancer = rule(
  'only-ingress-controller-load-balancer',
  `Only the ingress controller's Service may be of type LoadBalancer: in namespace ${namespaces}, labelled ${INGRESS_CONTROLLER_LABEL}: "true" or by the ingress-nginx/Traefik chart.`,
  ({ type, props }, report) => {
    if (type === SERVICE) {
      if (!isLoadBalancerService(type, props)) return;
      const { namespace } = metadataOf(props);
      if (!INGRESS_CONTROLLER_NAMESPACES.includes(namespace)) {
        report(
          `Service is of type LoadBalancer in namespace "${namespace}"; only the ingress controller's namespace (${namespaces}) may have one`,
        );
      } else if (!isMarkedIngressController(props)) {
        report(
          `Service is of type LoadBalancer but is not the ingress controller (label ${INGRESS_CONTROLLER_LABEL})`,
        );
      }
      return;
    }
    if (HELM_TYPES.has(type)) {
      const allowed = INGRESS_CONTROLLER_CHARTS[chartName(props.chart)] ?? [];
      const namespace = releaseNamespace(props);
      for (const path of loadBalancerPaths(props.values)) {
        if (!allowed.includes(path)) {
          report(
            `Helm values set ${path}.type to LoadBalancer; only the ingress controller's Service may be one`,
          );
        } else if (!INGRESS_CONTROLLER_NAMESPACES.includes(namespace)) {
          report(
            `the ingress controller's LoadBalancer is installed in namespace "${namespace}"; use ${namespaces}`,
          );
        }
      }
    }
  },
);

/** One load balancer of the stack: a LoadBalancer Service, or a Helm resource whose values create one. */
interface LoadBalancerEntry {
  /** The resource's URN as the engine gives it (`<type>::<name>` in evaluatePolicies). */
  urn: string;
  description: string;
}

/**
 * The stack's load balancers. A Service that a Helm release of the same stack rendered (Helm's
 * `meta.helm.sh/release-name` annotation or the charts' `app.kubernetes.io/instance` label, in the release's
 * namespace) is that release's load balancer, not a second one: the engine shows such Services when they are
 * read back (`Service.get`) or rendered by a Chart component.
 */
export function stackLoadBalancers(resources: RuleArgs[]): LoadBalancerEntry[] {
  const entries: LoadBalancerEntry[] = [];
  const releases = new Set<string>();
  for (const { type, name, props, urn } of resources) {
    if (!HELM_TYPES.has(type)) continue;
    const paths = loadBalancerPaths(props.values);
    if (paths.length === 0) continue;
    const namespace = releaseNamespace(props);
    const release = releaseName(name, props);
    releases.add(`${namespace}/${release}`);
    for (const path of paths) {
      entries.push({
        urn,
        description: `Helm ${type === RELEASE ? 'release' : 'chart'} ${namespace}/${release} (${path})`,
      });
    }
  }
  for (const { type, name, props, urn } of resources) {
    if (!isLoadBalancerService(type, props)) continue;
    const { namespace, labels, annotations } = metadataOf(props);
    const owners = [annotations['meta.helm.sh/release-name'], labels['app.kubernetes.io/instance']];
    if (owners.some((owner) => typeof owner === 'string' && releases.has(`${namespace}/${owner}`))) continue;
    entries.push({ urn, description: `Service ${namespace}/${name}` });
  }
  return entries;
}

/** A second ingress controller (or a LoadBalancer next to the first) is a second public entry point and NLB. */
export const oneLoadBalancerPerStack = stackRule(
  'one-load-balancer-per-stack',
  'A stack may create at most one load balancer: one LoadBalancer Service or one ingress controller release.',
  (resources, report) => {
    const entries = stackLoadBalancers(resources);
    if (entries.length <= 1) return;
    const all = entries.map((e) => e.description).join('; ');
    for (const entry of entries) {
      report(`${entries.length} load balancers in this stack, at most one is allowed: ${all}`, entry.urn);
    }
  },
);
