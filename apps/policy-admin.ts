import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'policy-admin',
  team: 'policy',
  description: 'Policy administration: issues, endorses and cancels policies.',
  image: 'registry.insure.example/policy/policy-admin',
  runtime: 'spring-boot',
  ports: [{ name: 'http', port: 8080 }],
  health: { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness', startupSeconds: 180 },
  resources: { cpu: '500m', memory: '1Gi' },
  env: {
    SPRING_PROFILES_ACTIVE: 'kubernetes',
    DB_URL: 'jdbc:postgresql://policy-db.policy.svc:5432/policy',
    DB_PASSWORD: secretRef('policy-admin-db', 'password'),
  },
  config: {
    'application-kubernetes.yaml': 'policy:\n  numbering:\n    prefix: POL\n  issuance:\n    max-batch: 200\n',
  },
  rollout: { critical: true },
  logs: { dir: '/home/admin/logs', include: ['*.log', 'audit/*.log'], multiline: 'java', sizeLimit: '2Gi' },
  metrics: { port: 'http', alerts: { latencyP99Seconds: 2 } },
  network: {
    allowFrom: [
      'partner-rideshare-gateway',
      'partner-food-delivery-gateway',
      'partner-travel-gateway',
      'partner-phone-store-gateway',
      'quote-api',
      'policy-renewal-batch',
    ],
    callsApps: ['underwriting-engine', 'payments-gateway', 'notification-dispatcher'],
    egress: ['10.40.0.0/16:5432'],
  },
  overrides: {
    prod: { replicas: 4, resources: { cpu: '1', memory: '2Gi' } },
    dr: { replicas: 3, resources: { cpu: '1', memory: '2Gi' } },
  },
});
