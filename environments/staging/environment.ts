import { defineEnvironment, secretRef } from '#platform';

export default defineEnvironment({
  name: 'staging',
  description: 'Production rehearsal: same topology and policy as prod.',
  cluster: {
    name: 'staging-cn-east-1',
    apiServer: 'https://api.staging.k8s.insure.example:6443',
    kubernetesVersion: '1.27',
    region: 'cn-east-1',
    zones: ['cn-east-1a', 'cn-east-1b', 'cn-east-1c'],
    ingressNamespace: 'ingress-nginx',
    openKruise: true,
    batchController: 'kruise-rollout',
  },
  ingressDomain: 'staging.insure.example',
  promotion: {
    from: 'uat',
    minSoakHours: 24,
    freezeWindows: [
      {
        name: 'quarter-end',
        reason: 'quarter-end closing: staging mirrors the frozen prod',
        schedule: '0 0 25 3,6,9,12 *',
        duration: '168h',
      },
    ],
  },
  capacity: { defaultReplicas: 2, defaultCpu: '250m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: true, allowedRegistries: ['registry.insure.example'] },
  approvals: { required: 1, approvers: ['@insure/sre', '@insure/release-managers'] },
  deletionGuard: { maxRemovedShare: 0.3 },
  rollout: {
    strategy: 'rolling',
    maxSurgePercent: 25,
    maxUnavailablePercent: 0,
    minReadySeconds: 10,
    preStopSeconds: 15,
    drainSeconds: 20,
    minReplicasForUnavailable: 3,
  },
  observability: {
    logSinks: [
      {
        type: 'elasticsearch',
        host: 'es.logs.staging.insure.example',
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
      url: 'https://prometheus.staging.insure.example',
    },
    verification: { gatePromotions: true },
    aggregatorReplicas: 2,
  },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '16', requestsMemory: '32Gi', limitsMemory: '48Gi', pods: 100 },
    limits: { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultLimitMemory: '1Gi', maxMemory: '8Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
