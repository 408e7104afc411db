import { defineEnvironment, secretRef } from '#platform';
import prod from '../prod/environment.ts';

// dr is prod's warm standby, released with it in the same release order: it
// takes prod's policy (promotion gates, freeze windows, approvals, rollout,
// deletion guard, tenancy) and states only what differs.
export default defineEnvironment({
  ...prod,
  name: 'dr',
  description: 'Disaster recovery: warm standby of prod in a second region, released with prod.',
  cluster: {
    ...prod.cluster,
    name: 'dr-cn-north-1',
    apiServer: 'https://api.dr.k8s.insure.example:6443',
    region: 'cn-north-1',
    zones: ['cn-north-1a', 'cn-north-1b', 'cn-north-1c'],
  },
  ingressDomain: 'dr.insure.example',
  promotion: { ...prod.promotion, releasedWith: 'prod' },
  capacity: { ...prod.capacity, defaultReplicas: 2 },
  observability: {
    ...prod.observability,
    logSinks: [
      {
        type: 'kafka',
        brokers: [
          'kafka-0.logs.dr.insure.example:9093',
          'kafka-1.logs.dr.insure.example:9093',
          'kafka-2.logs.dr.insure.example:9093',
        ],
        topic: 'k8s-logs-dr',
        sasl: {
          mechanism: 'SCRAM-SHA-512',
          user: secretRef('log-store-kafka', 'username'),
          password: secretRef('log-store-kafka', 'password'),
        },
      },
      {
        type: 'elasticsearch',
        host: 'es.logs.dr.insure.example',
        credentials: {
          user: secretRef('log-store-elasticsearch', 'username'),
          password: secretRef('log-store-elasticsearch', 'password'),
        },
      },
    ],
    prometheus: { ...prod.observability.prometheus, url: 'https://prometheus.dr.insure.example' },
    aggregatorReplicas: 2,
  },
});
