/**
 * The validator's corpus: one realistic mistake per case, each a hand edit of
 * a rendered prod manifest (or a raw YAML file), with the rule id and the
 * message `validate` must report for it.
 */

/** One bad input and what `validate` must say about it. */
export interface CorpusCase {
  /** What the mistake is. */
  readonly name: string;
  /** The manifest file under `manifests/` the edit applies to. */
  readonly file: string;
  /** The edit, on the file's parsed objects (documents may be replaced, added or removed). */
  readonly edit: (objects: any[]) => void;
  /** The rule id `validate` must report. */
  readonly rule: string;
  /** The message it must report, exactly. */
  readonly message: string;
  /** `apiVersion/kind/namespace/name` of the object at fault. */
  readonly object: string;
}

const API = 'prod/apps/claims-api.yaml';
const WORKER = 'prod/apps/claims-document-worker.yaml';
const BATCH = 'prod/apps/policy-renewal-batch.yaml';
const CLONESET = 'prod/apps/partner-rideshare-gateway.yaml';
const PLATFORM = 'prod/platform/logging.yaml';

const DEP = 'apps/v1/Deployment/claims/claims-api';
const SVC = 'v1/Service/claims/claims-api';

const find = (objects: any[], kind: string, name?: string): any => {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`the corpus base has no ${kind} ${name ?? ''}`);
  return o;
};
const dep = (objects: any[]): any => find(objects, 'Deployment');
const pod = (objects: any[]): any => dep(objects).spec.template.spec;
const app = (objects: any[]): any => pod(objects).containers[0];
const svc = (objects: any[]): any => find(objects, 'Service');

