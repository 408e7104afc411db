import { defineEnvironment, secretRef } from '#platform';

export default defineEnvironment({
  name: 'prod',
  description: 'Production: serves customers and partner channels.',
  cluster: {
    name: 'prod-cn-east-1',
    apiServer: 'https://api.prod.k8s.insure.example:6443',
    kubernetesVersion: '1.27',
    region: 'cn-east-1',
    zones: ['cn-east-1a', 'cn-east-1b', 'cn-east-1c'],
    ingressNamespace: 'ingress-nginx',
    openKruise: true,
    batchController: 'kruise-rollout',
  },
  ingressDomain: 'insure.example',
  promotion: {
    from: 'staging',
    minSoakHours: 24,
    hotfixFrom: ['uat'],
    freezeWindows: [
      {
        name: 'weekend',
        reason: 'no production changes from Friday 18:00 to Monday 06:00',
        schedule: '0 18 * * 5',
        duration: '60h',
        timeZone: 'Asia/Shanghai',
      },
      {
        name: 'quarter-end',
        reason: 'quarter-end closing of premiums and reserves',
        schedule: '0 0 25 3,6,9,12 *',
        duration: '168h',
        timeZone: 'Asia/Shanghai',
      },
      {
        name: 'year-end-2026',
        reason: 'year-end peak of travel policies and payouts',
        start: '2026-12-24T00:00:00+08:00',
        end: '2027-01-04T06:00:00+08:00',
      },
    ],
  },
  capacity: { defaultReplicas: 3, defaultCpu: '250m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: true, allowedRegistries: ['registry.insure.example'] },
  network: { openEgressNeedsReason: true },
  approvals: {
    required: 2,
    approvers: ['@insure/sre', '@insure/release-managers'],
    risk: {
      removed: 'high',
      'scale-to-zero': 'high',
      'disruption-budget': 'high',
      rollout: 'high',
      'pod-ip-change': 'high',
    },
  },
  deletionGuard: { maxRemovedShare: 0.1, refuseAppRemoval: true },
  rollout: {
    strategy: 'rolling',
    criticalStrategy: 'batches',
    fixedIpStrategy: 'in-place',
    maxSurgePercent: 25,
    maxUnavailablePercent: 0,
    minReadySeconds: 10,
    preStopSeconds: 15,
    drainSeconds: 20,
    batches: [{ percent: 10, manual: true }, { percent: 50, pauseSeconds: 600 }, { percent: 100 }],
    requireManualGate: true,
    minReplicasForUnavailable: 3,
  },
  observability: {
    logSinks: [
      {
        type: 'kafka',
        brokers: [
          'kafka-0.logs.prod.insure.example:9093',
          'kafka-1.logs.prod.insure.example:9093',
          'kafka-2.logs.prod.insure.example:9093',
        ],
        topic: 'k8s-logs-prod',
        sasl: {
          mechanism: 'SCRAM-SHA-512',
          user: secretRef('log-store-kafka', 'username'),
          password: secretRef('log-store-kafka', 'password'),
        },
      },
      {
        type: 'elasticsearch',
        host: 'es.logs.prod.insure.example',
        credentials: {
          user: secretRef('log-store-elasticsearch', 'username'),
          password: secretRef('log-store-elasticsearch', 'password'),
        },
      },
    ],
    images: {
      fluentBit:
        'registry.insure.example/platform/fluent-bit:3.2.10@sha256:e1fafb121c089e2b4dfb13084acfb0fe7fb7509a73be0f918ef4b890577be920',
      nodeProblemDetector:
        'registry.insure.example/platform/node-problem-detector:v0.8.20@sha256:8cebeafc57cbf906aef2f6c4419522d8e39cec730b7640b1714e7e07a1f05561',
      jdkDebug:
        'registry.insure.example/platform/jdk-debug:21.0.5@sha256:a4b80e96a0e96788b576ec9a5e0725ffcf1db582ef19cc8e0d339c772397fdf0',
    },
    prometheus: {
      namespace: 'monitoring',
      podLabels: { 'app.kubernetes.io/name': 'prometheus' },
      resourceLabels: { release: 'monitoring' },
      url: 'https://prometheus.prod.insure.example',
    },
    verification: { gatePromotions: true },
    aggregatorReplicas: 3,
    alerts: { errorRatio: 0.02, latencyP99Seconds: 0.8 },
  },
  delivery: { autoSync: false },
  tenancy: {
    quota: { requestsCpu: '32', requestsMemory: '64Gi', limitsMemory: '96Gi', pods: 200 },
    limits: { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultLimitMemory: '1Gi', maxMemory: '8Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
