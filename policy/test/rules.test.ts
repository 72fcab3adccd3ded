import { describe, expect, it } from 'vitest';
import { type EvaluatedResource, evaluatePolicies } from '../evaluate';
import { policies, resourcePolicies, stackPolicies } from '../policies';
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
  it('exports eight mandatory resource rules and two stack rules with unique names', () => {
    expect(resourcePolicies.map((p) => p.name)).toEqual([
      'ecr-immutable-tags',
      'ecr-repository-policy-not-public',
      'encrypted-storage',
      'no-wildcard-oidc-trust',
      'oidc-trust-audience',
      'only-ingress-controller-load-balancer',
      'containers-non-root',
      'images-pinned',
    ]);
    expect(stackPolicies.map((p) => p.name)).toEqual([
      'one-load-balancer-per-stack',
      'eks-no-cluster-admin-for-ci',
    ]);
    expect(policies).toEqual([...resourcePolicies, ...stackPolicies]);
    expect(policies.every((p) => p.enforcementLevel === 'mandatory')).toBe(true);
  });

  it('validateResource reports like check does (the engine entry point)', async () => {
    const messages: string[] = [];
    const policy = resourcePolicies.find((p) => p.name === 'ecr-immutable-tags')!;
    const validate = policy.validateResource as (args: unknown, report: (m: string) => void) => void;
    await validate({ type: 'aws:ecr/repository:Repository', name: 'r', urn: 'u', props: {} }, (m) =>
      messages.push(m),
    );
    expect(messages).toHaveLength(1);
  });

  it('validateStack reports like checkStack does, naming the resources by URN (the engine entry point)', async () => {
    const reported: (string | undefined)[] = [];
    const lb = (name: string) => ({
      type: 'kubernetes:core/v1:Service',
      name,
      urn: `urn:pulumi:dev::p::kubernetes:core/v1:Service::${name}`,
      props: { metadata: { namespace: 'ingress-nginx' }, spec: { type: 'LoadBalancer' } },
    });
    await stackPolicies[0]!.validateStack(
      { resources: [lb('a'), lb('b')] } as never,
      (_message: string, urn?: string) => reported.push(urn),
    );
    expect(reported).toEqual([
      'urn:pulumi:dev::p::kubernetes:core/v1:Service::a',
      'urn:pulumi:dev::p::kubernetes:core/v1:Service::b',
    ]);
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
  it('checks only StorageClasses of the EBS provisioners, whose parameters carry encryption', () => {
    const withProvisioner = (provisioner: string) => ({
      type: 'kubernetes:storage.k8s.io/v1:StorageClass',
      name: 'sc',
      props: { provisioner, parameters: { type: 'gp2' } },
    });
    expect(violationsOf('encrypted-storage', withProvisioner('kubernetes.io/aws-ebs'))).toHaveLength(1);
    expect(violationsOf('encrypted-storage', withProvisioner('ebs.csi.aws.com'))).toHaveLength(1);
    expect(violationsOf('encrypted-storage', withProvisioner('efs.csi.aws.com'))).toEqual([]);
    expect(violationsOf('encrypted-storage', withProvisioner('rancher.io/local-path'))).toEqual([]);
  });
  it('fires on a managed node group without a launch template (default, unencrypted root volumes)', () => {
    const nodeGroup = (props: Record<string, unknown>) => ({
      type: 'aws:eks/nodeGroup:NodeGroup',
      name: 'nodes',
      props: { clusterName: 'c', instanceTypes: ['t3a.medium'], ...props },
    });
    expect(violationsOf('encrypted-storage', nodeGroup({ diskSize: 20 }))).toHaveLength(1);
    expect(
      violationsOf('encrypted-storage', nodeGroup({ launchTemplate: { id: 'lt-1', version: '1' } })),
    ).toEqual([]);
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
    expect(wildcardSubject('repo:acme/crm:ref:refs/heads/main')).toBeUndefined();
    expect(wildcardSubject('repo:acme/cr?:ref:refs/heads/main')).toMatch(/owner\/name/);
    expect(wildcardSubject('system:serviceaccount:kube-system:ebs-csi-controller-sa')).toBeUndefined();
    expect(wildcardSubject('system:serviceaccount:*:ebs-csi-controller-sa')).toBeDefined();
    expect(wildcardSubject('system:serviceaccount:kube-system:*')).toBeDefined();
    expect(wildcardSubject('pulumi:deploy:org:acme:project:crm-infra:stack:dev:*')).toBeUndefined();
    expect(wildcardSubject('pulumi:deploy:org:acme:project:*')).toBeDefined();
    expect(wildcardSubject('pulumi:deploy:org:*:project:crm:stack:dev:*')).toBeDefined();
  });
  it('fires on a trailing wildcard in a GitHub subject: pull requests and every branch would match', () => {
    for (const subject of [
      'repo:acme/crm:*',
      'repo:acme/crm:ref:refs/heads/*',
      'repo:acme/crm:environment:*',
    ]) {
      expect(wildcardSubject(subject), subject).toMatch(/pull_request/);
      expect(violationsOf('no-wildcard-oidc-trust', role(githubTrust(subject))), subject).toHaveLength(1);
    }
  });
  it('fires on a Pulumi subject that leaves the stack open, and allows any operation of a named stack', () => {
    expect(wildcardSubject('pulumi:deploy:org:acme:project:crm-infra:*')).toMatch(/stack is not literal/);
    expect(wildcardSubject('pulumi:deploy:org:acme:project:crm:stack:*:operation:update')).toMatch(/stack/);
    expect(wildcardSubject('pulumi:deploy:org:acme:project:crm:stack:prod:operation:*')).toBeUndefined();
  });
  it('allows a wildcard in the last segment only for subjects of other issuers', () => {
    expect(wildcardSubject('custom:*:subject')).toMatch(/segment 2/);
    expect(wildcardSubject('custom:tenant:*')).toBeUndefined();
    expect(
      violationsOf('no-wildcard-oidc-trust', role(githubTrust('repo:acme/crm:*:refs/heads/main'))),
    ).toHaveLength(1);
  });
});