/** The cases, grouped by rule family. */
export const CASES: readonly CorpusCase[] = [
  // Secrets by content (rule no-secret-content, whose content rules live in lib/spec/secrets.ts).
  {
    name: 'an AWS access key written into a ConfigMap by hand',
    file: API,
    edit: (o) =>
      (find(o, 'ConfigMap', 'claims-api-log-collector').data['aws.properties'] =
        'aws.accessKeyId=AKIAZ7QF3LM2XK9PW4TD\n'),
    rule: 'no-secret-content',
    message: "entry 'aws.properties' holds an AWS access key id",
    object: 'v1/ConfigMap/claims/claims-api-log-collector',
  },
  // Strict schemas: unknown fields of core and custom kinds.
  {
    name: 'unknown field in a container security context',
    file: API,
    edit: (o) => (app(o).securityContext.runAsNonroot = true),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/securityContext/runAsNonroot is not a field of apps/v1/Deployment',
    object: DEP,
  },
  {
    name: 'misplaced replicas under the template',
    file: API,
    edit: (o) => (dep(o).spec.template.replicas = 3),
    rule: 'schema',
    message: '/spec/template/replicas is not a field of apps/v1/Deployment',
    object: DEP,
  },
  {
    name: 'unknown top-level field',
    file: API,
    edit: (o) => (svc(o).status2 = {}),
    rule: 'schema',
    message: '/status2 is not a field of v1/Service',
    object: SVC,
  },
  {
    name: 'unknown metadata field',
    file: API,
    edit: (o) => (svc(o).metadata.label = { a: 'b' }),
    rule: 'schema',
    message: '/metadata/label is not a field of v1/Service',
    object: SVC,
  },
  {
    name: 'unknown field in a ServiceMonitor endpoint',
    file: API,
    edit: (o) => (find(o, 'ServiceMonitor').spec.endpoints[0].scrapeEvery = '30s'),
    rule: 'schema',
    message: '/spec/endpoints/0/scrapeEvery is not a field of monitoring.coreos.com/v1/ServiceMonitor',
    object: 'monitoring.coreos.com/v1/ServiceMonitor/claims/claims-api',
  },
  {
    name: 'unknown field in a PrometheusRule rule',
    file: API,
    edit: (o) => (find(o, 'PrometheusRule').spec.groups[0].rules[0].severity = 'page'),
    rule: 'schema',
    message: '/spec/groups/0/rules/0/severity is not a field of monitoring.coreos.com/v1/PrometheusRule',
    object: 'monitoring.coreos.com/v1/PrometheusRule/claims/claims-api',
  },
  {
    name: 'unknown field in a CloneSet pod template',
    file: CLONESET,
    edit: (o) => (find(o, 'CloneSet').spec.template.spec.containers[0].imagePolicy = 'Always'),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/imagePolicy is not a field of apps.kruise.io/v1alpha1/CloneSet',
    object: 'apps.kruise.io/v1alpha1/CloneSet/partners/partner-rideshare-gateway',
  },
  {
    name: 'unknown field in an HPA',
    file: API,
    edit: (o) => (find(o, 'HorizontalPodAutoscaler').spec.targetCPU = 80),
    rule: 'schema',
    message: '/spec/targetCPU is not a field of autoscaling/v2/HorizontalPodAutoscaler',
    object: 'autoscaling/v2/HorizontalPodAutoscaler/claims/claims-api',
  },
  {
    name: 'a wrongly typed field',
    file: API,
    edit: (o) => (app(o).ports[0].containerPort = '8080'),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/ports/0/containerPort must be integer',
    object: DEP,
  },
  {
    name: 'an unregistered kind',
    file: API,
    edit: (o) => o.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'claims' } }),
    rule: 'schema',
    message: 'no schema is registered for example.com/v1/Widget; register its model in lib/validate/schema.ts',
    object: 'example.com/v1/Widget/claims/w',
  },
  {
    name: 'generateName instead of a name',
    file: API,
    edit: (o) => o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-', namespace: 'claims' } }),
    rule: 'schema',
    message:
      'ConfigMap has generateName but no metadata.name:' +
      ' objects applied from git need a fixed name, or every sync creates another',
    object: 'document 12',
  },

  // Malformed objects: reported, never thrown.
  {
    name: 'a null container',
    file: API,
    edit: (o) => (pod(o).containers = [null]),
    rule: 'schema',
    message: '/spec/template/spec/containers/0 must be object',
    object: DEP,
  },
  {
    name: 'containers given as a map',
    file: API,
    edit: (o) => (pod(o).containers = { app: app(o) }),
    rule: 'schema',
    message: '/spec/template/spec/containers must be array',
    object: DEP,
  },
  {
    name: 'an image given as a number',
    file: API,
    edit: (o) => (app(o).image = 123),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/image must be string',
    object: DEP,
  },
  {
    name: 'a null volume',
    file: API,
    edit: (o) => (pod(o).volumes = [null]),
    rule: 'schema',
    message: '/spec/template/spec/volumes/0 must be object',
    object: DEP,
  },
  {
    name: 'env given as a string',
    file: API,
    edit: (o) => (app(o).env = 'x'),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/env must be array',
    object: DEP,
  },
  {
    name: 'a null env entry',
    file: API,
    edit: (o) => (app(o).env = [null]),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/env/0 must be object',
    object: DEP,
  },
  {
    name: 'a preStop command given as a string',
    file: API,
    edit: (o) => (app(o).lifecycle.preStop.exec.command = 'sleep 15'),
    rule: 'schema',
    message: '/spec/template/spec/containers/0/lifecycle/preStop/exec/command must be array',
    object: DEP,
  },
  {
    name: 'a document that is a bare string',
    file: API,
    edit: (o) => o.push('claims-api'),
    rule: 'schema',
    message: 'document is "claims-api", not a Kubernetes object (apiVersion, kind, metadata.name)',
    object: 'document 12',
  },
  {
    name: 'a spec given as a list',
    file: API,
    edit: (o) => (find(o, 'PodDisruptionBudget').spec = []),
    rule: 'schema',
    message: '/spec must be object',
    object: 'policy/v1/PodDisruptionBudget/claims/claims-api',
  },

  // API-server semantics.
  {
    name: 'a selector that does not match its template',
    file: API,
    edit: (o) => (dep(o).spec.selector.matchLabels['app.kubernetes.io/name'] = 'claims'),
    rule: 'api-selector',
    message: 'spec.selector requires app.kubernetes.io/name=claims, which the pod template labels do not carry',
    object: DEP,
  },
  {
    name: 'an empty selector',
    file: API,
    edit: (o) => (dep(o).spec.selector = {}),
    rule: 'api-selector',
    message: 'spec.selector is missing or empty',
    object: DEP,
  },
  {
    name: 'restartPolicy Never on a Deployment',
    file: API,
    edit: (o) => (pod(o).restartPolicy = 'Never'),
    rule: 'api-restart-policy',
    message: 'restartPolicy "Never" on a Deployment; the API server accepts only Always',
    object: DEP,
  },
  {
    name: 'restartPolicy Always on a CronJob',
    file: BATCH,
    edit: (o) => (find(o, 'CronJob').spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'),
    rule: 'api-restart-policy',
    message: 'restartPolicy "Always" on a CronJob; the API server accepts only Never or OnFailure',
    object: 'batch/v1/CronJob/policy/policy-renewal-batch',
  },
  {
    name: 'a container port above 65535',
    file: API,
    edit: (o) => (app(o).ports[0].containerPort = 80800),
    rule: 'api-ports',
    message: "container 'claims-api' containerPort 80800 is outside 1–65535",
    object: DEP,
  },
  {
    name: 'a Service port of 0',
    file: API,
    edit: (o) => (svc(o).spec.ports[0].port = 0),
    rule: 'api-ports',
    message: 'Service port 0 is outside 1–65535',
    object: SVC,
  },
  {
    name: 'a port name longer than 15 characters',
    file: API,
    edit: (o) => (app(o).ports[0].name = 'http-application'),
    rule: 'api-ports',
    message: "container 'claims-api' port name 'http-application' is invalid",
    object: DEP,
  },
  {
    name: 'a nodePort outside the node port range',
    file: API,
    edit: (o) => (svc(o).spec.ports[0].nodePort = 8080),
    rule: 'api-ports',
    message: 'Service nodePort 8080 is outside the node port range 30000–32767',
    object: SVC,
  },
  {
    name: 'a name over 63 characters',
    file: API,
    edit: (o) => (svc(o).metadata.name = `claims-api-${'x'.repeat(60)}`),
    rule: 'api-name',
    message: `name 'claims-api-${'x'.repeat(60)}' is 71 characters long; a Service name has at most 63`,
    object: `v1/Service/claims/claims-api-${'x'.repeat(60)}`,
  },
  {
    name: 'an upper-case name',
    file: API,
    edit: (o) => (find(o, 'ConfigMap').metadata.name = 'Claims_Log'),
    rule: 'api-name',
    message:
      "name 'Claims_Log' must be a DNS-1123 subdomain:" +
      ' lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    object: 'v1/ConfigMap/claims/Claims_Log',
  },
  {
    name: 'a CronJob name over 52 characters',
    file: BATCH,
    edit: (o) => (find(o, 'CronJob').metadata.name = 'r'.repeat(53)),
    rule: 'api-name',
    message: `name '${'r'.repeat(53)}' is 53 characters long; a CronJob name has at most 52`,
    object: `batch/v1/CronJob/policy/${'r'.repeat(53)}`,
  },
  {
    name: 'two containers of the same name',
    file: API,
    edit: (o) => (pod(o).containers[1].name = 'claims-api'),
    rule: 'api-name',
    message: "container name 'claims-api' is used twice in the pod",
    object: DEP,
  },
  {
    name: 'a mount of an undefined volume',
    file: API,
    edit: (o) => (app(o).volumeMounts[0].name = 'scratch'),
    rule: 'api-name',
    message: "container 'claims-api' mounts volume 'scratch', which the pod does not define",
    object: DEP,
  },
  {
    name: 'a label value with spaces',
    file: API,
    edit: (o) => (svc(o).metadata.labels['app.kubernetes.io/part-of'] = 'claims team'),
    rule: 'api-labels',
    message:
      'metadata.labels \'app.kubernetes.io/part-of\' value "claims team"' +
      " may hold only letters, digits, '-', '_' and '.', starting and ending alphanumeric",
    object: SVC,
  },
  {
    name: 'a label value over 63 characters',
    file: API,
    edit: (o) => (svc(o).metadata.labels['app.kubernetes.io/version'] = '1'.repeat(64)),
    rule: 'api-labels',
    message: `metadata.labels 'app.kubernetes.io/version' value "${'1'.repeat(64)}" is 64 characters long (at most 63)`,
    object: SVC,
  },
  {
    name: 'a label key with a bad prefix',
    file: API,
    edit: (o) => (svc(o).metadata.labels['Team_Name/owner'] = 'claims'),
    rule: 'api-labels',
    message: "metadata.labels key 'Team_Name/owner': prefix 'Team_Name' is no DNS-1123 subdomain",
    object: SVC,
  },
  {
    name: 'a numeric label value',
    file: API,
    edit: (o) => (dep(o).spec.template.metadata.labels.tier = 1),
    rule: 'api-labels',
    message: "spec.template.metadata.labels 'tier' value 1 is not a string",
    object: DEP,
  },
  {
    name: 'an unknown update strategy type',
    file: API,
    edit: (o) => (dep(o).spec.strategy.type = 'Rolling'),
    rule: 'api-enum',
    message: 'spec.strategy.type is "Rolling"; the API server accepts only Recreate, RollingUpdate',
    object: DEP,
  },
  {
    name: 'an unknown imagePullPolicy',
    file: API,
    edit: (o) => (app(o).imagePullPolicy = 'IfMissing'),
    rule: 'api-enum',
    message:
      'container \'claims-api\'.imagePullPolicy is "IfMissing";' +
      ' the API server accepts only Always, IfNotPresent, Never',
    object: DEP,
  },
  {
    name: 'an unknown Service type',
    file: API,
    edit: (o) => (svc(o).spec.type = 'Internal'),
    rule: 'api-enum',
    message: 'spec.type is "Internal"; the API server accepts only ClusterIP, ExternalName, LoadBalancer, NodePort',
    object: SVC,
  },
  {
    name: 'the native sleep preStop action on Kubernetes 1.27',
    file: API,
    edit: (o) => (app(o).lifecycle.preStop = { sleep: { seconds: 15 } }),
    rule: 'api-served',
    message:
      "container 'claims-api' uses the native sleep action of a preStop hook (lifecycle.preStop.sleep)," +
      ' served from Kubernetes 1.30; prod runs 1.27',
    object: DEP,
  },

  {
    name: 'an API version the cluster no longer serves',
    file: API,
    edit: (o) => (find(o, 'PodDisruptionBudget').apiVersion = 'policy/v1beta1'),
    rule: 'api-served',
    message: 'policy/v1beta1 PodDisruptionBudget is not served by Kubernetes 1.27 (prod)',
    object: 'policy/v1beta1/PodDisruptionBudget/claims/claims-api',
  },

  // Pod Security "restricted" and kube-linter-class hardening.
  {
    name: 'an added capability',
    file: API,
    edit: (o) => (app(o).securityContext.capabilities.add = ['NET_ADMIN']),
    rule: 'capabilities',
    message: 'container \'claims-api\' adds capabilities ["NET_ADMIN"]',
    object: DEP,
  },
  {
    name: 'capabilities not dropped',
    file: API,
    edit: (o) => delete app(o).securityContext.capabilities,
    rule: 'capabilities',
    message: "container 'claims-api' does not drop ALL capabilities",
    object: DEP,
  },
  {
    name: 'seccomp removed',
    file: API,
    edit: (o) => delete pod(o).securityContext.seccompProfile,
    rule: 'seccomp',
    message: 'container \'claims-api\' runs with seccomp profile "unset"',
    object: DEP,
  },
  {
    name: 'seccomp Unconfined on a container',
    file: API,
    edit: (o) => (app(o).securityContext.seccompProfile = { type: 'Unconfined' }),
    rule: 'seccomp',
    message: 'container \'claims-api\' runs with seccomp profile "Unconfined"',
    object: DEP,
  },
  {
    name: 'an unsafe sysctl',
    file: API,
    edit: (o) => (pod(o).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]),
    rule: 'pod-security-restricted',
    message: "sysctl 'kernel.msgmax' is not a safe sysctl",
    object: DEP,
  },
  {
    name: 'an NFS volume',
    file: API,
    edit: (o) => pod(o).volumes.push({ name: 'share', nfs: { server: 'nfs.internal', path: '/x' } }),
    rule: 'pod-security-restricted',
    message: "volume 'share' is of type nfs, which 'restricted' forbids",
    object: DEP,
  },
  {
    name: 'an unmasked /proc',
    file: API,
    edit: (o) => (app(o).securityContext.procMount = 'Unmasked'),
    rule: 'pod-security-restricted',
    message: 'container \'claims-api\' sets procMount "Unmasked"',
    object: DEP,
  },
  {
    name: 'a host port',
    file: API,
    edit: (o) => (app(o).ports[0].hostPort = 8080),
    rule: 'no-host-port',
    message: "container 'claims-api' binds host port 8080",
    object: DEP,
  },
  {
    name: 'an SSH port',
    file: API,
    edit: (o) => app(o).ports.push({ containerPort: 22, name: 'ssh' }),
    rule: 'no-ssh-port',
    message: "container 'claims-api' exposes port 22 (SSH)",
    object: DEP,
  },
  {
    name: 'token automount on an app pod',
    file: API,
    edit: (o) => (pod(o).automountServiceAccountToken = true),
    rule: 'service-account-token',
    message:
      "the pod of Deployment 'claims-api' mounts its service account token (automountServiceAccountToken is true)",
    object: DEP,
  },
  {
    name: 'the deprecated serviceAccount field',
    file: API,
    edit: (o) => (pod(o).serviceAccount = 'claims-api'),
    rule: 'service-account-token',
    message: 'the pod sets the deprecated serviceAccount field',
    object: DEP,
  },
  {
    name: 'a password as a literal env value',
    file: API,
    edit: (o) => app(o).env.push({ name: 'DB_PASSWORD_FALLBACK', value: 'hunter2' }),
    rule: 'env-var-secret',
    message: "container 'claims-api' sets DB_PASSWORD_FALLBACK to a literal value",
    object: DEP,
  },
  {
    name: 'privilege escalation allowed',
    file: API,
    edit: (o) => (app(o).securityContext.allowPrivilegeEscalation = true),
    rule: 'no-privilege-escalation',
    message: "container 'claims-api' may escalate privileges",
    object: DEP,
  },
  {
    name: 'host network on an app pod',
    file: API,
    edit: (o) => (pod(o).hostNetwork = true),
    rule: 'no-host-access',
    message: 'hostNetwork is on',
    object: DEP,
  },
  {
    name: 'a NodePort Service',
    file: API,
    edit: (o) => (svc(o).spec.type = 'NodePort'),
    rule: 'service-exposure',
    message: 'Service type NodePort opens the app outside the cluster',
    object: SVC,
  },
  {
    name: 'externalIPs on a Service',
    file: API,
    edit: (o) => (svc(o).spec.externalIPs = ['10.0.0.1']),
    rule: 'service-exposure',
    message: 'Service sets externalIPs ["10.0.0.1"], which can capture other traffic (CVE-2020-8554)',
    object: SVC,
  },
  {
    name: 'an allow-all ingress NetworkPolicy',
    file: API,
    edit: (o) => (find(o, 'NetworkPolicy', 'claims-api').spec.ingress = [{}]),
    rule: 'network-policy-allow-all',
    message: 'ingress[0] allows all sources on all ports',
    object: 'networking.k8s.io/v1/NetworkPolicy/claims/claims-api',
  },
  {
    name: 'an egress rule to 0.0.0.0/0 on every port',
    file: API,
    edit: (o) => find(o, 'NetworkPolicy', 'claims-api').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }),
    rule: 'network-policy-allow-all',
    message: 'egress[3] allows all destinations on all ports',
    object: 'networking.k8s.io/v1/NetworkPolicy/claims/claims-api',
  },
  {
    name: 'a ClusterRoleBinding to cluster-admin',
    file: PLATFORM,
    edit: (o) => (find(o, 'ClusterRoleBinding').roleRef.name = 'cluster-admin'),
    rule: 'rbac-cluster-admin',
    message: 'ClusterRoleBinding grants cluster-admin to ["ServiceAccount/log-node-agent"]',
    object: 'rbac.authorization.k8s.io/v1/ClusterRoleBinding//platform:log-node-agent',
  },
  {
    name: 'a */*/* ClusterRole',
    file: PLATFORM,
    edit: (o) => (find(o, 'ClusterRole').rules = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
    rule: 'rbac-wildcard',
    message: 'rules[0].apiGroups holds a wildcard ["*"]',
    object: 'rbac.authorization.k8s.io/v1/ClusterRole//platform:log-node-agent',
  },
  {
    name: 'a role that may impersonate',
    file: PLATFORM,
    edit: (o) => find(o, 'ClusterRole').rules.push({ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }),
    rule: 'rbac-wildcard',
    message: 'rules[1] grants impersonate',
    object: 'rbac.authorization.k8s.io/v1/ClusterRole//platform:log-node-agent',
  },
  {
    name: 'a mutable tag in prod',
    file: API,
    edit: (o) => (app(o).image = 'registry.insure.example/claims/claims-api:latest'),
    rule: 'no-mutable-tag',
    message: "container 'claims-api' uses mutable tag 'latest' in prod",
    object: DEP,
  },
  {
    name: 'a container that may run as root',
    file: API,
    edit: (o) => (app(o).securityContext.runAsUser = 0),
    rule: 'run-as-non-root',
    message: "container 'claims-api' may run as root",
    object: DEP,
  },

  // Rollouts and capacity.
  {
    name: 'a Recreate update in prod',
    file: API,
    edit: (o) => (dep(o).spec.strategy = { type: 'Recreate' }),
    rule: 'update-keeps-capacity',
    message: 'strategy Recreate stops every pod before starting new ones in prod',
    object: DEP,
  },
  {
    name: 'an all-unavailable update in prod',
    file: API,
    edit: (o) => (dep(o).spec.strategy.rollingUpdate.maxUnavailable = '100%'),
    rule: 'update-keeps-capacity',
    message: 'maxUnavailable "100%" lets an update take all 4 pod(s) down at once in prod',
    object: DEP,
  },
  {
    name: 'HPA min above max',
    file: API,
    edit: (o) => (find(o, 'HorizontalPodAutoscaler').spec.minReplicas = 30),
    rule: 'hpa-bounds',
    message: 'minReplicas (30) is above maxReplicas (20)',
    object: 'autoscaling/v2/HorizontalPodAutoscaler/claims/claims-api',
  },
  {
    name: 'a PDB that allows no eviction',
    file: API,
    edit: (o) =>
      (find(o, 'PodDisruptionBudget').spec = {
        minAvailable: '100%',
        selector: find(o, 'PodDisruptionBudget').spec.selector,
      }),
    rule: 'rollout-pdb-allows-eviction',
    message: 'minAvailable is 100%: no pod can ever be evicted, so node drains and cluster upgrades hang',
    object: 'policy/v1/PodDisruptionBudget/claims/claims-api',
  },

  // Cross-object checks inside a manifest file.
  {
    name: 'a Service that selects nothing',
    file: API,
    edit: (o) => (svc(o).spec.selector = { 'app.kubernetes.io/name': 'claims-apii' }),
    rule: 'dangling-service',
    message: 'selector {"app.kubernetes.io/name":"claims-apii"} selects no pod template in this file',
    object: SVC,
  },
  {
    name: 'a Service target port name that is not on the pods',
    file: API,
    edit: (o) => (svc(o).spec.ports[0].targetPort = 'web'),
    rule: 'dangling-service',
    message: "targetPort 'web' names no container port of the selected pods",
    object: SVC,
  },
  {
    name: 'an HPA whose target is gone',
    file: API,
    edit: (o) => (find(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'claims'),
    rule: 'dangling-hpa',
    message: 'scaleTargetRef Deployment/claims is not in this file',
    object: 'autoscaling/v2/HorizontalPodAutoscaler/claims/claims-api',
  },
  {
    name: 'a PDB that selects nothing',
    file: API,
    edit: (o) =>
      (find(o, 'PodDisruptionBudget').spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'claim-api' } }),
    rule: 'dangling-pdb',
    message: 'selector {"matchLabels":{"app.kubernetes.io/name":"claim-api"}} selects no pod template in this file',
    object: 'policy/v1/PodDisruptionBudget/claims/claims-api',
  },
  {
    name: 'a NetworkPolicy that protects nothing',
    file: API,
    edit: (o) => (find(o, 'NetworkPolicy', 'claims-api').spec.podSelector = { matchLabels: { app: 'claims-api' } }),
    rule: 'dangling-network-policy',
    message: 'podSelector {"matchLabels":{"app":"claims-api"}} selects no pod template in this file',
    object: 'networking.k8s.io/v1/NetworkPolicy/claims/claims-api',
  },
  {
    name: 'a ServiceMonitor that selects no Service',
    file: API,
    edit: (o) => (find(o, 'ServiceMonitor').spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'claims' } }),
    rule: 'dangling-monitor',
    message: 'selector {"matchLabels":{"app.kubernetes.io/name":"claims"}} selects no Service in this file',
    object: 'monitoring.coreos.com/v1/ServiceMonitor/claims/claims-api',
  },
  {
    name: 'a ServiceMonitor on a port the Service lacks',
    file: API,
    edit: (o) => (find(o, 'ServiceMonitor').spec.endpoints[0].port = 'metrics'),
    rule: 'dangling-monitor',
    message: "endpoint port 'metrics' is no port name of the selected Service",
    object: 'monitoring.coreos.com/v1/ServiceMonitor/claims/claims-api',
  },
  {
    name: 'a PodMonitor that selects no pods',
    file: WORKER,
    edit: (o) => (find(o, 'PodMonitor').spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'worker' } }),
    rule: 'dangling-monitor',
    message: 'selector {"matchLabels":{"app.kubernetes.io/name":"worker"}} selects no pod template in this file',
    object: 'monitoring.coreos.com/v1/PodMonitor/claims/claims-document-worker',
  },
  {
    name: 'a service account that is not defined',
    file: API,
    edit: (o) => (pod(o).serviceAccountName = 'claims-admin'),
    rule: 'dangling-service-account',
    message: "serviceAccountName 'claims-admin' is not defined in this file",
    object: DEP,
  },

  // Lists: their items are checked like any object.
  {
    name: 'a NodePort Service wrapped in a List',
    file: API,
    edit: (o) => {
      const s = svc(o);
      o.splice(o.indexOf(s), 1, {
        apiVersion: 'v1',
        kind: 'List',
        metadata: { name: 'wrapped' },
        items: [{ ...s, spec: { ...s.spec, type: 'NodePort' } }],
      });
    },
    rule: 'service-exposure',
    message: 'Service type NodePort opens the app outside the cluster',
    object: SVC,
  },
  {
    name: 'a List wrapper itself',
    file: API,
    edit: (o) => o.push({ apiVersion: 'v1', kind: 'List', metadata: { name: 'wrapped' }, items: [] }),
    rule: 'schema',
    message: 'no schema is registered for v1/List; register its model in lib/validate/schema.ts',
    object: 'v1/List//wrapped',
  },
];
