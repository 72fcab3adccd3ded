import { beforeAll, describe, expect, it } from 'vitest';
import { PROXY_HOPS_BEFORE_APP } from '../contract';
import { type ClusterRun, EKS_CONFIG, release, runCluster, TLS_INFRA_STACK_OUTPUTS } from './harness';

/**
 * The request path NLB -> controller -> app, hop by hop, driven by the configuration the program renders. Each hop
 * follows the upstream behaviour it cites; the values come from the recorded Helm releases, so changing the Service
 * policy or the controllers' forwarded-header settings changes the address the app ends up with.
 */
const CLIENT = '203.0.113.7';
const SPOOFED = '198.51.100.66';
const NODE = '10.0.1.23';
const CONTROLLER_POD = '10.0.2.45';

interface Request {
  peer: string;
  xForwardedFor: string[];
}

/**
 * The NLB forwards TCP to a node port with the client's source address (instance targets). kube-proxy then keeps it
 * with externalTrafficPolicy Local, and SNATs it to the node with Cluster (it may forward to another node).
 */
function throughNlb(policy: string | undefined, xForwardedFor: string[]): Request {
  return { peer: policy === 'Local' ? CLIENT : NODE, xForwardedFor };
}

/**
 * ingress-nginx 1.15 (rootfs/etc/nginx/template/nginx.tmpl): without use-forwarded-headers the incoming header is
 * ignored and `X-Forwarded-For $remote_addr` is sent; with it and compute-full-forwarded-for, the peer is appended.
 */
function throughIngressNginx(config: Record<string, string> | undefined, request: Request): Request {
  const trusting = config?.['use-forwarded-headers'] === 'true';
  const append = trusting && config?.['compute-full-forwarded-for'] === 'true';
  return {
    peer: CONTROLLER_POD,
    xForwardedFor: append
      ? [...request.xForwardedFor, request.peer]
      : trusting
        ? request.xForwardedFor
        : [request.peer],
  };
}

/**
 * Traefik 3.7 (pkg/middlewares/forwardedheaders): unless the entry point is `insecure` or trusts the peer, incoming
 * X-Forwarded-* headers are deleted; the reverse proxy then appends the peer.
 */
interface TraefikEntryPoint {
  forwardedHeaders?: { insecure?: boolean; trustedIPs?: string[] };
}

function throughTraefik(entryPoint: TraefikEntryPoint | undefined, request: Request): Request {
  const forwarded = entryPoint?.forwardedHeaders;
  const trusted = forwarded?.insecure === true || (forwarded?.trustedIPs ?? []).length > 0;
  return {
    peer: CONTROLLER_POD,
    xForwardedFor: [...(trusted ? request.xForwardedFor : []), request.peer],
  };
}

/** Fastify's trustProxy = n (proxy-addr): walk from the socket peer back through X-Forwarded-For, trusting n hops. */
function clientSeenByApp(request: Request, trustedHops: number): string {
  const addresses = [request.peer, ...[...request.xForwardedFor].reverse()];
  return addresses[Math.min(trustedHops, addresses.length - 1)]!;
}

