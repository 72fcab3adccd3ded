import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

export const OBSERVABILITY_DIR = __dirname;

export interface ObservabilityContentArgs {
  /** Folder holding dashboards/*.json and rules/*.yaml. */
  dir: string;
  /** Namespace for the ConfigMaps and PrometheusRules (Grafana and Prometheus read every namespace). */
  namespace: pulumi.Input<string>;
  dashboardLabel: string;
  /** The Prometheus Operator CRDs must exist before PrometheusRules can be created. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

const kubernetesName = (file: string) =>
  path
    .basename(file, path.extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');

function filesIn(dir: string, extensions: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => extensions.includes(path.extname(file)))
    .sort()
    .map((file) => path.join(dir, file));
}

/**
 * Turns files into cluster objects: each dashboards/<name>.json becomes a ConfigMap the Grafana
 * sidecar loads, each rules/<name>.yaml (a Prometheus rule file: `groups:`) a PrometheusRule.
 * Adding a dashboard or an alert is adding a file.
 */
export class ObservabilityContent extends pulumi.ComponentResource {
  readonly dashboards: k8s.core.v1.ConfigMap[];
  readonly rules: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: ObservabilityContentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:ObservabilityContent', name, {}, opts);

    const labels = { 'app.kubernetes.io/part-of': 'cloudops-crm' };

    this.dashboards = filesIn(path.join(args.dir, 'dashboards'), ['.json']).map((file) => {
      const json = fs.readFileSync(file, 'utf8');
      JSON.parse(json); // a broken dashboard fails the deployment, not Grafana at runtime
      const id = kubernetesName(file);
      return new k8s.core.v1.ConfigMap(
        `${name}-dashboard-${id}`,
        {
          metadata: {
            name: `dashboard-${id}`,
            namespace: args.namespace,
            labels: { ...labels, [args.dashboardLabel]: '1' },
          },
          data: { [path.basename(file)]: json },
        },
        { parent: this },
      );
    });

    this.rules = filesIn(path.join(args.dir, 'rules'), ['.yaml', '.yml']).map((file) => {
      const content = parse(fs.readFileSync(file, 'utf8')) as { groups?: unknown };
      if (!content || !Array.isArray(content.groups)) {
        throw new Error(`${file}: a rule file must have a top-level 'groups' list`);
      }
      const id = kubernetesName(file);
      return new k8s.apiextensions.CustomResource(
        `${name}-rules-${id}`,
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: id, namespace: args.namespace, labels },
          spec: { groups: content.groups },
        },
        { parent: this, dependsOn: args.dependsOn },
      );
    });

    this.registerOutputs({});
  }
}
