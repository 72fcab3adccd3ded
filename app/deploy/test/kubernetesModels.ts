import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

/** Schema validators for every Kubernetes kind the app layer creates, keyed by Pulumi resource type. */
export const validators: Record<string, (object: any) => void> = {
  'kubernetes:apps/v1:Deployment': (object) => new Deployment(object).validate(),
  'kubernetes:core/v1:Service': (object) => new Service(object).validate(),
  'kubernetes:core/v1:Secret': (object) => new Secret(object).validate(),
  'kubernetes:networking.k8s.io/v1:Ingress': (object) => new Ingress(object).validate(),
  'kubernetes:policy/v1:PodDisruptionBudget': (object) => new PodDisruptionBudget(object).validate(),
  'kubernetes:autoscaling/v2:HorizontalPodAutoscaler': (object) =>
    new HorizontalPodAutoscaler(object).validate(),
  'kubernetes:monitoring.coreos.com/v1:ServiceMonitor': (object) => new ServiceMonitor(object).validate(),
};
