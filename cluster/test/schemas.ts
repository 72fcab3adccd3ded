import type { Json } from '@cloudops-crm/pulumi-testing';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { IngressClass } from 'kubernetes-models/networking.k8s.io/v1/IngressClass';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PodTemplate } from 'kubernetes-models/v1/PodTemplate';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

interface Validatable {
  validate(): void;
}

/** OpenAPI models by apiVersion/kind: Kubernetes 1.x core types and the Prometheus Operator CRDs. */
const MODELS: Record<string, new (data: Json) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/IngressClass': IngressClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/**
 * ECK resources have no published model: their embedded Kubernetes parts (pod templates, volume
 * claims) are validated with the core models instead.
 */
const ECK_KINDS = new Set([
  'elasticsearch.k8s.elastic.co/v1/Elasticsearch',
  'kibana.k8s.elastic.co/v1/Kibana',
]);

function eckParts(object: Json): Validatable[] {
  const parts: Validatable[] = [];
  const podTemplates =
    object.kind === 'Elasticsearch'
      ? object.spec.nodeSets.map((n: Json) => n.podTemplate)
      : [object.spec.podTemplate];
  for (const template of podTemplates) {
    parts.push(new PodTemplate({ metadata: { name: 'embedded' }, template }));
  }
  if (object.kind === 'Elasticsearch') {
    for (const nodeSet of object.spec.nodeSets) {
      for (const claim of nodeSet.volumeClaimTemplates ?? []) parts.push(new PersistentVolumeClaim(claim));
    }
  }
  return parts;
}

/** Throws with the model's validation errors; returns what was checked. */
export function validateObject(object: Json): string {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (Model) {
    new Model(object).validate();
    return key;
  }
  if (ECK_KINDS.has(key)) {
    for (const part of eckParts(object)) part.validate();
    return `${key} (embedded pod templates and volume claims)`;
  }
  throw new Error(`no schema model for ${key}: add one to test/schemas.ts`);
}

export const hasModel = (apiVersion: string, kind: string) =>
  `${apiVersion}/${kind}` in MODELS || ECK_KINDS.has(`${apiVersion}/${kind}`);
