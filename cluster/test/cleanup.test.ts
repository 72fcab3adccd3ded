import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CleanupOptions,
  cleanupLoadBalancers,
  LoadBalancerCleanupError,
  LoadBalancerCleanupForeignError,
  LoadBalancerCleanupTimeoutError,
  type ServiceApi,
} from '../cleanup';

const clusterName = 'develeap-eks-cluster';
/** The namespaces the stack owns, as the program passes them. */
const namespaces = ['crm', 'ingress-nginx', 'database', 'elastic', 'elastic-system', 'logging', 'monitoring'];
const elbMock = mockClient(ElasticLoadBalancingV2Client);

type FakeService = { name: string; namespace: string; type: string };

/** An in-memory CoreV1Api: lists the given Services per namespace and records calls and deletions. */
class FakeCoreV1Api implements ServiceApi {
  deleted: string[] = [];
  listed: string[] = [];
  constructor(
    private services: FakeService[],
    private failures: { list?: Error; delete?: Error; goneNamespaces?: string[] } = {},
  ) {}

  async listNamespacedService({ namespace }: { namespace: string }) {
    this.listed.push(namespace);
    if (this.failures.list) throw this.failures.list;
    if (this.failures.goneNamespaces?.includes(namespace)) {
      throw Object.assign(new Error(`namespaces "${namespace}" not found`), { code: 404 });
    }
    return {
      metadata: {},
      items: this.services
        .filter((s) => s.namespace === namespace)
        .map((s) => ({ metadata: { name: s.name, namespace: s.namespace }, spec: { type: s.type } })),
    };
  }

  async deleteNamespacedService({ name, namespace }: { name: string; namespace: string }) {
    if (this.failures.delete) throw this.failures.delete;
    this.deleted.push(`${namespace}/${name}`);
    this.services = this.services.filter((s) => !(s.name === name && s.namespace === namespace));
    return {};
  }
}

const ingressNlb = {
  LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/k8s-ingress/1',
  LoadBalancerName: 'k8s-ingress',
};
const lbcNlb = {
  LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/k8s-kibana/2',
  LoadBalancerName: 'k8s-kibana',
};
/** Made by the in-tree cloud provider for a Service outside the stack's namespaces. */
const foreignNlb = {
  LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/k8s-sandbox/4',
  LoadBalancerName: 'k8s-sandbox',
};
const unrelated = {
  LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/other-team/3',
  LoadBalancerName: 'other-team',
};

const tagsFor = (arns: string[] | undefined) => ({
  TagDescriptions: (arns ?? []).map((arn) => ({
    ResourceArn: arn,
    Tags:
      arn === ingressNlb.LoadBalancerArn
        ? [
            { Key: `kubernetes.io/cluster/${clusterName}`, Value: 'owned' },
            { Key: 'kubernetes.io/service-name', Value: 'ingress-nginx/ingress-nginx-controller' },
          ]
        : arn === lbcNlb.LoadBalancerArn
          ? [
              { Key: 'elbv2.k8s.aws/cluster', Value: clusterName },
              { Key: 'service.k8s.aws/stack', Value: 'logging/kibana' },
            ]
          : arn === foreignNlb.LoadBalancerArn
            ? [
                { Key: `kubernetes.io/cluster/${clusterName}`, Value: 'owned' },
                { Key: 'kubernetes.io/service-name', Value: 'sandbox/demo' },
              ]
            : [{ Key: 'kubernetes.io/cluster/another-cluster', Value: 'owned' }],
  })),
});

/** A clock that only moves when the cleanup sleeps, so timeouts are exact and instant. */
function fakeClock() {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms;
    },
  };
}

/** The cleanup for this cluster's namespaces, silent and on a fake clock unless the test says otherwise. */
function cleanup(core: ServiceApi, options: Partial<CleanupOptions> = {}) {
  return cleanupLoadBalancers({
    clusterName,
    namespaces,
    elb: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    core,
    log: () => {},
    ...fakeClock(),
    ...options,
  });
}

beforeEach(() => {
  elbMock.reset();
  elbMock.on(DescribeTagsCommand).callsFake((input) => tagsFor(input.ResourceArns));
});

