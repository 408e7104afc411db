import { defineEnvironment } from '../../lib/spec/index.ts';

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
  },
  ingressDomain: 'uat.insure.example',
  promotion: { from: 'sit', minSoakHours: 4 },
  capacity: { defaultReplicas: 2, defaultCpu: '200m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: false },
  approvals: { required: 1, approvers: ['@insure/qa', '@insure/product-owners'] },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '12', requestsMemory: '24Gi', limitsMemory: '32Gi', pods: 80 },
    limits: { defaultRequestCpu: '100m', defaultRequestMemory: '256Mi', defaultLimitMemory: '512Mi', maxMemory: '4Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
