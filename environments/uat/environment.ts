import { defineEnvironment, secretRef } from '#platform';

export default defineEnvironment({
  name: 'uat',
  description: 'User acceptance by business owners, on production-like data.',
  cluster: {
    name: 'uat-cn-east-1',
    apiServer: 'https://api.uat.k8s.insure.example:6443',
    kubernetesVersion: '1.27',
    region: 'cn-east-1',
    zones: ['cn-east-1a', 'cn-east-1b'],
    ingressNamespace: 'ingress-nginx',
    openKruise: true,
    batchController: 'kruise-rollout',
  },
  ingressDomain: 'uat.insure.example',
  promotion: { from: 'sit', minSoakHours: 4 },
  capacity: { defaultReplicas: 2, defaultCpu: '200m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: false, allowedRegistries: ['registry.insure.example'] },
  approvals: { required: 1, approvers: ['@insure/qa', '@insure/product-owners'] },
  deletionGuard: { maxRemovedShare: 0.3 },
  rollout: {
    strategy: 'rolling',
    maxSurgePercent: 25,
    maxUnavailablePercent: 0,
    minReadySeconds: 10,
    preStopSeconds: 10,
    drainSeconds: 15,
  },
  observability: {
    logSinks: [
      {
        type: 'loki',
        host: 'loki.logs.test.insure.example',
        tenant: 'uat',
        credentials: {
          user: secretRef('log-store-loki', 'username'),
          password: secretRef('log-store-loki', 'password'),
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
      url: 'https://prometheus.uat.insure.example',
    },
    verification: { gatePromotions: true },
    aggregatorReplicas: 1,
  },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '12', requestsMemory: '24Gi', limitsMemory: '32Gi', pods: 80 },
    limits: { defaultRequestCpu: '100m', defaultRequestMemory: '256Mi', defaultLimitMemory: '512Mi', maxMemory: '4Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
