import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'customer-accounts',
  team: 'customer',
  description: 'Customer profiles, login identities and consent records.',
  image: 'registry.insure.example/customer/customer-accounts',
  runtime: 'node',
  ports: [{ name: 'http', port: 3000 }],
  health: { readiness: '/healthz/ready', liveness: '/healthz/live' },
  resources: { cpu: '250m', memory: '512Mi' },
  env: {
    NODE_ENV: 'production',
    SESSION_SIGNING_KEY: secretRef('customer-accounts-session', 'signing-key'),
  },
  network: { fromIngress: true, allowFrom: ['quote-api', 'notification-dispatcher'], egress: ['10.40.0.0/16:5432'] },
});
