import { describe, expect, it } from 'vitest';
import { type EvaluatedResource, evaluatePolicies } from '../evaluate';
import { policies } from '../policies';
import { mutableImageReason } from '../rules/imageReferences';
import { wildcardSubject } from '../rules/oidcTrust';

const violationsOf = (policy: string, resource: EvaluatedResource) =>
  evaluatePolicies([resource]).filter((v) => v.policy === policy);

const deployment = (pod: Record<string, unknown>): EvaluatedResource => ({
  type: 'kubernetes:apps/v1:Deployment',
  name: 'web',
  props: { spec: { template: { spec: pod } } },
});

const githubTrust = (sub: unknown, operator = 'StringLike') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          ...(sub === undefined ? {} : { [operator]: { 'token.actions.githubusercontent.com:sub': sub } }),
        },
      },
    ],
  });

describe('policy pack', () => {
  it('exports six mandatory rules with unique names', () => {
    expect(policies.map((p) => p.name)).toEqual([
      'ecr-immutable-tags',
      'encrypted-storage',
      'no-wildcard-oidc-trust',
      'only-ingress-controller-load-balancer',
      'containers-non-root',
      'images-pinned',
    ]);
    expect(policies.every((p) => p.enforcementLevel === 'mandatory')).toBe(true);
  });

  it('validateResource reports like check does (the engine entry point)', async () => {
    const messages: string[] = [];
    const policy = policies.find((p) => p.name === 'ecr-immutable-tags')!;
    const validate = policy.validateResource as (args: unknown, report: (m: string) => void) => void;
    await validate({ type: 'aws:ecr/repository:Repository', name: 'r', urn: 'u', props: {} }, (m) =>
      messages.push(m),
    );
    expect(messages).toHaveLength(1);
  });
});

describe('ecr-immutable-tags', () => {
  const repo = (props: Record<string, unknown>) => ({
    type: 'aws:ecr/repository:Repository',
    name: 'repo',
    props,
  });
  it('fires on MUTABLE and on the default', () => {
    expect(violationsOf('ecr-immutable-tags', repo({ imageTagMutability: 'MUTABLE' }))).toHaveLength(1);
    expect(violationsOf('ecr-immutable-tags', repo({}))).toHaveLength(1);
  });
  it('is silent on IMMUTABLE', () => {
    expect(violationsOf('ecr-immutable-tags', repo({ imageTagMutability: 'IMMUTABLE' }))).toEqual([]);
  });
});

describe('encrypted-storage', () => {
  const sc = (parameters?: Record<string, string>) => ({
    type: 'kubernetes:storage.k8s.io/v1:StorageClass',
    name: 'sc',
    props: { provisioner: 'ebs.csi.aws.com', parameters },
  });
  it('fires on StorageClasses without encrypted "true"', () => {
    expect(violationsOf('encrypted-storage', sc({ type: 'gp3' }))).toHaveLength(1);
    expect(violationsOf('encrypted-storage', sc({ type: 'gp3', encrypted: 'false' }))).toHaveLength(1);
    expect(violationsOf('encrypted-storage', sc())).toHaveLength(1);
  });
  it('fires on unencrypted EBS volumes and launch template block devices', () => {
    expect(
      violationsOf('encrypted-storage', { type: 'aws:ebs/volume:Volume', name: 'v', props: { size: 5 } }),
    ).toHaveLength(1);
    expect(
      violationsOf('encrypted-storage', {
        type: 'aws:ec2/launchTemplate:LaunchTemplate',
        name: 'lt',
        props: {
          blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 20, encrypted: 'false' } }],
        },
      }),
    ).toHaveLength(1);
  });
  it('is silent on encrypted ones', () => {
    expect(violationsOf('encrypted-storage', sc({ type: 'gp3', encrypted: 'true' }))).toEqual([]);
    expect(
      violationsOf('encrypted-storage', {
        type: 'aws:ebs/volume:Volume',
        name: 'v',
        props: { encrypted: true },
      }),
    ).toEqual([]);
    expect(
      violationsOf('encrypted-storage', {
        type: 'aws:ec2/launchTemplate:LaunchTemplate',
        name: 'lt',
        props: { blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }] },
      }),
    ).toEqual([]);
  });
});

