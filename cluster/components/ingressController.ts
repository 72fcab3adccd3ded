import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ChartRef } from '../chartSources';
import type { IngressServiceType, ManagedIngressController } from '../config';
import { sizing } from '../sizing';
import { pinnedRelease } from './helm';

/** Both controllers serve this class, so Ingress objects never change when the controller does. */
export const INGRESS_CLASS_NAME = 'nginx';
/** The controller value ingress-nginx registers; Traefik's ingress-nginx provider matches it too. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

/** TLS on the public endpoint: the NLB terminates it with this ACM certificate, issued for `domain`. */
export interface PublicTls {
  domain: string;
  certificateArn: string;
}

export interface IngressControllerArgs {
  kind: ManagedIngressController;
  /** The controller's chart (ingressNginx or traefik) and its source. */
  chart: ChartRef;
  namespace: pulumi.Input<string>;
  serviceType: IngressServiceType;
  /** On EKS the Service becomes one internet-facing AWS NLB; elsewhere it stays a plain LoadBalancer. */
  awsNlb: boolean;
  /** NLB only: TLS on 443 with this certificate, port 80 redirecting to it; plain HTTP on 80 when undefined. */
  tls?: pulumi.Input<PublicTls | undefined>;
  timeoutSeconds: number;
  /** ingress-nginx's validating webhook (see ClusterConfig.controlPlaneReachesPods). */
  admissionWebhooks: boolean;
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

/**
 * TLS 1.2 and 1.3 only. Without the annotation the NLB listener gets the API default, ELBSecurityPolicy-2016-08,
 * which still accepts TLS 1.0.
 */
export const NLB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
export const HTTP_PORT = 80;
export const HTTPS_PORT = 443;
/** ingress-nginx: the extra listener that answers every request with a redirect to https. */
export const REDIRECT_CONTAINER_PORT = 2443;

/**
 * cloud-provider-aws (pkg/providers/v1/aws.go, ensureLoadBalancerv2 and buildListener): with a certificate, the
 * ports named in ssl-ports get a TLS listener and forward plain TCP to the nodes (backend-protocol stays unset,
 * i.e. not `ssl`); the others stay TCP.
 */
export function nlbAnnotations(tls: PublicTls | undefined): Record<string, string> {
  if (!tls) return NLB_ANNOTATIONS;
  return {
    ...NLB_ANNOTATIONS,
    'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': tls.certificateArn,
    'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': String(HTTPS_PORT),
    'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': NLB_TLS_POLICY,
  };
}

/**
 * Client addresses. With the default `Cluster` policy kube-proxy forwards NLB traffic between nodes and SNATs it to
 * a node address, so the controller (and, through X-Forwarded-For, the app) saw ~2 node IPs instead of clients.
 * `Local` keeps the packet on the node that received it, so the controller sees the caller (the NLB's instance
 * targets preserve the source address). Health checks: cloud-provider-aws then points the target group's check at
 * the Service's healthCheckNodePort (HTTP /healthz, 10 s, 2/2), which kube-proxy answers 200 only on nodes running
 * a controller pod, so the NLB sends traffic only there. No health-check annotation is set: a healthcheck-port
 * would move the check back to the traffic port, where every node answers. Only on the NLB; local clusters keep the
 * chart defaults.
 */
export const CLIENT_ADDRESS_POLICY = 'Local';

/**
 * With `Local`, a controller pod that moves to another node (any rollout) also moves the NLB's healthy target, and
 * the NLB needs two checks 10 s apart to notice either way. So a new pod counts as available only after 30 s
 * (the old one keeps its node until then), and a terminating pod keeps accepting requests for 30 s while
 * kube-proxy's health check already reports its node empty and the NLB drains it.
 */
export const NLB_HANDOVER_SECONDS = 30;

function ingressNginxValues(
  args: IngressControllerArgs,
  tls: PublicTls | undefined,
): Record<string, unknown> {
  const service: Record<string, unknown> = {
    type: args.serviceType,
    annotations: args.awsNlb ? nlbAnnotations(tls) : {},
  };
  if (args.awsNlb) service.externalTrafficPolicy = CLIENT_ADDRESS_POLICY;
  // TLS ends at the NLB: its 443 listener forwards the decrypted stream to nginx's plain http port, and port 80
  // goes to a listener that only redirects to https://<domain> (the pattern of ingress-nginx's own
  // deploy/static/provider/aws/nlb-with-tls-termination). X-Forwarded-For stays $remote_addr: use-forwarded-headers
  // is left off, so a client cannot put its own address in front.
  if (tls) {
    service.targetPorts = { http: 'tohttps', https: 'http' };
    // The chart would declare appProtocol https on the 443 port, which now carries plain HTTP to nginx.
    service.appProtocol = false;
  }
  return {
    controller: {
      ...(args.awsNlb
        ? {
            minReadySeconds: NLB_HANDOVER_SECONDS,
            // The controller's --shutdown-grace-period: nginx keeps serving this long after the preStop hook
            // (/wait-shutdown) starts the shutdown, well inside the chart's 300 s termination grace period.
            extraArgs: { 'shutdown-grace-period': String(NLB_HANDOVER_SECONDS) },
          }
        : {}),
      ...(tls
        ? {
            containerPort: { http: HTTP_PORT, https: HTTPS_PORT, tohttps: REDIRECT_CONTAINER_PORT },
            // A global snippet (http-snippet in the ConfigMap), not an annotation: allowSnippetAnnotations stays off.
            config: {
              'http-snippet': `server {\n  listen ${REDIRECT_CONTAINER_PORT};\n  return 308 https://${tls.domain}$request_uri;\n}\n`,
            },
          }
        : {}),
      // The program owns the IngressClass for either controller (see IngressController); the chart still
      // passes controllerValue as the controller's --controller-class.
      ingressClassResource: { enabled: false, controllerValue: INGRESS_NGINX_CONTROLLER },
      ingressClass: INGRESS_CLASS_NAME,
      replicaCount: 1,
      resources: sizing.ingressController,
      service,
      // Keeps the NLB hostname on every Ingress status so clients can discover the address.
      publishService: { enabled: true },
      admissionWebhooks: {
        enabled: args.admissionWebhooks,
        createSecretJob: { resources: sizing.ingressWebhookJob },
        patchWebhookJob: { resources: sizing.ingressWebhookJob },
      },
      // The metrics Service only; its ServiceMonitor comes with the monitoring stack, which is
      // installed after the controller (Grafana's root_url needs the load balancer's address).
      metrics: { enabled: true, serviceMonitor: { enabled: false } },
    },
  };
}

function traefikValues(args: IngressControllerArgs, tls: PublicTls | undefined): Record<string, unknown> {
  // Keep accepting requests while the NLB drains a terminating pod's node (see NLB_HANDOVER_SECONDS); Traefik's
  // 60 s termination grace period covers it plus its 10 s graceTimeOut.
  const handover = args.awsNlb
    ? { transport: { lifeCycle: { requestAcceptGraceTimeout: `${NLB_HANDOVER_SECONDS}s` } } }
    : {};
  // Without trustedIPs Traefik drops incoming X-Forwarded-* headers and sets X-Forwarded-For to the peer, which
  // with the Local policy is the caller (pkg/middlewares/forwardedheaders). With TLS ended at the NLB, websecure
  // receives plain HTTP, and web redirects every request to it.
  const web = tls
    ? {
        ...handover,
        http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } } },
      }
    : handover;
  const websecure = tls ? { ...handover, http: { tls: { enabled: false } } } : handover;
  return {
    ...(args.awsNlb || tls ? { ports: { web, websecure } } : {}),
    deployment: {
      replicas: 1,
      ...(args.awsNlb ? { minReadySeconds: NLB_HANDOVER_SECONDS } : {}),
    },
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
      annotations: args.awsNlb ? nlbAnnotations(tls) : {},
      spec: {
        type: args.serviceType,
        ...(args.awsNlb ? { externalTrafficPolicy: CLIENT_ADDRESS_POLICY } : {}),
      },
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
    if (args.tls !== undefined && !args.awsNlb) {
      throw new Error(
        'TLS on the public endpoint needs the AWS NLB (EKS): it terminates TLS with the certificate',
      );
    }
    const tls = pulumi.output(args.tls);
    if (args.kind === 'ingress-nginx') {
      this.release = new k8s.helm.v3.Release(
        name,
        {
          ...pinnedRelease(args.chart, 'ingress-nginx', namespace, args.timeoutSeconds),
          values: tls.apply((t) => ingressNginxValues(args, t)),
        },
        { parent: this, dependsOn: [ingressClass] },
      );
      // The chart's fullname is the release name, so the controller Service is <release>-controller.
      this.serviceId = pulumi.interpolate`${this.release.status.namespace}/${this.release.status.name}-controller`;
    } else {
      this.release = new k8s.helm.v3.Release(
        name,
        {
          ...pinnedRelease(args.chart, 'traefik', namespace, args.timeoutSeconds),
          values: tls.apply((t) => traefikValues(args, t)),
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
