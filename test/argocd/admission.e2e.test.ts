import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkAdmission,
  globMatch,
  isDestinationMatched,
  isSourcePermitted,
  type RepositoryView,
} from '../../lib/argocd/admission.ts';
import { argocdOutput } from '../../lib/argocd/files.ts';
import { toYaml } from '../../lib/render/yaml.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import { fromYaml } from '../../lib/kube/parse.ts';
import { ENVS, REPO_ROOT } from '../fixture.ts';

const REPO = 'https://github.insure.example/insure/platform-gitops.git';
const IN_CLUSTER = 'https://kubernetes.default.svc';

/** A repository held in memory: path → text. */
function memoryRepo(files: Record<string, string>): RepositoryView {
  const paths = Object.keys(files);
  return {
    isDirectory: (path) => paths.some((p) => p.startsWith(`${path}/`)),
    list(path) {
      const children = paths.filter((p) => p.startsWith(`${path}/`)).map((p) => p.slice(path.length + 1).split('/'));
      return {
        files: children
          .filter((c) => c.length === 1)
          .map((c) => c[0]!)
          .sort(),
        dirs: [...new Set(children.filter((c) => c.length > 1).map((c) => c[0]!))].sort(),
      };
    },
    read: (path) => files[path] ?? '',
  };
}

const deployment = (name: string, namespace: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
});

function project(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'dev', namespace: 'argocd' },
    spec: {
      sourceRepos: [REPO],
      destinations: [{ server: IN_CLUSTER, namespace: 'claims' }],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
      namespaceResourceWhitelist: [
        { group: 'apps', kind: 'Deployment' },
        { group: '', kind: 'ConfigMap' },
      ],
      ...spec,
    },
  };
}

function application(name = 'dev-claims-api', spec: Record<string, unknown> = {}, namespace = 'argocd'): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace },
    spec: {
      project: 'dev',
      source: {
        repoURL: REPO,
        targetRevision: 'main',
        path: 'manifests/dev/apps',
        directory: { include: 'claims-api.yaml' },
      },
      destination: { server: IN_CLUSTER, namespace: 'claims' },
      ...spec,
    },
  };
}

const MANIFESTS = {
  'manifests/dev/kustomization.yaml': 'resources: []\n',
  'manifests/dev/apps/claims-api.yaml': toYaml([deployment('claims-api', 'claims')]),
};

/** Rule ids the replay reports for these objects over these files. */
function rules(objects: KubeObject[], files: Record<string, string> = MANIFESTS): string[] {
  const cluster = {
    argocdNamespace: 'argocd',
    objects: objects.map((object) => ({ file: `delivery/argocd/dev/${object.metadata.name}.yaml`, object })),
  };
  return checkAdmission(cluster, memoryRepo(files)).map((v) => v.rule);
}

