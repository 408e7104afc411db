import { defineEnvironment } from '../../lib/spec/index.ts';

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
  },
  ingressDomain: 'insure.example',
  promotion: { from: 'staging' },
  capacity: { defaultReplicas: 3, defaultCpu: '250m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: true },
  approvals: { required: 2, approvers: ['@insure/sre', '@insure/release-managers'] },
});
