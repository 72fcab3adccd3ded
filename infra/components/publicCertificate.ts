import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PublicTlsConfig } from '../config';

export type PublicCertificateArgs = PublicTlsConfig & { tags: Record<string, string> };

/**
 * The certificate the cluster layer's NLB serves on 443 for the public domain: requested from ACM and validated
 * through a record in the given Route 53 zone, or an existing certificate passed through. Lives here because this
 * layer has the AWS provider; the cluster layer reads the ARN through the stack reference.
 */
export class PublicCertificate extends pulumi.ComponentResource {
  readonly domain: string;
  /** Known only once ACM has issued the certificate, so the cluster layer never gets a pending one. */
  readonly certificateArn: pulumi.Output<string>;

  constructor(name: string, args: PublicCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:PublicCertificate', name, {}, opts);
    this.domain = args.domain;

    if ('certificateArn' in args) {
      this.certificateArn = pulumi.output(args.certificateArn);
    } else {
      const certificate = new aws.acm.Certificate(
        name,
        { domainName: args.domain, validationMethod: 'DNS', tags: args.tags },
        { parent: this },
      );
      // One domain name, so ACM asks for exactly one validation record.
      const option = certificate.domainValidationOptions.apply((options) => {
        const found = options.find((o) => o.domainName === args.domain);
        if (!found) throw new Error(`ACM returned no DNS validation record for ${args.domain}`);
        return found;
      });
      const record = new aws.route53.Record(
        `${name}-validation`,
        {
          zoneId: args.route53ZoneId,
          name: option.resourceRecordName,
          type: option.resourceRecordType,
          records: [option.resourceRecordValue],
          ttl: 300,
          // ACM reuses the same CNAME for a re-requested certificate of the same domain.
          allowOverwrite: true,
        },
        { parent: this },
      );
      const validation = new aws.acm.CertificateValidation(
        name,
        { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
        { parent: this },
      );
      this.certificateArn = validation.certificateArn;
    }

    this.registerOutputs({ certificateArn: this.certificateArn });
  }
}
