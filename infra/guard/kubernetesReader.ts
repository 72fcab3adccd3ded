import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { promisify } from 'node:util';

/** The fields of Kubernetes objects the destroy guard looks at. */
export interface KubeObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    type?: string;
    claimRef?: { namespace?: string; name?: string };
    csi?: { driver?: string; volumeHandle?: string };
    awsElasticBlockStore?: { volumeID?: string };
  };
}

/** Read-only access to the cluster: GET a list path of the API server. */
export interface ClusterReader {
  list(path: string): Promise<{ items: KubeObject[] }>;
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users?: {
    name: string;
    user: {
      token?: string;
      exec?: { command: string; args?: string[]; env?: { name: string; value: string }[] | null };
    };
  }[];
}

const run = promisify(execFile);

/**
 * A reader for the cluster the infra stack's kubeconfig (JSON, as @pulumi/eks writes it) names, authenticated the
 * way kubectl would: a static token, or the exec plugin's token (`aws eks get-token`). Plain node:https on purpose:
 * a hook needs three GETs, not a client library this layer does not otherwise use.
 */
export async function kubeconfigReader(kubeconfigText: string): Promise<ClusterReader> {
  const kubeconfig = JSON.parse(kubeconfigText) as Kubeconfig;
  const context =
    kubeconfig.contexts?.find((c) => c.name === kubeconfig['current-context'])?.context ??
    kubeconfig.contexts?.[0]?.context;
  const cluster = (kubeconfig.clusters?.find((c) => c.name === context?.cluster) ?? kubeconfig.clusters?.[0])
    ?.cluster;
  const user = (kubeconfig.users?.find((u) => u.name === context?.user) ?? kubeconfig.users?.[0])?.user;
  if (!cluster?.server || !user) throw new Error('the kubeconfig names no cluster server or user');

  let token = user.token;
  if (!token && user.exec) {
    const env = { ...process.env };
    for (const { name, value } of user.exec.env ?? []) env[name] = value;
    const { stdout } = await run(user.exec.command, user.exec.args ?? [], { env, timeout: 60_000 });
    token = (JSON.parse(stdout) as { status?: { token?: string } }).status?.token;
  }
  if (!token)
    throw new Error('the kubeconfig gives no token (neither a token nor an exec plugin that prints one)');

  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64')
    : undefined;
  const server = cluster.server.replace(/\/+$/, '');
  return {
    list: (path) =>
      new Promise((resolve, reject) => {
        const req = request(
          `${server}${path}`,
          { method: 'GET', ca, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              body += chunk;
            });
            res.on('end', () => {
              if (res.statusCode !== 200) {
                reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${body.slice(0, 200)}`));
                return;
              }
              resolve(JSON.parse(body) as { items: KubeObject[] });
            });
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path}: no answer within 30 s`)));
        req.on('error', reject);
        req.end();
      }),
  };
}
