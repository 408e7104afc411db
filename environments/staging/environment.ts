import { defineEnvironment } from '../../lib/spec/index.ts';

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
  },
  ingressDomain: 'staging.insure.example',
  promotion: {
    from: 'uat',
    minSoakHours: 24,
    freezeWindows: [{ name: 'quarter-end', reason: 'quarter-end closing: staging mirrors the frozen prod', schedule: '0 0 25 3,6,9,12 *', duration: '168h' }],
  },
  capacity: { defaultReplicas: 2, defaultCpu: '250m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: true },
  approvals: { required: 1, approvers: ['@insure/sre', '@insure/release-managers'] },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '16', requestsMemory: '32Gi', limitsMemory: '48Gi', pods: 100 },
    limits: { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultLimitMemory: '1Gi', maxMemory: '8Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
