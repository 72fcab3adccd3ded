import { beforeAll, describe, expect, it } from 'vitest';
// The app layer's own labels: if the layers drift apart, the NetworkPolicy check below fails.
import { appLabels as APP_LABELS } from '../../app/deploy/labels';
import { type ClusterRun, EKS_CONFIG, kubernetesObjects, release, runCluster } from './harness';

let run: ClusterRun;
beforeAll(async () => {
  run = await runCluster(EKS_CONFIG);
});

const namespaces = () => kubernetesObjects(run).filter((r) => r.inputs.kind === 'Namespace');

/** Does a NetworkPolicy peer admit a pod with these labels in a namespace with these labels? */
function admits(
  peer: {
    namespaceSelector?: { matchLabels?: Record<string, string> };
    podSelector?: { matchLabels?: Record<string, string> };
  },
  namespaceLabels: Record<string, string>,
  podLabels: Record<string, string>,
): boolean {
  const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
    Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
  return (
    matches(peer.namespaceSelector?.matchLabels, namespaceLabels) &&
    matches(peer.podSelector?.matchLabels, podLabels)
  );
}

describe('MongoDB NetworkPolicy', () => {
  const policy = () => {
    const found = kubernetesObjects(run).find((r) => r.inputs.kind === 'NetworkPolicy');
    if (!found) throw new Error('no NetworkPolicy');
    return found.inputs;
  };

  it('applies to the MongoDB pods of the release and restricts ingress', () => {
    expect(policy().metadata.namespace).toBe('database');
    expect(policy().spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'mongodb',
      'app.kubernetes.io/instance': release(run, 'mongodb').inputs.name,
    });
    expect(policy().spec.policyTypes).toEqual(['Ingress']);
  });

  it('admits the CRM app pods from the crm namespace on 27017, and nothing else', () => {
    const rules = policy().spec.ingress;
    expect(rules).toHaveLength(1);
    expect(rules[0].ports).toEqual([{ protocol: 'TCP', port: 27017 }]);
    const [peer] = rules[0].from;
    expect(rules[0].from).toHaveLength(1);
    // Both selectors in one peer: the app's pods AND the app namespace.
    expect(peer.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'crm' });

    const crmNamespace = { 'kubernetes.io/metadata.name': 'crm' };
    expect(admits(peer, crmNamespace, { ...APP_LABELS })).toBe(true);
    expect(admits(peer, crmNamespace, { 'app.kubernetes.io/name': 'other' })).toBe(false);
    expect(admits(peer, { 'kubernetes.io/metadata.name': 'monitoring' }, { ...APP_LABELS })).toBe(false);
  });
});

describe('Pod Security admission', () => {
  it('creates a namespace per concern', () => {
    expect(
      namespaces()
        .map((n) => n.inputs.metadata.name)
        .sort(),
    ).toEqual(
      ['crm', 'database', 'elastic', 'elastic-system', 'ingress-nginx', 'logging', 'monitoring'].sort(),
    );
  });

  it('enforces restricted everywhere except the Fluentd namespace, which is privileged', () => {
    for (const ns of namespaces()) {
      const labels = ns.inputs.metadata.labels;
      const expected = ns.inputs.metadata.name === 'logging' ? 'privileged' : 'restricted';
      for (const mode of ['enforce', 'audit', 'warn']) {
        expect(labels[`pod-security.kubernetes.io/${mode}`], `${ns.inputs.metadata.name} ${mode}`).toBe(
          expected,
        );
      }
    }
    expect(release(run, 'fluentd').inputs.namespace).toBe('logging');
  });

  it('keeps privileged-only features out of the restricted namespaces', () => {
    const values = release(run, 'kube-prometheus-stack').inputs.values;
    // node-exporter needs host network and host paths; Grafana's chown init container runs as root.
    expect(values.nodeExporter.enabled).toBe(false);
    expect(values.grafana.initChownData.enabled).toBe(false);
    const es = kubernetesObjects(run).find((r) => r.inputs.kind === 'Elasticsearch');
    // Without mmap, ECK needs no privileged sysctl init container.
    expect(es?.inputs.spec.nodeSets[0].config['node.store.allow_mmap']).toBe(false);
  });

  it('adds the seccomp profile the ECK operator chart leaves out', () => {
    expect(release(run, 'eck-operator').inputs.values.podSecurityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('runs the setup Job as a non-root, read-only, capability-free container', () => {
    const job = kubernetesObjects(run).find((r) => r.inputs.kind === 'Job');
    const pod = job?.inputs.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });
});
