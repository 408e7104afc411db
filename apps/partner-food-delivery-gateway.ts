import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'partner-food-delivery-gateway',
  team: 'partners',
  description: 'Courier accident cover and late-delivery guarantees for a food delivery platform.',
  image: 'registry.insure.example/partners/partner-food-delivery-gateway',
  runtime: 'node',
  ports: [{ name: 'http', port: 3000 }],
  health: { readiness: '/health/ready', liveness: '/health/live' },
  resources: { cpu: '250m', memory: '512Mi' },
  env: {
    PARTNER_ID: 'food-delivery',
    PARTNER_WEBHOOK_SECRET: secretRef('partner-food-delivery-gateway-partner', 'webhook-secret'),
  },
  network: { fromIngress: true, callsApps: ['policy-admin', 'claims-api'] },
});