describe('oidc-trust-audience', () => {
  const trust = (condition: Record<string, unknown>) => ({
    type: 'aws:iam/role:Role',
    name: 'ci',
    props: {
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc' },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringLike: { 'api.pulumi.com/oidc:sub': 'pulumi:deploy:org:acme:project:crm:stack:dev:*' },
              ...condition,
            },
          },
        ],
      }),
    },
  });
  it('fires without an aud condition, and on a pattern or an operator other than StringEquals', () => {
    expect(violationsOf('oidc-trust-audience', trust({}))[0]!.message).toMatch(/no aud condition/);
    expect(
      violationsOf('oidc-trust-audience', trust({ StringEquals: { 'api.pulumi.com/oidc:aud': '*' } })),
    ).toHaveLength(1);
    expect(
      violationsOf('oidc-trust-audience', trust({ StringLike: { 'api.pulumi.com/oidc:aud': 'acme' } })),
    ).toHaveLength(1);
  });
  it('is silent on an exact audience', () => {
    expect(
      violationsOf('oidc-trust-audience', trust({ StringEquals: { 'api.pulumi.com/oidc:aud': 'acme' } })),
    ).toEqual([]);
    expect(
      violationsOf('oidc-trust-audience', {
        type: 'aws:iam/role:Role',
        name: 'ci',
        props: { assumeRolePolicy: githubTrust(['repo:acme/crm:ref:refs/heads/main']) },
      }),
    ).toEqual([]);
  });
});

describe('ecr-repository-policy-not-public', () => {
  const repositoryPolicy = (principal: unknown) => ({
    type: 'aws:ecr/repositoryPolicy:RepositoryPolicy',
    name: 'crm-app',
    props: {
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: principal, Action: ['ecr:BatchGetImage'] }],
      }),
    },
  });
  it('fires on Principal "*" in any of its spellings', () => {
    for (const principal of ['*', { AWS: '*' }, { AWS: ['arn:aws:iam::123456789012:root', '*'] }]) {
      expect(violationsOf('ecr-repository-policy-not-public', repositoryPolicy(principal))).toHaveLength(1);
    }
  });
  it('is silent on named accounts', () => {
    expect(
      violationsOf(
        'ecr-repository-policy-not-public',
        repositoryPolicy({ AWS: 'arn:aws:iam::123456789012:root' }),
      ),
    ).toEqual([]);
  });
});

describe('eks-no-cluster-admin-for-ci', () => {
  const ciRole = {
    type: 'aws:iam/role:Role',
    name: 'ci-github',
    props: {
      arn: 'arn:aws:iam::123456789012:role/ci-github',
      assumeRolePolicy: githubTrust(['repo:acme/crm:ref:refs/heads/main']),
    },
  };
  const association = (principalArn: string, policyArn: string, accessScope: unknown) => ({
    type: 'aws:eks/accessPolicyAssociation:AccessPolicyAssociation',
    name: 'grant',
    props: { principalArn, policyArn, accessScope },
  });
  const admin = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
  const edit = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';
  const violations = (...resources: EvaluatedResource[]) =>
    evaluatePolicies(resources).filter((v) => v.policy === 'eks-no-cluster-admin-for-ci');

  it('fires on cluster-wide admin for a role GitHub Actions assumes', () => {
    expect(violations(ciRole, association(ciRole.props.arn, admin, { type: 'cluster' }))).toHaveLength(1);
  });
  it('is silent on a namespace scope, and on other principals', () => {
    expect(
      violations(ciRole, association(ciRole.props.arn, edit, { type: 'namespace', namespaces: ['crm'] })),
    ).toEqual([]);
    expect(
      violations(
        ciRole,
        association('arn:aws:iam::123456789012:role/platform-admins', admin, { type: 'cluster' }),
      ),
    ).toEqual([]);
  });
});

