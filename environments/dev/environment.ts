import { defineEnvironment } from '../../lib/spec/index.ts';

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
  },
  ingressDomain: 'dev.insure.example',
  promotion: {},
  capacity: { defaultReplicas: 1, defaultCpu: '100m', defaultMemory: '256Mi' },
  images: { allowMutableTags: true, requireDigest: false },
  approvals: { required: 1, approvers: ['@insure/developers'] },
  delivery: { autoSync: true },
  tenancy: {
    quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsMemory: '24Gi', pods: 60 },
    limits: { defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', defaultLimitMemory: '512Mi', maxMemory: '4Gi' },
    teamAccess: 'edit',
    groupPrefix: 'oidc:team-',
  },
});
