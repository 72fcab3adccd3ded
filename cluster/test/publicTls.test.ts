import { beforeAll, describe, expect, it } from 'vitest';
import { NLB_ANNOTATIONS } from '../components/ingressController';
import { tlsFromInfraOutputs } from '../kubernetesProvider';
import {
  CERTIFICATE_ARN,
  type ClusterRun,
  EKS_CONFIG,
  INFRA_STACK_OUTPUTS,
  NLB_HOSTNAME,
  PUBLIC_DOMAIN,
  release,
  runCluster,
  TLS_INFRA_STACK_OUTPUTS,
} from './harness';

const SSL_CERT = 'service.beta.kubernetes.io/aws-load-balancer-ssl-cert';
const SSL_PORTS = 'service.beta.kubernetes.io/aws-load-balancer-ssl-ports';
const SSL_POLICY = 'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy';

/** Every string in a value, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('TLS on the public endpoint, when the infra stack has a certificate', () => {
  let nginx: ClusterRun;
  let traefik: ClusterRun;
  beforeAll(async () => {
    nginx = await runCluster(EKS_CONFIG, TLS_INFRA_STACK_OUTPUTS);
    traefik = await runCluster({ ...EKS_CONFIG, ingressController: 'traefik' }, TLS_INFRA_STACK_OUTPUTS);
  });

  it('terminates TLS on the NLB: a TLS 1.2+ listener on 443 with the ACM certificate, port 80 stays TCP', () => {
    for (const annotations of [
      release(nginx, 'ingress-nginx').inputs.values.controller.service.annotations,
      release(traefik, 'traefik').inputs.values.service.annotations,
    ]) {
      expect(annotations).toEqual({
        ...NLB_ANNOTATIONS,
        [SSL_CERT]: CERTIFICATE_ARN,
        [SSL_PORTS]: '443',
        [SSL_POLICY]: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      });
      // `ssl` would make the NLB speak TLS to the nodes, where the controllers listen in plain HTTP.
      expect(annotations).not.toHaveProperty('service.beta.kubernetes.io/aws-load-balancer-backend-protocol');
    }
  });

  it('ingress-nginx: 443 reaches nginx in plain HTTP, 80 reaches a listener that only redirects to https', () => {
    const controller = release(nginx, 'ingress-nginx').inputs.values.controller;
    expect(controller.service.targetPorts).toEqual({ http: 'tohttps', https: 'http' });
    expect(controller.service.appProtocol).toBe(false);
    expect(controller.containerPort).toEqual({ http: 80, https: 443, tohttps: 2443 });
    const snippet: string = controller.config['http-snippet'];
    expect(snippet).toMatch(/listen 2443;/);
    // Permanent, method-preserving, to the certificate's domain (not whatever Host the client sent).
    expect(snippet).toMatch(
      new RegExp(`return 308 https://${PUBLIC_DOMAIN.replaceAll('.', '\\.')}\\$request_uri;`),
    );
    // The client address stays the connection's: forwarded headers from clients are not trusted.
    expect(controller.config).not.toHaveProperty('use-forwarded-headers');
    expect(controller.allowSnippetAnnotations).toBeUndefined();
  });

  it('Traefik: web redirects permanently to websecure over https, websecure serves the decrypted HTTP', () => {
    const values = release(traefik, 'traefik').inputs.values;
    expect(values.ports.web.http.redirections.entryPoint).toEqual({
      to: 'websecure',
      scheme: 'https',
      permanent: true,
    });
    expect(values.ports.websecure.http.tls.enabled).toBe(false);
  });

  it('hands out https URLs on the domain only, never an http one', () => {
    for (const run of [nginx, traefik]) {
      expect(run.outputs.crmUrl).toBe(`https://${PUBLIC_DOMAIN}/`);
      expect(run.outputs.kibanaUrl).toBe(`https://${PUBLIC_DOMAIN}/kibana`);
      expect(run.outputs.grafanaUrl).toBe(`https://${PUBLIC_DOMAIN}/grafana`);
      // The domain's DNS record points here.
      expect(run.outputs.ingressHostname).toBe(NLB_HOSTNAME);
      const httpUrls = strings(run.outputs).filter((s) => s.includes('http://'));
      expect(httpUrls).toEqual([]);
    }
  });

  it('gives Grafana and Kibana their https public URLs', () => {
    const grafana = release(nginx, 'kube-prometheus-stack').inputs.values.grafana['grafana.ini'];
    expect(grafana.server.root_url).toBe(`https://${PUBLIC_DOMAIN}/grafana/`);
    const kibana = nginx.resources.find((r) => r.inputs.kind === 'Kibana');
    expect(kibana?.inputs.spec.config['server.publicBaseUrl']).toBe(`https://${PUBLIC_DOMAIN}/kibana`);
  });
});

describe('without TLS', () => {
  let run: ClusterRun;
  beforeAll(async () => {
    run = await runCluster(EKS_CONFIG, INFRA_STACK_OUTPUTS);
  });

  it('keeps plain HTTP on port 80 of the NLB address, as before', () => {
    const controller = release(run, 'ingress-nginx').inputs.values.controller;
    expect(controller.service.annotations).toEqual(NLB_ANNOTATIONS);
    expect(controller.service.targetPorts).toBeUndefined();
    expect(controller.containerPort).toBeUndefined();
    expect(controller.config).toBeUndefined();
    expect(run.outputs.crmUrl).toBe(`http://${NLB_HOSTNAME}/`);
  });
});

describe('infra outputs', () => {
  it('turn TLS on only with both the domain and the certificate', () => {
    expect(tlsFromInfraOutputs(undefined, undefined)).toBeUndefined();
    expect(tlsFromInfraOutputs(PUBLIC_DOMAIN, CERTIFICATE_ARN)).toEqual({
      domain: PUBLIC_DOMAIN,
      certificateArn: CERTIFICATE_ARN,
    });
  });

  it('refuse a domain without its certificate and the reverse, naming both outputs', () => {
    expect(() => tlsFromInfraOutputs(PUBLIC_DOMAIN, undefined)).toThrow(
      /publicDomain and tlsCertificateArn come together.*tlsCertificateArn=undefined/,
    );
    expect(() => tlsFromInfraOutputs(undefined, CERTIFICATE_ARN)).toThrow(/publicDomain=undefined/);
  });
});