describe('only-ingress-controller-load-balancer', () => {
  const service = (type: string, labels: Record<string, string> = {}, namespace = 'ingress-nginx') => ({
    type: 'kubernetes:core/v1:Service',
    name: 'svc',
    props: { metadata: { namespace, labels }, spec: { type, ports: [{ port: 80 }] } },
  });
  const release = (chart: string, values: Record<string, unknown>, namespace = chart.split('/').pop()) => ({
    type: 'kubernetes:helm.sh/v3:Release',
    name: 'rel',
    props: { chart, namespace, values },
  });
  const marker = { 'cloudops-crm.io/ingress-controller': 'true' };
  it('fires on a LoadBalancer Service that is not the ingress controller', () => {
    expect(violationsOf('only-ingress-controller-load-balancer', service('LoadBalancer'))).toHaveLength(1);
  });
  it('does not let a label exempt a Service outside the ingress controller namespaces', () => {
    for (const namespace of ['crm', 'default', 'monitoring']) {
      const v = violationsOf(
        'only-ingress-controller-load-balancer',
        service('LoadBalancer', marker, namespace),
      );
      expect(v, namespace).toHaveLength(1);
      expect(v[0]!.message).toMatch(new RegExp(`namespace "${namespace}"`));
    }
    // No namespace means `default`.
    const unnamespaced = {
      type: 'kubernetes:core/v1:Service',
      name: 'svc',
      props: { metadata: { labels: marker }, spec: { type: 'LoadBalancer' } },
    };
    expect(violationsOf('only-ingress-controller-load-balancer', unnamespaced)).toHaveLength(1);
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
  it('fires on an ingress controller chart installed outside the ingress controller namespaces', () => {
    const lb = { controller: { service: { type: 'LoadBalancer' } } };
    // '' is Helm's default namespace, `default`.
    for (const namespace of ['crm', '']) {
      const v = violationsOf(
        'only-ingress-controller-load-balancer',
        release('ingress-nginx', lb, namespace),
      );
      expect(v, String(namespace)).toHaveLength(1);
      expect(v[0]!.message).toMatch(/installed in namespace/);
    }
  });
  it('is silent on ClusterIP Services and the ingress controller in its namespace', () => {
    expect(violationsOf('only-ingress-controller-load-balancer', service('ClusterIP', {}, 'crm'))).toEqual(
      [],
    );
    expect(violationsOf('only-ingress-controller-load-balancer', service('LoadBalancer', marker))).toEqual(
      [],
    );
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
        service('LoadBalancer', { 'app.kubernetes.io/name': 'traefik' }, 'traefik'),
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
  it('still requires the marker inside the ingress controller namespace', () => {
    expect(violationsOf('only-ingress-controller-load-balancer', service('LoadBalancer', {}))).toHaveLength(
      1,
    );
  });
});

describe('one-load-balancer-per-stack', () => {
  const stackViolations = (resources: EvaluatedResource[]) =>
    evaluatePolicies(resources).filter((v) => v.policy === 'one-load-balancer-per-stack');
  const nginx = {
    type: 'kubernetes:helm.sh/v3:Release',
    name: 'ingress',
    props: {
      chart: 'ingress-nginx',
      name: 'ingress-nginx',
      namespace: 'ingress-nginx',
      values: { controller: { service: { type: 'LoadBalancer' } } },
    },
  };
  const traefik = {
    type: 'kubernetes:helm.sh/v3:Release',
    name: 'edge',
    props: {
      chart: 'traefik',
      name: 'traefik',
      namespace: 'traefik',
      values: { service: { type: 'LoadBalancer' } },
    },
  };
  const lbService = (name: string, metadata: Record<string, unknown>) => ({
    type: 'kubernetes:core/v1:Service',
    name,
    props: { metadata: { namespace: 'ingress-nginx', ...metadata }, spec: { type: 'LoadBalancer' } },
  });
  const marked = { labels: { 'cloudops-crm.io/ingress-controller': 'true' } };

  it('fires on two ingress controller releases, naming both', () => {
    const v = stackViolations([nginx, traefik]);
    expect(v.map((x) => x.resource)).toEqual([
      'kubernetes:helm.sh/v3:Release::ingress',
      'kubernetes:helm.sh/v3:Release::edge',
    ]);
    expect(v[0]!.message).toMatch(/2 load balancers.*ingress-nginx\/ingress-nginx.*traefik\/traefik/);
    // Each is allowed on its own by the resource rule: only the stack rule sees the pair.
    expect(evaluatePolicies([nginx, traefik]).every((x) => x.policy === 'one-load-balancer-per-stack')).toBe(
      true,
    );
  });

  it('fires on a second LoadBalancer Service next to the controller, even in its namespace and labelled', () => {
    expect(stackViolations([nginx, lbService('extra', marked)])).toHaveLength(2);
    expect(stackViolations([lbService('one', marked), lbService('two', marked)])).toHaveLength(2);
  });

  it("counts the release's own Service, read back or rendered, as that release", () => {
    const readBack = lbService('ingress-controller', {
      annotations: { 'meta.helm.sh/release-name': 'ingress-nginx' },
      labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    });
    const rendered = lbService('rendered', { labels: { 'app.kubernetes.io/instance': 'ingress-nginx' } });
    expect(stackViolations([nginx, readBack, rendered])).toEqual([]);
    // The same annotation in another namespace belongs to no release of this stack.
    const elsewhere = {
      ...readBack,
      props: { ...readBack.props, metadata: { ...readBack.props.metadata, namespace: 'traefik' } },
    };
    expect(stackViolations([nginx, elsewhere])).toHaveLength(2);
  });

  it('is silent on one load balancer and on none', () => {
    expect(stackViolations([nginx])).toEqual([]);
    expect(stackViolations([lbService('one', marked)])).toEqual([]);
    expect(stackViolations([])).toEqual([]);
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
  it('fires on tags that name a release line or variant rather than one release', () => {
    for (const image of [
      'mongo:7',
      'nginx:alpine',
      'node:lts',
      'busybox:1.2',
      'mongo:8.0',
      'nginx:1.27-alpine',
    ]) {
      expect(violationsOf('images-pinned', withImage(image)), image).toHaveLength(1);
    }
    expect(mutableImageReason('node:lts')).toMatch(/neither a full version/);
  });
  it('is silent on digests, full version tags and commit tags', () => {
    expect(violationsOf('images-pinned', withImage(`mongo@sha256:${'a'.repeat(64)}`))).toEqual([]);
    expect(violationsOf('images-pinned', withImage(`crm-app:3f2c1ab@sha256:${'b'.repeat(64)}`))).toEqual([]);
    expect(violationsOf('images-pinned', withImage('localhost:5000/crm-app:1.4.2'))).toEqual([]);
    for (const tag of ['8.0.16', 'v1.2.3', '1.27.3-alpine', 'v1.19.0-debian-elasticsearch8-1.1', '1.2.3.4']) {
      expect(mutableImageReason(`repo:${tag}`), tag).toBeUndefined();
    }
    expect(
      mutableImageReason('123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app:3f2c1ab'),
    ).toBeUndefined();
    expect(mutableImageReason(`crm-app:${'c'.repeat(40)}`)).toBeUndefined();
    expect(mutableImageReason('crm-app:3f2c1a')).toBeDefined();
  });
  it('checks image tags written explicitly in Helm values', () => {
    const release = (values: Record<string, unknown>) => ({
      type: 'kubernetes:helm.sh/v3:Release',
      name: 'rel',
      props: { chart: './charts/mongodb', namespace: 'database', values },
    });
    const v = violationsOf('images-pinned', release({ image: { repository: 'mongo', tag: '7' } }));
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/image\.tag "7"/);
    expect(
      violationsOf('images-pinned', release({ controller: { image: { repository: 'x', tag: 'latest' } } })),
    ).toHaveLength(1);
    expect(violationsOf('images-pinned', release({ image: { repository: 'mongo', tag: 8 } }))).toHaveLength(
      1,
    );
    expect(violationsOf('images-pinned', release({ image: { repository: 'mongo', tag: '8.0.16' } }))).toEqual(
      [],
    );
    // No tag: the chart's own default (its appVersion) applies; a digest pins whatever the tag says.
    expect(violationsOf('images-pinned', release({ image: { repository: 'mongo' } }))).toEqual([]);
    expect(
      violationsOf('images-pinned', release({ image: { tag: '8', digest: `sha256:${'d'.repeat(64)}` } })),
    ).toEqual([]);
  });
});
