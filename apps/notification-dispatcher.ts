import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'notification-dispatcher',
  team: 'notifications',
  description: 'Sends policy documents, claim updates and payment receipts by e-mail, SMS and push.',
  image: 'registry.insure.example/notifications/notification-dispatcher',
  runtime: 'node',
  ports: [{ name: 'http', port: 3000 }],
  health: { readiness: '/ready', liveness: '/live' },
  resources: { cpu: '200m', memory: '384Mi' },
  env: {
    SMTP_HOST: 'smtp.mail.insure.example',
    SMS_PROVIDER_TOKEN: secretRef('notification-providers', 'sms-token'),
    PUSH_API_KEY: secretRef('notification-providers', 'push-key'),
  },
  logs: { dir: '/var/log/app', multiline: { startPattern: String.raw`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}` } },
  metrics: { port: 'http' },
  network: {
    allowFrom: ['policy-admin', 'claims-api', 'policy-renewal-batch'],
    callsApps: ['customer-accounts'],
    egress: ['198.51.100.0/24:587', '198.51.100.0/24:443'],
  },
});
