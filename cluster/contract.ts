/**
 * Names and labels agreed with the other layers (infra outputs, the app layer's objects). Changing
 * one here breaks a neighbour: change both sides together.
 */

/** Labels the app layer puts on the CRM API pods and Service. */
export const APP_LABELS = {
  'app.kubernetes.io/name': 'crm-app',
  'app.kubernetes.io/part-of': 'cloudops-crm',
  'app.kubernetes.io/component': 'api',
} as const;

/** What MongoDB's NetworkPolicy selects on: the app's name label, in the app namespace. */
export const APP_POD_SELECTOR = { 'app.kubernetes.io/name': APP_LABELS['app.kubernetes.io/name'] };

/** Secret in the app namespace holding the MongoDB connection string for the app layer. */
export const MONGO_APP_SECRET = { name: 'crm-mongodb-app', key: 'uri' } as const;

/** Requests of one CRM API replica; capacity planning counts them at the app's autoscaler ceiling (maxReplicas). */
export const APP_REPLICA_REQUESTS = { cpu: '100m', memory: '128Mi' } as const;

/**
 * Proxies between a client and the app pods that add to X-Forwarded-For: the ingress controller only (the NLB works
 * at layer 4 and, with the controller Service's `Local` policy, keeps the client's source address). The app layer
 * sets the server's TRUST_PROXY_HOPS to this.
 */
export const PROXY_HOPS_BEFORE_APP = 1;

/** Sub-paths on the shared load balancer; the app layer owns `/`. */
export const PATHS = { kibana: '/kibana', grafana: '/grafana' } as const;

/**
 * Kubernetes group of the identities that roll out the app: the infra layer puts the GitHub CI role and the app
 * layer's Deployments role in it through their EKS access entries (infra/components/cluster.ts).
 */
export const APP_DEPLOYERS_GROUP = 'cloudops-crm:app-deployers';

/** Outputs read from the infra stack. */
export const INFRA_OUTPUTS = {
  kubeconfig: 'kubeconfig',
  clusterName: 'clusterName',
  storageClassName: 'storageClassName',
  region: 'region',
  /** TLS on the public endpoint: the certificate's domain and ARN, both absent when TLS is off. */
  publicDomain: 'publicDomain',
  tlsCertificateArn: 'tlsCertificateArn',
} as const;