describe('cleanupLoadBalancers', () => {
  it("deletes the LoadBalancer Services in the stack's namespaces and waits until their load balancers are gone", async () => {
    elbMock
      .on(DescribeLoadBalancersCommand)
      .resolvesOnce({ LoadBalancers: [ingressNlb, lbcNlb, unrelated] })
      .resolvesOnce({ LoadBalancers: [ingressNlb, unrelated] })
      .resolves({ LoadBalancers: [unrelated] });
    const core = new FakeCoreV1Api([
      { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' },
      { name: 'kibana', namespace: 'logging', type: 'LoadBalancer' },
      { name: 'crm-app', namespace: 'crm', type: 'ClusterIP' },
      // Not the stack's: its load balancer is not in AWS yet, so nothing blocks, and it stays.
      { name: 'demo', namespace: 'sandbox', type: 'LoadBalancer' },
    ]);
    const messages: string[] = [];
    const clock = fakeClock();

    const result = await cleanup(core, {
      pollIntervalMs: 5_000,
      timeoutMs: 60_000,
      log: (message) => messages.push(message),
      ...clock,
    });

    expect(core.deleted).toEqual(['ingress-nginx/ingress-nginx-controller', 'logging/kibana']);
    expect(core.listed).toEqual(namespaces);
    expect(result.deletedServices).toEqual(core.deleted);
    expect(result.awaitedLoadBalancers).toEqual(['k8s-ingress', 'k8s-kibana']);
    expect(result.waitedMs).toBe(10_000);
    expect(elbMock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(3);
    expect(messages.filter((m) => m.startsWith('Waiting for'))).toEqual([
      `Waiting for 2 load balancer(s) of cluster ${clusterName} to be deleted: ` +
        'k8s-ingress (Service ingress-nginx/ingress-nginx-controller), k8s-kibana (Service logging/kibana) (0s of 60s)',
      `Waiting for 1 load balancer(s) of cluster ${clusterName} to be deleted: ` +
        'k8s-ingress (Service ingress-nginx/ingress-nginx-controller) (5s of 60s)',
    ]);
    expect(messages.at(-1)).toContain('All load balancers of cluster');
  });

  it('fails with a clear timeout error when a load balancer never goes away', async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [ingressNlb] });
    const core = new FakeCoreV1Api([
      { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' },
    ]);
    const clock = fakeClock();
    const messages: string[] = [];

    const outcome = cleanup(core, {
      pollIntervalMs: 10_000,
      timeoutMs: 30_000,
      log: (message) => messages.push(message),
      ...clock,
    });

    await expect(outcome).rejects.toBeInstanceOf(LoadBalancerCleanupTimeoutError);
    await expect(outcome).rejects.toThrow(
      `Timed out after 30s waiting for the load balancers of cluster ${clusterName} to be deleted: ` +
        'k8s-ingress (Service ingress-nginx/ingress-nginx-controller)',
    );
    await outcome.catch((error: LoadBalancerCleanupTimeoutError) =>
      expect(error.remaining).toEqual(['k8s-ingress']),
    );
    expect(clock.now()).toBe(30_000);
    expect(messages.filter((m) => m.startsWith('Waiting for'))).toHaveLength(3);
  });

  it('reports an AWS API error with context instead of waiting', async () => {
    elbMock
      .on(DescribeLoadBalancersCommand)
      .rejects(new Error('User is not authorized to perform DescribeLoadBalancers'));
    const core = new FakeCoreV1Api([]);

    const outcome = cleanup(core);

    await expect(outcome).rejects.toBeInstanceOf(LoadBalancerCleanupError);
    await expect(outcome).rejects.toThrow(/Looking up load balancers in AWS failed: .*not authorized/);
  });

  it('reports a Kubernetes API error naming the Service it could not delete', async () => {
    const forbidden = Object.assign(new Error('services "ingress-nginx-controller" is forbidden'), {
      code: 403,
    });
    const core = new FakeCoreV1Api(
      [{ name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' }],
      { delete: forbidden },
    );

    const outcome = cleanup(core);

    await expect(outcome).rejects.toThrow(
      /Deleting Service ingress-nginx\/ingress-nginx-controller failed: .*forbidden/,
    );
    expect(elbMock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(0);
  });

  it('reports a failure to list Services', async () => {
    const core = new FakeCoreV1Api([], { list: new Error('connect ECONNREFUSED') });
    await expect(cleanup(core)).rejects.toThrow(
      /Listing Kubernetes Services in namespace crm failed: .*ECONNREFUSED/,
    );
  });

  it('treats a Service deleted concurrently (404) as done', async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    const gone = Object.assign(new Error('not found'), { code: 404 });
    const core = new FakeCoreV1Api(
      [{ name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' }],
      { delete: gone },
    );
    const result = await cleanup(core);
    expect(result.deletedServices).toEqual(['ingress-nginx/ingress-nginx-controller']);
  });

  it('returns at once when there is nothing to clean', async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [unrelated] });
    const core = new FakeCoreV1Api([{ name: 'crm-app', namespace: 'crm', type: 'ClusterIP' }]);
    const clock = fakeClock();
    const messages: string[] = [];

    const result = await cleanup(core, { log: (message) => messages.push(message), ...clock });

    expect(result).toEqual({ deletedServices: [], awaitedLoadBalancers: [], waitedMs: 0 });
    expect(core.deleted).toEqual([]);
    expect(clock.now()).toBe(0);
    expect(messages).toEqual([`No Service of type LoadBalancer found in ${namespaces.join(', ')}`]);
  });

  it("stops with the name of a cluster load balancer that serves a Service outside the stack's namespaces", async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [ingressNlb, foreignNlb, unrelated] });
    const core = new FakeCoreV1Api([
      { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' },
      { name: 'demo', namespace: 'sandbox', type: 'LoadBalancer' },
    ]);
    const clock = fakeClock();

    const outcome = cleanup(core, clock);

    await expect(outcome).rejects.toBeInstanceOf(LoadBalancerCleanupForeignError);
    await expect(outcome).rejects.toThrow(
      "serve Services outside this stack's namespaces (crm, ingress-nginx, database, elastic, " +
        'elastic-system, logging, monitoring): k8s-sandbox (Service sandbox/demo). They are not deleted here',
    );
    // The stack's own Service went; the foreign one was neither listed nor deleted, and nothing waited.
    expect(core.deleted).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(core.listed).not.toContain('sandbox');
    expect(clock.now()).toBe(0);
  });

  it('skips a namespace that is already gone', async () => {
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    const core = new FakeCoreV1Api([{ name: 'kibana', namespace: 'logging', type: 'LoadBalancer' }], {
      goneNamespaces: ['crm', 'elastic'],
    });
    const result = await cleanup(core);
    expect(result.deletedServices).toEqual(['logging/kibana']);
  });

  it('follows pagination and asks for tags in batches of at most 20', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      LoadBalancerArn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb-${i}/${i}`,
      LoadBalancerName: `lb-${i}`,
    }));
    elbMock
      .on(DescribeLoadBalancersCommand, { Marker: undefined })
      .resolves({ LoadBalancers: many.slice(0, 15), NextMarker: 'page-2' })
      .on(DescribeLoadBalancersCommand, { Marker: 'page-2' })
      .resolves({ LoadBalancers: many.slice(15) });

    await cleanup(new FakeCoreV1Api([]));

    const batches = elbMock
      .commandCalls(DescribeTagsCommand)
      .map((call) => call.args[0].input.ResourceArns?.length);
    expect(batches).toEqual([20, 5]);
  });
});

describe('cleanupLoadBalancers on a target without AWS', () => {
  it("deletes the LoadBalancer Services in the stack's namespaces and has no cloud load balancer to wait for", async () => {
    elbMock.on(DescribeLoadBalancersCommand).rejects(new Error('AWS must not be asked on a local target'));
    const core = new FakeCoreV1Api([
      { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' },
      { name: 'crm-app', namespace: 'crm', type: 'ClusterIP' },
      { name: 'demo', namespace: 'sandbox', type: 'LoadBalancer' },
    ]);
    const clock = fakeClock();
    const messages: string[] = [];

    const result = await cleanupLoadBalancers({
      namespaces,
      core,
      log: (message) => messages.push(message),
      ...clock,
    });

    expect(core.deleted).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(core.listed).toEqual(namespaces);
    expect(result).toEqual({
      deletedServices: ['ingress-nginx/ingress-nginx-controller'],
      awaitedLoadBalancers: [],
      waitedMs: 0,
    });
    expect(elbMock.calls()).toHaveLength(0);
    expect(clock.now()).toBe(0);
    expect(messages).toEqual([
      'Deleted Service ingress-nginx/ingress-nginx-controller (type LoadBalancer)',
      'No cloud load balancer to wait for: the target is not an EKS cluster',
    ]);
  });

  it('refuses half an AWS side before deleting anything', async () => {
    const core = new FakeCoreV1Api([
      { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', type: 'LoadBalancer' },
    ]);
    await expect(cleanupLoadBalancers({ clusterName, namespaces, core, log: () => {} })).rejects.toThrow(
      `got only the cluster name ${clusterName}`,
    );
    await expect(
      cleanupLoadBalancers({
        namespaces,
        core,
        elb: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
        log: () => {},
      }),
    ).rejects.toBeInstanceOf(LoadBalancerCleanupError);
    expect(core.listed).toEqual([]);
    expect(core.deleted).toEqual([]);
  });
});
