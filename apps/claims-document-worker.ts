import { defineApp, secretRef } from '#platform';

export default defineApp({
  name: 'claims-document-worker',
  team: 'claims',
  description: 'Classifies and stores claim documents taken from the upload queue.',
  image: 'registry.insure.example/claims/claims-document-worker',
  kind: 'worker',
  runtime: 'node',
  ports: [{ name: 'metrics', port: 9464 }],
  metrics: { port: 'metrics' },
  resources: { cpu: '250m', memory: '768Mi' },
  replicas: 2,
  env: {
    QUEUE_URL: 'amqp://claims-mq.claims.svc:5672',
    QUEUE_PASSWORD: secretRef('claims-mq', 'password'),
    OCR_CONCURRENCY: '4',
  },
  network: { callsApps: ['claims-api'], egress: ['10.40.0.0/16:5672'] },
  overrides: { dev: { replicas: 1 }, prod: { replicas: 4 } },
});
