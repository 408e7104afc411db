import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'partner-phone-store-gateway',
  team: 'partners',
  description: 'Screen and theft cover sold in the online storefront of a phone maker.',
  image: 'registry.insure.example/partners/partner-phone-store-gateway',
  runtime: 'node',
  ports: [{ name: 'http', port: 3000 }],
  health: { readiness: '/health/ready', liveness: '/health/live' },
  resources: { cpu: '200m', memory: '384Mi' },
  env: {
    PARTNER_ID: 'phone-store',
    PARTNER_WEBHOOK_SECRET: secretRef('partner-phone-store-gateway-partner', 'webhook-secret'),
  },
  network: { fromIngress: true, callsApps: ['policy-admin', 'quote-api'] },
});
