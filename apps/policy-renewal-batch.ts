import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'policy-renewal-batch',
  team: 'policy',
  description: 'Nightly renewal run: re-rates expiring policies and sends renewal offers.',
  image: 'registry.insure.example/policy/policy-renewal-batch',
  kind: 'cronjob',
  runtime: 'spring-boot',
  schedule: '30 1 * * *',
  resources: { cpu: '500m', memory: '1Gi' },
  env: { RENEWAL_WINDOW_DAYS: '30', DB_PASSWORD: secretRef('policy-admin-db', 'password') },
  network: { callsApps: ['policy-admin', 'notification-dispatcher'], egress: ['10.40.0.0/16:5432'] },
  overrides: { dev: { schedule: '*/30 * * * *' } },
});