describe("Argo CD's admission rules, replayed", () => {
  it('admits an Application whose project permits its destination, source, path, namespaces and kinds', () => {
    expect(rules([project(), application()])).toEqual([]);
  });

  it('fails project-exists when the Application names a project the cluster does not have', () => {
    expect(rules([project(), application('dev-claims-api', { project: 'claims' })])).toEqual(['project-exists']);
  });

  it("fails application-namespace when the Application is outside Argo CD's namespace", () => {
    expect(rules([project(), application('dev-claims-api', {}, 'claims')])).toEqual(['application-namespace']);
  });

  it('fails destination-permitted for a destination without namespace (the former per-environment Application)', () => {
    // GIVEN the shape every former Application had: a server and no namespace
    const cluster = {
      argocdNamespace: 'argocd',
      objects: [
        { file: 'a.yaml', object: project() },
        { file: 'b.yaml', object: application('dev', { destination: { server: IN_CLUSTER } }) },
      ],
    };
    const [violation] = checkAdmission(cluster, memoryRepo(MANIFESTS));
    // THEN Argo CD would refuse it, and the message says why
    expect(violation).toMatchObject({
      rule: 'destination-permitted',
      file: 'b.yaml',
      object: 'argoproj.io/v1alpha1/Application/argocd/dev',
    });
    expect(violation!.message).toContain(
      "namespace '' matches no destination of project dev, so Argo CD marks the Application InvalidSpecError",
    );
    // AND a matching namespace on another server, or a namespace a deny pattern excludes, is refused too
    expect(
      rules([project(), application('x', { destination: { server: 'https://other.example', namespace: 'claims' } })]),
    ).toContain('destination-permitted');
    const deny = project({
      destinations: [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!claims' },
      ],
    });
    expect(rules([deny, application()])).toEqual(['destination-permitted', 'resource-namespace']);
  });

  it('matches destinations as isDestinationMatched does: server or name, AND namespace, globs, deny', () => {
    const destinations = [{ server: 'https://kubernetes.default.svc', namespace: 'team-*' }];
    expect(isDestinationMatched(destinations, { server: IN_CLUSTER, namespace: 'team-claims' })).toBe(true);
    expect(isDestinationMatched(destinations, { server: IN_CLUSTER, namespace: 'claims' })).toBe(false);
    expect(isDestinationMatched(destinations, { namespace: 'team-claims' })).toBe(false);
    expect(isDestinationMatched([{ name: 'in-cluster', namespace: '*' }], { name: 'in-cluster', namespace: 'x' })).toBe(
      true,
    );
    expect(
      isDestinationMatched(
        [
          { server: '*', namespace: '*' },
          { server: '*', namespace: '!kube-system' },
        ],
        { server: IN_CLUSTER, namespace: 'kube-system' },
      ),
    ).toBe(false);
  });

  it('fails source-permitted for another repository, comparing URLs as Argo CD normalises them', () => {
    expect(
      rules([
        project(),
        application('x', {
          source: {
            repoURL: 'https://github.insure.example/other/repo.git',
            path: 'manifests/dev/apps',
            directory: { include: 'claims-api.yaml' },
          },
        }),
      ]),
    ).toEqual(['source-permitted']);
    expect(isSourcePermitted([REPO], 'https://GitHub.insure.example/insure/platform-gitops')).toBe(true);
    expect(isSourcePermitted(['https://github.insure.example/insure/*'], REPO)).toBe(true);
    expect(isSourcePermitted(['https://github.insure.example/*'], REPO)).toBe(false);
    expect(isSourcePermitted(['*', '!https://github.insure.example/insure/platform-gitops'], REPO)).toBe(false);
  });

  it('fails source-path for a missing folder, a Kustomize folder and an include that selects nothing', () => {
    const at = (path: string, include?: string): KubeObject =>
      application('x', { source: { repoURL: REPO, path, directory: include ? { include } : {} } });
    expect(rules([project(), at('manifests/prod/apps', 'claims-api.yaml')])).toEqual(['source-path']);
    expect(rules([project(), at('manifests/dev')])).toEqual(['source-path']);
    expect(rules([project(), at('manifests/dev/apps', 'claim-api.yaml')])).toEqual(['source-path']);
    expect(rules([project(), at('../outside', 'x.yaml')])).toEqual(['source-path']);
  });

  it('fails resource-namespace when an object goes into a namespace that is not a project destination', () => {
    const files = {
      'manifests/dev/apps/claims-api.yaml': toYaml([
        deployment('claims-api', 'claims'),
        deployment('stray', 'payments'),
      ]),
    };
    expect(rules([project(), application()], files)).toEqual(['resource-namespace']);
  });

  it('fails cluster-kind for a cluster-scoped kind the project does not whitelist (or blacklists)', () => {
    const storageClass: KubeObject = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast' },
    };
    const files = { 'manifests/dev/apps/claims-api.yaml': toYaml([deployment('claims-api', 'claims'), storageClass]) };
    expect(rules([project(), application()], files)).toEqual(['cluster-kind']);
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'claims' } };
    const withNs = { 'manifests/dev/apps/claims-api.yaml': toYaml([deployment('claims-api', 'claims'), ns]) };
    expect(rules([project(), application()], withNs)).toEqual([]);
    expect(
      rules([project({ clusterResourceBlacklist: [{ group: '*', kind: 'Namespace' }] }), application()], withNs),
    ).toEqual(['cluster-kind']);
  });

  it('fails namespaced-kind outside the whitelist or in the blacklist; no whitelist admits all', () => {
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'claims' } };
    const files = { 'manifests/dev/apps/claims-api.yaml': toYaml([deployment('claims-api', 'claims'), secret]) };
    expect(rules([project(), application()], files)).toEqual(['namespaced-kind']);
    expect(rules([project({ namespaceResourceWhitelist: undefined }), application()], files)).toEqual([]);
    expect(rules([project({ namespaceResourceWhitelist: [] }), application()])).toEqual(['namespaced-kind']);
    expect(rules([project({ namespaceResourceBlacklist: [{ group: 'apps', kind: '*' }] }), application()])).toEqual([
      'namespaced-kind',
    ]);
  });

  it('fails shared-resource when two Applications sync the same object', () => {
    const twin = application('dev-claims-api-twin');
    expect(rules([project(), application(), twin])).toEqual(['shared-resource']);
  });

  it("matches globs as Argo CD does: '*' stops only at separators given, '**', '?', classes, braces", () => {
    expect(globMatch('team-*', 'team-a/b')).toBe(true);
    expect(globMatch('https://h/*', 'https://h/a/b', '/')).toBe(false);
    expect(globMatch('https://h/**', 'https://h/a/b', '/')).toBe(true);
    expect(globMatch('claims-?pi.yaml', 'claims-api.yaml')).toBe(true);
    expect(globMatch('[!a]pi', 'api')).toBe(false);
    expect(globMatch('{claims,payments}-*.yaml', 'payments-gateway.yaml')).toBe(true);
    expect(globMatch('claims.yaml', 'claimsxyaml')).toBe(false);
  });

  it('admits every committed Argo CD object: per environment an Application per app file and one more', async () => {
    // GIVEN the repository as committed WHEN the Argo CD objects are rendered
    // THEN no rule is broken (argocdOutput throws otherwise)
    const { files } = await argocdOutput(REPO_ROOT);
    for (const env of ENVS) {
      const appFiles = readdirSync(join(REPO_ROOT, 'manifests', env, 'apps')).sort();
      const applications = files
        .filter((f) => f.path.startsWith(`delivery/argocd/${env}/`))
        .flatMap((f) => fromYaml(f.content, f.path) as KubeObject[])
        .filter((o) => o.kind === 'Application')
        .map((o) => o.metadata.name);
      expect(applications.sort()).toEqual(
        [...appFiles.map((f) => `${env}-${f.replace(/\.yaml$/, '')}`), `${env}-platform`].sort(),
      );
    }
  });
});
