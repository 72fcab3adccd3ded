import { asArray, isRecord, rule } from './types';

const truthy = (v: unknown) => v === true || v === 'true';

/** The EBS CSI driver and the in-tree EBS plugin it replaces (still how EKS's gp2 class is defined). */
export const EBS_PROVISIONERS = new Set(['ebs.csi.aws.com', 'kubernetes.io/aws-ebs']);

const NODE_GROUP = 'aws:eks/nodeGroup:NodeGroup';

/** Volumes hold the CRM's personal data; every one must be encrypted at rest. */
export const encryptedStorage = rule(
  'encrypted-storage',
  'EBS volumes, launch template block devices, managed node group root volumes (through a launch template) and EBS StorageClasses must be encrypted.',
  ({ type, props }, report) => {
    if (type === 'aws:ebs/volume:Volume' && !truthy(props.encrypted)) {
      report('EBS volume is not encrypted (set encrypted: true)');
    }
    if (type === 'aws:ec2/launchTemplate:LaunchTemplate') {
      for (const mapping of asArray(props.blockDeviceMappings)) {
        if (isRecord(mapping) && isRecord(mapping.ebs) && !truthy(mapping.ebs.encrypted)) {
          report(`block device ${String(mapping.deviceName ?? '?')} is not encrypted`);
        }
      }
    }
    if (type === NODE_GROUP && props.launchTemplate === undefined) {
      report(
        'managed node group has no launch template: its nodes get the default root volume, unencrypted unless the account encrypts EBS by default',
      );
    }
    // Encryption is a parameter of the EBS provisioners only; other drivers (EFS, local paths) have none.
    if (
      type === 'kubernetes:storage.k8s.io/v1:StorageClass' &&
      EBS_PROVISIONERS.has(String(props.provisioner))
    ) {
      const parameters = isRecord(props.parameters) ? props.parameters : {};
      if (parameters.encrypted !== 'true') {
        report(`StorageClass parameters.encrypted is ${JSON.stringify(parameters.encrypted)}, not "true"`);
      }
    }
  },
);
