import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { IngressControllerKind, IngressServiceType } from '../config';
import { sizing } from '../sizing';
import { charts } from '../versions';
import { pinnedRelease } from './helm';

/** Both controllers serve this class, so Ingress objects never change when the controller does. */
export const INGRESS_CLASS_NAME = 'nginx';
/** The controller value ingress-nginx registers; Traefik's ingress-nginx provider matches it too. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

export interface IngressControllerArgs {
  kind: IngressControllerKind;
  namespace: pulumi.Input<string>;
  serviceType: IngressServiceType;
  /** On EKS the Service becomes one internet-facing AWS NLB; elsewhere it stays a plain LoadBalancer. */
  awsNlb: boolean;
  timeoutSeconds: number;
}

/**
 * Annotations read by the AWS cloud provider (in-tree or the AWS Load Balancer Controller) to put a
 * single internet-facing Network Load Balancer in front of the controller.
 */
export const NLB_ANNOTATIONS: Record<string, string> = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
  'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
  'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
};

function ingressNginxValues(args: IngressControllerArgs): Record<string, unknown> {
  return {
    controller: {
      // The program owns the IngressClass for either controller (see IngressController); the chart still
      // passes controllerValue as the controller's --controller-class.
      ingressClassResource: { enabled: false, controllerValue: INGRESS_NGINX_CONTROLLER },
      ingressClass: INGRESS_CLASS_NAME,
      replicaCount: 1,
      resources: sizing.ingressController,
      service: {
        type: args.serviceType,
        annotations: args.awsNlb ? NLB_ANNOTATIONS : {},
      },
      // Keeps the NLB hostname on every Ingress status so clients can discover the address.
      publishService: { enabled: true },
      admissionWebhooks: {
        createSecretJob: { resources: sizing.ingressWebhookJob },
        patchWebhookJob: { resources: sizing.ingressWebhookJob },
      },
      // The metrics Service only; its ServiceMonitor comes with the monitoring stack, which is
      // installed after the controller (Grafana's root_url needs the load balancer's address).
      metrics: { enabled: true, serviceMonitor: { enabled: false } },
    },
  };
}

function traefikValues(args: IngressControllerArgs): Record<string, unknown> {
  return {
    deployment: { replicas: 1 },
    // The program owns the nginx IngressClass; Traefik's own class would be unused.
    ingressClass: { enabled: false, isDefaultClass: false },
    providers: {
      kubernetesCRD: { enabled: false },
      kubernetesIngress: { enabled: false },
      kubernetesIngressNGINX: {
        enabled: true,
        ingressClass: INGRESS_CLASS_NAME,
        controllerClass: INGRESS_NGINX_CONTROLLER,
        publishService: { enabled: true },
      },
    },
    gateway: { enabled: false },
    gatewayClass: { enabled: false },
    resources: sizing.ingressController,
    metrics: {
      prometheus: { service: { enabled: true }, serviceMonitor: { enabled: false } },
    },
    service: {
      enabled: true,
      annotations: args.awsNlb ? NLB_ANNOTATIONS : {},
      spec: { type: args.serviceType },
    },
  };
}

/** Where Prometheus finds a component's metrics Service. */
export interface ScrapeTarget {
  name: string;
  namespace: pulumi.Input<string>;
  selector: Record<string, string>;
  port: string;
}

/** The one entry point: ingress-nginx (as the original platform ran it) or Traefik serving the same nginx class. */
export class IngressController extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly ingressClass: k8s.networking.v1.IngressClass;
  readonly ingressClassName: string = INGRESS_CLASS_NAME;
  /** Namespace/name of the LoadBalancer Service, for reading its address. */
  readonly serviceId: pulumi.Output<string>;
  readonly metrics: ScrapeTarget;

  constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:IngressController', name, {}, opts);

    const namespace = pulumi.output(args.namespace);
    this.metrics = {
      name: args.kind,
      namespace,
      port: 'metrics',
      selector:
        args.kind === 'ingress-nginx'
          ? { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }
          : { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/component': 'metrics' },
    };
    // One IngressClass for both controllers, owned by the program: switching `ingressController` leaves it
    // (and every Ingress that names it) untouched. Were it the ingress-nginx chart's, a switch to Traefik
    // would create a second owner of the same cluster-wide object, and a switch back would delete it.
    const ingressClass = new k8s.networking.v1.IngressClass(
      `${name}-class`,
      {
        metadata: {
          name: INGRESS_CLASS_NAME,
          labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        spec: { controller: INGRESS_NGINX_CONTROLLER },
      },
      { parent: this },
    );
    this.ingressClass = ingressClass;
    if (args.kind === 'ingress-nginx') {
      this.release = new k8s.helm.v3.Release(
        name,
        {
          ...pinnedRelease(charts.ingressNginx, 'ingress-nginx', namespace, args.timeoutSeconds),
          values: ingressNginxValues(args),
        },
        { parent: this, dependsOn: [ingressClass] },
      );
      // The chart's fullname is the release name, so the controller Service is <release>-controller.
      this.serviceId = pulumi.interpolate`${this.release.status.namespace}/${this.release.status.name}-controller`;
    } else {
      this.release = new k8s.helm.v3.Release(
        name,
        {
          ...pinnedRelease(charts.traefik, 'traefik', namespace, args.timeoutSeconds),
          values: traefikValues(args),
        },
        { parent: this, dependsOn: [ingressClass] },
      );
      this.serviceId = pulumi.interpolate`${this.release.status.namespace}/${this.release.status.name}`;
    }

    this.registerOutputs({ serviceId: this.serviceId });
  }
}

/**
 * The public address of the load balancer. The read waits for the release (its id is unknown until
 * the release exists), so a first preview shows it as computed instead of failing.
 */
export function loadBalancerAddress(
  name: string,
  serviceId: pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  const service = k8s.core.v1.Service.get(name, serviceId, opts);
  return service.status.apply((status) => {
    const ingress = status?.loadBalancer?.ingress?.[0];
    return ingress?.hostname || ingress?.ip || '';
  });
}
