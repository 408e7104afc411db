import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'partner-travel-gateway',
  team: 'partners',
  description: 'Travel insurance sold at checkout of online travel agencies.',
  image: 'registry.insure.example/partners/partner-travel-gateway',
  runtime: 'spring-boot',
  ports: [{ name: 'http', port: 8080 }],
  health: { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness' },
  resources: { cpu: '500m', memory: '1Gi' },
  env: {
    PARTNER_ID: 'travel',
    PARTNER_WEBHOOK_SECRET: secretRef('partner-travel-gateway-partner', 'webhook-secret'),
  },
  rollout: { fixedIp: true },
  network: { fromIngress: true, callsApps: ['policy-admin', 'claims-api', 'quote-api'] },
  overrides: { dr: { replicas: 3 } },
});
