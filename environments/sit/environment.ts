import { defineEnvironment } from '../../lib/spec/index.ts';

export default defineEnvironment({
  name: 'sit',
  description: 'System integration tests across services and partner sandboxes.',
  cluster: {
    name: 'sit-cn-east-1',
    apiServer: 'https://api.sit.k8s.insure.example:6443',
    kubernetesVersion: '1.27',
    region: 'cn-east-1',
    zones: ['cn-east-1a'],
    ingressNamespace: 'ingress-nginx',
  },
  ingressDomain: 'sit.insure.example',
  promotion: { from: 'dev', minSoakHours: 1 },
  capacity: { defaultReplicas: 1, defaultCpu: '100m', defaultMemory: '256Mi' },
  images: { allowMutableTags: false, requireDigest: false },
  approvals: { required: 1, approvers: ['@insure/qa'] },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsMemory: '24Gi', pods: 60 },
    limits: { defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitMemory: '512Mi', maxMemory: '4Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
