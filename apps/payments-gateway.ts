import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'payments-gateway',
  team: 'payments',
  description: 'Premium collection and claim payouts through the payment service providers.',
  image: 'registry.insure.example/payments/payments-gateway',
  runtime: 'spring-boot',
  ports: [
    { name: 'http', port: 8080 },
    { name: 'management', port: 8081 },
  ],
  health: { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness', port: 'management' },
  resources: { cpu: '1', memory: '2Gi' },
  replicas: 3,
  env: {
    SPRING_PROFILES_ACTIVE: 'kubernetes',
    PSP_BASE_URL: 'https://psp.partner.example/v2',
    PSP_API_KEY: secretRef('payments-psp', 'api-key'),
    DB_PASSWORD: secretRef('payments-db', 'password'),
  },
  rollout: { critical: true, drainSeconds: 30 },
  logs: { dir: '/opt/payments/logs', multiline: 'java', sizeLimit: '4Gi' },
  metrics: { port: 'management', alerts: { errorRatio: 0.01 } },
  network: { allowFrom: ['policy-admin', 'claims-api'], egress: ['203.0.113.0/24:443', '10.40.0.0/16:5432'] },
  overrides: { dev: { replicas: 1 }, sit: { replicas: 1 }, prod: { replicas: 6 }, dr: { replicas: 3 } },
});
