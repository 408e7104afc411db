import { defineApp } from '#platform';

export default defineApp({
  name: 'underwriting-engine',
  team: 'underwriting',
  description: 'Risk scoring and underwriting rules for new business and renewals.',
  image: 'registry.insure.example/underwriting/underwriting-engine',
  runtime: 'spring-boot',
  ports: [{ name: 'http', port: 8080 }],
  health: { readiness: '/actuator/health/readiness', liveness: '/actuator/health/liveness', startupSeconds: 240 },
  resources: { cpu: '1', memory: '3Gi', memoryLimit: '3Gi' },
  autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 65 },
  config: { 'rules.properties': 'rules.engine=drools\nrules.cache.ttl=300\n' },
  network: { allowFrom: ['policy-admin', 'quote-api'] },
  overrides: {
    dev: { autoscaling: false, replicas: 1, resources: { cpu: '250m', memory: '1536Mi', memoryLimit: '1536Mi' } },
    sit: { autoscaling: false, replicas: 1, resources: { cpu: '250m', memory: '1536Mi', memoryLimit: '1536Mi' } },
    prod: { autoscaling: { minReplicas: 4, maxReplicas: 16, cpuUtilization: 65 } },
  },
});
