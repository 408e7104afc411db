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
  deletionGuard: { maxRemovedShare: 0.3 },
});
