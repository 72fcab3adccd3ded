import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface NetworkLookupArgs {
  region: string;
  /** Zone IDs per region where EKS cannot place cluster subnets. */
  unsupportedZoneIds: Record<string, string[]>;
}

/**
 * Finds the default VPC and its default subnets in the Availability Zones EKS supports. Zones are matched by
 * zone ID because zone names map to different physical zones in every account.
 */
export class NetworkLookup extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly availabilityZones: pulumi.Output<string[]>;
  readonly subnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkLookupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:NetworkLookup', name, {}, opts);

    const invokeOpts = { parent: this };
    const excluded = args.unsupportedZoneIds[args.region] ?? [];

    const vpc = aws.ec2.getVpcOutput({ default: true }, invokeOpts);
    const zones = aws.getAvailabilityZonesOutput(
      {
        state: 'available',
        excludeZoneIds: excluded,
        // Local Zones and Wavelength Zones need an opt-in and cannot host EKS control plane interfaces.
        filters: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
      },
      invokeOpts,
    );

    this.vpcId = vpc.id;
    // Filtered again locally so the result never depends on how the data source applies the exclusion.
    this.availabilityZones = zones.apply((z) => supportedZoneNames(z.names, z.zoneIds, excluded));

    const subnets = pulumi.all([vpc.id, this.availabilityZones]).apply(([vpcId, azs]) =>
      aws.ec2.getSubnetsOutput(
        {
          filters: [
            { name: 'vpc-id', values: [vpcId] },
            { name: 'availability-zone', values: azs },
            { name: 'default-for-az', values: ['true'] },
          ],
        },
        invokeOpts,
      ),
    );
    this.subnetIds = subnets.apply((s) => {
      if (s.ids.length < 2) {
        throw new Error(
          `EKS needs subnets in at least two supported Availability Zones; the default VPC has ${s.ids.length}`,
        );
      }
      return [...s.ids].sort();
    });

    this.registerOutputs({
      vpcId: this.vpcId,
      availabilityZones: this.availabilityZones,
      subnetIds: this.subnetIds,
    });
  }
}

/** Names of the zones whose IDs are not excluded; names and IDs come index-aligned from DescribeAvailabilityZones. */
export function supportedZoneNames(names: string[], zoneIds: string[], excludedZoneIds: string[]): string[] {
  if (names.length !== zoneIds.length) {
    throw new Error('Availability Zone names and IDs are not aligned');
  }
  return names.filter((_, i) => !excludedZoneIds.includes(zoneIds[i] ?? ''));
}