describe('no-wildcard-oidc-trust', () => {
  const role = (assumeRolePolicy: unknown) => ({
    type: 'aws:iam/role:Role',
    name: 'ci',
    props: { assumeRolePolicy },
  });
  it('fires on repo:*:* and owner wildcards', () => {
    expect(violationsOf('no-wildcard-oidc-trust', role(githubTrust('repo:*:*')))).toHaveLength(1);
    expect(
      violationsOf('no-wildcard-oidc-trust', role(githubTrust('repo:acme/*:ref:refs/heads/main'))),
    ).toHaveLength(1);
    expect(violationsOf('no-wildcard-oidc-trust', role(githubTrust('*')))).toHaveLength(1);
  });
  it('fires when there is no sub condition at all', () => {
    const v = violationsOf('no-wildcard-oidc-trust', role(githubTrust(undefined)));
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/no sub condition/);
  });
  it('also reads policy documents given as objects', () => {
    expect(violationsOf('no-wildcard-oidc-trust', role(JSON.parse(githubTrust('repo:*:*'))))).toHaveLength(1);
  });
  it('is silent on a pinned repository and branch, and on non-federated roles', () => {
    expect(
      violationsOf(
        'no-wildcard-oidc-trust',
        role(githubTrust(['repo:acme/crm:ref:refs/heads/main'], 'StringEquals')),
      ),
    ).toEqual([]);
    const service = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(violationsOf('no-wildcard-oidc-trust', role(service))).toEqual([]);
  });
  it('classifies subjects of GitHub, Kubernetes and Pulumi tokens', () => {
    expect(wildcardSubject('repo:acme/crm:environment:prod')).toBeUndefined();
    expect(wildcardSubject('repo:acme/crm:*')).toBeUndefined();
    expect(wildcardSubject('repo:acme/cr?:*')).toBeDefined();
    expect(wildcardSubject('system:serviceaccount:kube-system:ebs-csi-controller-sa')).toBeUndefined();
    expect(wildcardSubject('system:serviceaccount:*:ebs-csi-controller-sa')).toBeDefined();
    expect(wildcardSubject('pulumi:deploy:org:acme:project:crm-infra:*')).toBeUndefined();
    expect(wildcardSubject('pulumi:deploy:org:acme:project:*')).toBeDefined();
    expect(wildcardSubject('pulumi:deploy:org:*:project:crm:*')).toBeDefined();
  });
});

