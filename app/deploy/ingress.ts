import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { appLabels, appName, servicePort } from './labels';

export interface AppIngressArgs {
  namespace: pulumi.Input<string>;
  ingressClassName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
}

/** Routes `/` of the shared ingress controller's load balancer to the API. */
export class AppIngress extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: AppIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:Ingress', name, {}, opts);

    const ingress = new k8s.networking.v1.Ingress(
      name,
      {
        metadata: { name: appName, namespace: args.namespace, labels: { ...appLabels } },
        spec: {
          ingressClassName: args.ingressClassName,
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: args.serviceName, port: { number: servicePort } } },
                  },
                ],
              },
            },
          ],
        },
      },
      { parent: this },
    );
    this.name = ingress.metadata.name;

    this.registerOutputs({ name: this.name });
  }
}
