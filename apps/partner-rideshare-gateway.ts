import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'partner-rideshare-gateway',
  team: 'partners',
  description: 'Trip insurance for a ride-sharing platform: per-trip cover and in-app claims.',
  image: 'registry.insure.example/partners/partner-rideshare-gateway',
  runtime: 'node',
  ports: [{ name: 'http', port: 3000 }],
  health: { readiness: '/health/ready', liveness: '/health/live' },
  resources: { cpu: '300m', memory: '512Mi' },
  env: {
    PARTNER_ID: 'rideshare',
    PARTNER_WEBHOOK_SECRET: secretRef('partner-rideshare-gateway-partner', 'webhook-secret'),
  },
  rollout: { fixedIp: true },
  network: { fromIngress: true, callsApps: ['policy-admin', 'claims-api'] },
  overrides: { prod: { replicas: 4 }, dr: { replicas: 3 } },
});