describe('the caller’s address reaches the app', () => {
  const runs: Record<string, ClusterRun> = {};
  beforeAll(async () => {
    runs.nginx = await runCluster(EKS_CONFIG);
    runs.traefik = await runCluster({ ...EKS_CONFIG, ingressController: 'traefik' });
    runs.nginxTls = await runCluster(EKS_CONFIG, TLS_INFRA_STACK_OUTPUTS);
    runs.traefikTls = await runCluster(
      { ...EKS_CONFIG, ingressController: 'traefik' },
      TLS_INFRA_STACK_OUTPUTS,
    );
  });

  const chains: Record<string, (run: ClusterRun, incoming: string[]) => Request> = {
    'ingress-nginx': (run, incoming) => {
      const controller = release(run, 'ingress-nginx').inputs.values.controller;
      return throughIngressNginx(
        controller.config,
        throughNlb(controller.service.externalTrafficPolicy, incoming),
      );
    },
    traefik: (run, incoming) => {
      const values = release(run, 'traefik').inputs.values;
      // Both public entry points: web (redirects with TLS) and websecure.
      const policy = values.service.spec.externalTrafficPolicy;
      const web = throughTraefik(values.ports?.web, throughNlb(policy, incoming));
      const websecure = throughTraefik(values.ports?.websecure, throughNlb(policy, incoming));
      expect(websecure).toEqual(web);
      return web;
    },
  };

  for (const [name, controller] of [
    ['nginx', 'ingress-nginx'],
    ['traefik', 'traefik'],
    ['nginxTls', 'ingress-nginx'],
    ['traefikTls', 'traefik'],
  ] as const) {
    it(`${name}: the app reads the client, also when the client sends its own X-Forwarded-For`, () => {
      const run = runs[name]!;
      for (const incoming of [[], [SPOOFED], [SPOOFED, '192.0.2.1']]) {
        const atApp = chains[controller]!(run, incoming);
        expect(atApp.xForwardedFor).toEqual([CLIENT]);
        expect(clientSeenByApp(atApp, PROXY_HOPS_BEFORE_APP)).toBe(CLIENT);
      }
    });
  }

  it('keeps the client address at the node: externalTrafficPolicy Local on the NLB Service', () => {
    expect(release(runs.nginx!, 'ingress-nginx').inputs.values.controller.service.externalTrafficPolicy).toBe(
      'Local',
    );
    expect(release(runs.traefik!, 'traefik').inputs.values.service.spec.externalTrafficPolicy).toBe('Local');
    // The health check must stay on the healthCheckNodePort that cloud-provider-aws picks for Local.
    for (const annotations of [
      release(runs.nginx!, 'ingress-nginx').inputs.values.controller.service.annotations,
      release(runs.traefik!, 'traefik').inputs.values.service.annotations,
    ]) {
      expect(Object.keys(annotations).filter((key) => key.includes('healthcheck'))).toEqual([]);
    }
  });

  it('the model tells the difference: Cluster policy yields a node, trusting two hops yields the spoof', () => {
    const viaCluster = throughIngressNginx(undefined, throughNlb('Cluster', []));
    expect(clientSeenByApp(viaCluster, PROXY_HOPS_BEFORE_APP)).toBe(NODE);
    const trusting = throughIngressNginx(
      { 'use-forwarded-headers': 'true', 'compute-full-forwarded-for': 'true' },
      throughNlb('Local', [SPOOFED]),
    );
    expect(clientSeenByApp(trusting, 2)).toBe(SPOOFED);
    expect(
      clientSeenByApp(
        throughTraefik({ forwardedHeaders: { insecure: true } }, throughNlb('Local', [SPOOFED])),
        2,
      ),
    ).toBe(SPOOFED);
  });

  it('hands the NLB target over between nodes without dropping requests during a controller rollout', () => {
    // The NLB marks a node healthy or unhealthy after 2 checks 10 s apart (cloud-provider-aws, Local policy).
    const nlbNotices = 2 * 10;
    for (const run of [runs.nginx!, runs.nginxTls!]) {
      const controller = release(run, 'ingress-nginx').inputs.values.controller;
      expect(controller.minReadySeconds).toBeGreaterThan(nlbNotices);
      expect(Number(controller.extraArgs['shutdown-grace-period'])).toBeGreaterThan(nlbNotices);
    }
    for (const run of [runs.traefik!, runs.traefikTls!]) {
      const values = release(run, 'traefik').inputs.values;
      expect(values.deployment.minReadySeconds).toBeGreaterThan(nlbNotices);
      for (const entryPoint of [values.ports.web, values.ports.websecure]) {
        expect(Number.parseInt(entryPoint.transport.lifeCycle.requestAcceptGraceTimeout, 10)).toBeGreaterThan(
          nlbNotices,
        );
      }
    }
  });

  it('leaves local clusters on the chart defaults', async () => {
    const local = await runCluster({
      kubeContext: 'k3d-crm',
      storageClassName: 'local-path',
      publicHost: 'localhost',
    });
    const controller = release(local, 'ingress-nginx').inputs.values.controller;
    expect(controller.service.externalTrafficPolicy).toBeUndefined();
    expect(controller.minReadySeconds).toBeUndefined();
    expect(controller.extraArgs).toBeUndefined();
  });
});
