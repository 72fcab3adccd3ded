// The cluster layer's NetworkPolicy and Prometheus selection match on exactly these labels.
export const appLabels = {
  'app.kubernetes.io/name': 'crm-app',
  'app.kubernetes.io/part-of': 'cloudops-crm',
  'app.kubernetes.io/component': 'api',
} as const;

export const appName = 'crm-app';
export const containerPort = 5000;
export const portName = 'http';
export const servicePort = 80;
