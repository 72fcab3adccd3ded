import { named, ofType, one, policyResources, resolveOutput } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../../policy/evaluate';
import { type ConfigSource, loadConfig } from '../config';
import { ACCOUNT, CERTIFICATE_ID, runInfra } from './harness';

const DOMAIN = 'crm.example.com';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const EXISTING = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;
const minimal = { githubRepository: 'acme/cloudops-crm' };
const ACM_TYPES = [
  'aws:acm/certificate:Certificate',
  'aws:route53/record:Record',
  'aws:acm/certificateValidation:CertificateValidation',
];

describe('TLS certificate for the public endpoint', () => {
  it('with a hosted zone: requests the certificate, validates it through DNS and exports it once issued', async () => {
    const run = await runInfra({ ...minimal, publicDomain: DOMAIN, route53ZoneId: ZONE });
    const certificate = one(run.resources, 'aws:acm/certificate:Certificate').inputs;
    expect(certificate).toMatchObject({ domainName: DOMAIN, validationMethod: 'DNS' });
    expect(certificate.tags).toMatchObject({ Project: 'cloudops-crm', ManagedBy: 'pulumi' });

    const record = one(run.resources, 'aws:route53/record:Record');
    expect(record.inputs).toMatchObject({
      zoneId: ZONE,
      name: `_a79865eb4cd1a6ab990a45779b4e0b96.${DOMAIN}.`,
      type: 'CNAME',
      records: ['_424c7224e9b0146f9a8808af955727d0.acm-validations.aws.'],
    });

    const validation = one(run.resources, 'aws:acm/certificateValidation:CertificateValidation');
    const arn = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${CERTIFICATE_ID}`;
    expect(validation.inputs).toMatchObject({
      certificateArn: arn,
      validationRecordFqdns: [`_a79865eb4cd1a6ab990a45779b4e0b96.${DOMAIN}`],
    });
    // The validation waits for the record; the export is the validation's, so never a pending certificate.
    expect(named(run.resources, validation.type, validation.name).options.dependsOn).toContain(record.urn);
    expect(run.program.publicDomain).toBe(DOMAIN);
    expect(await resolveOutput(pulumi.output(run.program.tlsCertificateArn!))).toBe(arn);
    expect(evaluatePolicies(policyResources(run.resources))).toEqual([]);
  });

  it('with an existing certificate: passes its ARN through and creates nothing', async () => {
    const run = await runInfra({ ...minimal, publicDomain: DOMAIN, tlsCertificateArn: EXISTING });
    for (const type of ACM_TYPES) expect(ofType(run.resources, type), type).toEqual([]);
    expect(run.program.publicDomain).toBe(DOMAIN);
    expect(await resolveOutput(pulumi.output(run.program.tlsCertificateArn!))).toBe(EXISTING);
  });

  it('without a domain: no certificate, and both outputs undefined (the endpoint stays plain HTTP)', async () => {
    const run = await runInfra(minimal);
    for (const type of ACM_TYPES) expect(ofType(run.resources, type), type).toEqual([]);
    expect(run.program.publicDomain).toBeUndefined();
    expect(run.program.tlsCertificateArn).toBeUndefined();
  });
});

describe('TLS configuration', () => {
  const source = (values: Record<string, string>): ConfigSource => ({
    get: (key) => ({ ...minimal, ...values })[key],
  });
  const tls = (values: Record<string, string>) => loadConfig(source(values)).tls;

  it('reads a domain with its zone or its certificate', () => {
    expect(tls({})).toBeUndefined();
    expect(tls({ publicDomain: DOMAIN, route53ZoneId: ZONE })).toEqual({
      domain: DOMAIN,
      route53ZoneId: ZONE,
    });
    expect(tls({ publicDomain: DOMAIN, tlsCertificateArn: EXISTING })).toEqual({
      domain: DOMAIN,
      certificateArn: EXISTING,
    });
  });

  it.each([
    ['a domain alone', { publicDomain: DOMAIN }, /'cloudops-crm-infra:publicDomain'.*route53ZoneId/],
    [
      'both sources',
      { publicDomain: DOMAIN, route53ZoneId: ZONE, tlsCertificateArn: EXISTING },
      /tlsCertificateArn/,
    ],
    [
      'a zone without a domain',
      { route53ZoneId: ZONE },
      /route53ZoneId.*only used together with publicDomain/,
    ],
    ['a certificate without a domain', { tlsCertificateArn: EXISTING }, /tlsCertificateArn.*publicDomain/],
    [
      'a certificate of another region',
      { publicDomain: DOMAIN, tlsCertificateArn: EXISTING.replace('us-east-1', 'eu-west-1') },
      /tlsCertificateArn.*eu-west-1.*us-east-1/,
    ],
    [
      'an upper-case or schemed domain',
      { publicDomain: 'https://CRM.example.com', route53ZoneId: ZONE },
      /publicDomain/,
    ],
    ['a malformed zone id', { publicDomain: DOMAIN, route53ZoneId: 'example.com' }, /route53ZoneId/],
    [
      'a malformed certificate',
      { publicDomain: DOMAIN, tlsCertificateArn: 'arn:aws:iam::1:x' },
      /tlsCertificateArn/,
    ],
  ])('refuses %s, naming the key', (_, values, message) => {
    expect(() => tls(values)).toThrow(message);
  });
});
