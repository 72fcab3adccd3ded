import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { appLabels, appName, portName, servicePort } from './labels';

export interface AppServiceArgs {
  namespace: pulumi.Input<string>;
}

/** ClusterIP Service in front of the API pods; only the ingress controller exposes it. */
export class AppService extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:Service', name, {}, opts);

    const service = new k8s.core.v1.Service(
      name,
      {
        metadata: { name: appName, namespace: args.namespace, labels: { ...appLabels } },
        spec: {
          type: 'ClusterIP',
          selector: { ...appLabels },
          ports: [{ name: portName, port: servicePort, targetPort: portName, protocol: 'TCP' }],
        },
      },
      { parent: this },
    );
    this.name = service.metadata.name;

    this.registerOutputs({ name: this.name });
  }
}
