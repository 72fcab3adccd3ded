import { asArray, isRecord, rule } from './types';

const truthy = (v: unknown) => v === true || v === 'true';

/** Volumes hold the CRM's personal data; every one must be encrypted at rest. */
export const encryptedStorage = rule(
  'encrypted-storage',
  'EBS volumes, launch template block devices and Kubernetes StorageClasses must be encrypted.',
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
    if (type === 'kubernetes:storage.k8s.io/v1:StorageClass') {
      const parameters = isRecord(props.parameters) ? props.parameters : {};
      if (parameters.encrypted !== 'true') {
        report(`StorageClass parameters.encrypted is ${JSON.stringify(parameters.encrypted)}, not "true"`);
      }
    }
  },
);
