import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface Route {
  /** Ingress objects live next to the Service they point at. */
  namespace: pulumi.Input<string>;
  name: string;
  path: string;
  service: string;
  port: number;
  /** The backend serves HTTPS (ECK's certificate), so the controller must speak TLS to it. */
  httpsBackend?: boolean;
}

export interface RoutesArgs {
  ingressClassName: string;
  routes: Route[];
}

/**
 * Path routes on the single load balancer. Kibana and Grafana serve their own sub-path (basePath /
 * serve_from_sub_path), so the prefix is passed through unchanged. The app layer adds `/`.
 */
export class Routes extends pulumi.ComponentResource {
  readonly ingresses: k8s.networking.v1.Ingress[];

  constructor(name: string, args: RoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:Routes', name, {}, opts);

    this.ingresses = args.routes.map(
      (route) =>
        new k8s.networking.v1.Ingress(
          `${name}-${route.name}`,
          {
            metadata: {
              name: route.name,
              namespace: route.namespace,
              labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
              // The backend's certificate is ECK's self-signed one, for the in-cluster Service name. The
              // hop is encrypted but not verified (ingress-nginx's default, stated so that any
              // controller reading these annotations does the same); see README, "Kibana behind the
              // controller".
              annotations: route.httpsBackend
                ? {
                    'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
                    'nginx.ingress.kubernetes.io/proxy-ssl-verify': 'off',
                  }
                : {},
            },
            spec: {
              ingressClassName: args.ingressClassName,
              rules: [
                {
                  http: {
                    paths: [
                      {
                        path: route.path,
                        pathType: 'Prefix',
                        backend: { service: { name: route.service, port: { number: route.port } } },
                      },
                    ],
                  },
                },
              ],
            },
          },
          { parent: this },
        ),
    );

    this.registerOutputs({});
  }
}
