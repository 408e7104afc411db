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
  promotion: {
    from: 'staging', releasedWith: 'prod',
    minSoakHours: 24,
    hotfixFrom: ['uat'],
    freezeWindows: [
      { name: 'weekend', reason: 'no production changes from Friday 18:00 to Monday 06:00', schedule: '0 18 * * 5', duration: '60h', timeZone: 'Asia/Shanghai' },
      { name: 'quarter-end', reason: 'quarter-end closing of premiums and reserves', schedule: '0 0 25 3,6,9,12 *', duration: '168h', timeZone: 'Asia/Shanghai' },
      { name: 'year-end-2026', reason: 'year-end peak of travel policies and payouts', start: '2026-12-24T00:00:00+08:00', end: '2027-01-04T06:00:00+08:00' },
    ],
  },
  capacity: { defaultReplicas: 2, defaultCpu: '250m', defaultMemory: '512Mi' },
  images: { allowMutableTags: false, requireDigest: true },
  approvals: { required: 2, approvers: ['@insure/sre', '@insure/release-managers'] },
  delivery: { autoSync: false },
  tenancy: {
    quota: { requestsCpu: '32', requestsMemory: '64Gi', limitsMemory: '96Gi', pods: 200 },
    limits: { defaultRequestCpu: '250m', defaultRequestMemory: '256Mi', defaultLimitMemory: '1Gi', maxMemory: '8Gi' },
    teamAccess: 'view',
    groupPrefix: 'oidc:team-',
  },
});
