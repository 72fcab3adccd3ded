import { GeneratedSecret } from '@cloudops-crm/generated-secret';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { appLabels, appName } from './labels';

export interface ApiKeysArgs {
  namespace: pulumi.Input<string>;
  /** Number of keys; more than one lets clients rotate without downtime. */
  count: number;
}

/** Generated API keys, held only as Pulumi secrets and in a Kubernetes Secret. */
export class ApiKeys extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  public readonly secretKey = 'API_KEYS';
  /** Comma-separated keys, as the server reads them from API_KEYS. Always a secret output. */
  public readonly value: pulumi.Output<string>;

  constructor(name: string, args: ApiKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:ApiKeys', name, {}, opts);

    const keys = Array.from(
      { length: args.count },
      (_, index) => new GeneratedSecret(`${name}-${index}`, { length: 40 }, { parent: this }).value,
    );
    this.value = pulumi.secret(pulumi.all(keys).apply((values) => values.join(',')));

    const secret = new k8s.core.v1.Secret(
      name,
      {
        metadata: { name: `${appName}-api-keys`, namespace: args.namespace, labels: { ...appLabels } },
        type: 'Opaque',
        stringData: { [this.secretKey]: this.value },
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;

    this.registerOutputs({ secretName: this.secretName });
  }
}
