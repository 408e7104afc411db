import { defineEnvironment } from '../../lib/spec/index.ts';

export default defineEnvironment({
  name: 'dr',
  description: 'Disaster recovery: warm standby of prod in a second region, released with prod.',
  cluster: {
    name: 'dr-cn-north-1',
    apiServer: 'https://api.dr.k8s.insure.example:6443',
    kubernetesVersion: '1.27',
    region: 'cn-north-1',
    zones: ['cn-north-1a', 'cn-north-1b', 'cn-north-1c'],
    ingressNamespace: 'ingress-nginx',
  },
  ingressDomain: 'dr.insure.example',
  promotion: { from: 'staging', releasedWith: 'prod' },
  capacity: { defaultReplicas: 2, defaultCpu: '250m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: true },
  approvals: { required: 2, approvers: ['@insure/sre', '@insure/release-managers'] },
});