describe('only-ingress-controller-load-balancer', () => {
  const service = (type: string, labels: Record<string, string> = {}) => ({
    type: 'kubernetes:core/v1:Service',
    name: 'svc',
    props: { metadata: { labels }, spec: { type, ports: [{ port: 80 }] } },
  });
  const release = (chart: string, values: Record<string, unknown>) => ({
    type: 'kubernetes:helm.sh/v3:Release',
    name: 'rel',
    props: { chart, values },
  });
  it('fires on a LoadBalancer Service that is not the ingress controller', () => {
    expect(violationsOf('only-ingress-controller-load-balancer', service('LoadBalancer'))).toHaveLength(1);
  });
  it('fires on Helm values that turn another chart Service into a LoadBalancer', () => {
    const v = violationsOf(
      'only-ingress-controller-load-balancer',
      release('kube-prometheus-stack', { grafana: { service: { type: 'LoadBalancer' } } }),
    );
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/grafana\.service/);
    expect(
      violationsOf(
        'only-ingress-controller-load-balancer',
        release('ingress-nginx', {
          controller: { admissionWebhooks: { service: { type: 'LoadBalancer' } } },
        }),
      ),
    ).toHaveLength(1);
  });
  it('is silent on ClusterIP Services and the ingress controller', () => {
    expect(violationsOf('only-ingress-controller-load-balancer', service('ClusterIP'))).toEqual([]);
    expect(
      violationsOf(
        'only-ingress-controller-load-balancer',
        service('LoadBalancer', { 'cloudops-crm.io/ingress-controller': 'true' }),
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        'only-ingress-controller-load-balancer',
        service('LoadBalancer', {
          'app.kubernetes.io/name': 'ingress-nginx',
          'app.kubernetes.io/component': 'controller',
        }),
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        'only-ingress-controller-load-balancer',
        release('ingress-nginx', { controller: { service: { type: 'LoadBalancer' } } }),
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        'only-ingress-controller-load-balancer',
        release('oci://ghcr.io/traefik/helm/traefik', { service: { type: 'LoadBalancer' } }),
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        'only-ingress-controller-load-balancer',
        release('traefik', { service: { enabled: true, spec: { type: 'LoadBalancer' } } }),
      ),
    ).toEqual([]);
  });
});

describe('containers-non-root', () => {
  it('fires on root and on unspecified users', () => {
    expect(
      violationsOf(
        'containers-non-root',
        deployment({ containers: [{ name: 'a', securityContext: { runAsUser: 0 } }] }),
      ),
    ).toHaveLength(1);
    expect(violationsOf('containers-non-root', deployment({ containers: [{ name: 'a' }] }))).toHaveLength(1);
    // The container's runAsUser 0 overrides the pod's runAsNonRoot.
    expect(
      violationsOf(
        'containers-non-root',
        deployment({
          securityContext: { runAsNonRoot: true },
          containers: [{ name: 'a', securityContext: { runAsUser: 0 } }],
        }),
      ),
    ).toHaveLength(1);
    expect(
      violationsOf('containers-non-root', {
        type: 'kubernetes:batch/v1:CronJob',
        name: 'job',
        props: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'x' }] } } } } } },
      }),
    ).toHaveLength(1);
  });
  it('checks init containers too', () => {
    const v = violationsOf(
      'containers-non-root',
      deployment({
        initContainers: [{ name: 'init' }],
        containers: [{ name: 'a', securityContext: { runAsNonRoot: true } }],
      }),
    );
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/initContainers\[0\]/);
  });
  it('is silent when pod or container declares non-root', () => {
    expect(
      violationsOf(
        'containers-non-root',
        deployment({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'a' }] }),
      ),
    ).toEqual([]);
    expect(
      violationsOf('containers-non-root', {
        type: 'kubernetes:core/v1:Pod',
        name: 'p',
        props: { spec: { containers: [{ name: 'a', securityContext: { runAsUser: 1000 } }] } },
      }),
    ).toEqual([]);
  });
});

describe('images-pinned', () => {
  const withImage = (image: string) =>
    deployment({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', image }] });
  it('fires on :latest, a missing tag and other floating tags', () => {
    expect(violationsOf('images-pinned', withImage('nginx:latest'))).toHaveLength(1);
    expect(
      violationsOf('images-pinned', withImage('123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app')),
    ).toHaveLength(1);
    expect(violationsOf('images-pinned', withImage('localhost:5000/crm-app'))).toHaveLength(1);
    expect(violationsOf('images-pinned', withImage('ghcr.io/acme/tool:stable'))).toHaveLength(1);
  });
  it('is silent on digests and version or commit tags', () => {
    expect(violationsOf('images-pinned', withImage(`mongo@sha256:${'a'.repeat(64)}`))).toEqual([]);
    expect(violationsOf('images-pinned', withImage('localhost:5000/crm-app:1.4.2'))).toEqual([]);
    expect(
      mutableImageReason('123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app:3f2c1ab'),
    ).toBeUndefined();
  });
});
