import { defineEnvironment } from '#platform';

export default defineEnvironment({
  name: 'dev',
  description: 'Integration of every merged change; fed by application builds.',
  cluster: {
    name: 'dev-cn-east-1',
    apiServer: 'https://api.dev.k8s.insure.example:6443',
    kubernetesVersion: '1.27',
    region: 'cn-east-1',
    zones: ['cn-east-1a'],
    ingressNamespace: 'ingress-nginx',
    openKruise: true,
    batchController: 'kruise-rollout',
  },
  ingressDomain: 'dev.insure.example',
  promotion: {},
  capacity: { defaultReplicas: 1, defaultCpu: '100m', defaultMemory: '256Mi' },
  images: { allowMutableTags: true, requireDigest: false, allowedRegistries: ['registry.insure.example'] },
  approvals: { required: 1, approvers: ['@insure/developers'], risk: { image: 'low', config: 'low' } },
  deletionGuard: { maxRemovedShare: 0.5 },
  rollout: {
    // Fast rolling: surge a full set, allow a quarter of the pods away, no waits between pods.
    maxSurgePercent: 100,
    maxUnavailablePercent: 25,
    minReadySeconds: 0,
    preStopSeconds: 5,
    drainSeconds: 5,
  },
  observability: {
    // dev has no log store: the aggregator prints every record (kubectl -n logging logs deploy/log-aggregator).
    logSinks: [{ type: 'stdout' }],
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
      url: 'https://prometheus.dev.insure.example',
    },
    aggregatorReplicas: 1,
    alerts: { restartsPerHour: 10, notReadyMinutes: 30 },
  },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsMemory: '24Gi', pods: 60 },
    limits: { defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitMemory: '512Mi', maxMemory: '4Gi' },
    teamAccess: 'edit',
    groupPrefix: 'oidc:team-',
  },
});
