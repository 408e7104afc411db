import { defineApp } from '#platform';

export default defineApp({
  name: 'quote-api',
  team: 'pricing',
  description: 'Real-time premium quotes for the web shop and partner channels.',
  image: 'registry.insure.example/pricing/quote-api',
  runtime: 'node',
  ports: [{ name: 'http', port: 3000 }],
  health: { readiness: '/ready' },
  resources: { cpu: '500m', memory: '512Mi', cpuLimit: '2' },
  autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 60 },
  metrics: { port: 'http', alerts: { latencyP99Seconds: 0.3 } },
  network: {
    fromIngress: true,
    allowFrom: ['partner-travel-gateway', 'partner-phone-store-gateway'],
    callsApps: ['underwriting-engine', 'policy-admin', 'customer-accounts'],
  },
  overrides: { dev: { autoscaling: false, replicas: 1 }, sit: { autoscaling: false, replicas: 1 } },
});
