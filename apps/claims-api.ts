import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'claims-api',
  team: 'claims',
  description: 'First notice of loss and claim status for customers and partners.',
  image: 'registry.insure.example/claims/claims-api',
  runtime: 'spring-boot',
  ports: [{ name: 'http', port: 8080 }],
  health: { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness' },
  resources: { cpu: '500m', memory: '1536Mi' },
  autoscaling: { minReplicas: 2, maxReplicas: 8 },
  env: {
    SPRING_PROFILES_ACTIVE: 'kubernetes',
    DOCUMENT_BUCKET: 'claims-documents',
    DB_PASSWORD: secretRef('claims-api-db', 'password'),
  },
  logs: { dir: '/home/admin/logs', multiline: 'java' },
  metrics: { port: 'http' },
  network: {
    fromIngress: true,
    allowFrom: ['partner-rideshare-gateway', 'partner-food-delivery-gateway', 'partner-travel-gateway'],
    callsApps: ['policy-admin', 'notification-dispatcher'],
    egress: ['10.40.0.0/16:5432'],
  },
  overrides: {
    dev: { autoscaling: false, replicas: 1 },
    prod: { autoscaling: { minReplicas: 4, maxReplicas: 20 }, alerts: { latencyP99Seconds: 1.5 } },
  },
});
