/**
 * The bootstrap program behind `delivery/pulumi/` (one stack per
 * environment). It reads the stack's config, loads the environment and its
 * apps from this repository, and builds a `ClusterBootstrap` on a provider
 * made from the stack's kubeconfig context.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipeline } from '../workflows/load.ts';
import { MANIFESTS_DIR } from '../render/synth.ts';
import { INDEX_FILE } from '../kube/layout.ts';
import { loadProject, resolveProject } from '../spec/project.ts';
import { readManifests } from '../validate/validate.ts';
import { environmentDelivery } from '../argocd/applications.ts';
import { CONTROLLERS, gitOpsProblems } from './charts.ts';
import { ClusterBootstrap } from './components.ts';
import { namespaceUsage, quotaOverruns, teamNamespaces } from './tenancy.ts';

/** The Pulumi project name; also the namespace of its config keys. */
export const PROJECT = 'platform-bootstrap';

/** The stack config the program reads. */
export interface StackConfig {
  /** Environment the stack bootstraps (`prod`). */
  readonly environment: string;
  /** Path of the kubeconfig file holding the cluster's context (`~` allowed). */
  readonly kubeconfig: string;
  /** Context in that file; must be named after the environment's cluster. */
  readonly context: string;
}

/** What the stack exports. */
export interface BootstrapOutputs {
  readonly environment: string;
  readonly cluster: string;
  readonly namespaces: pulumi.Output<string[]>;
  readonly charts: pulumi.Output<string[]>;
}

/** Root of this repository. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads the stack config (`platform-bootstrap:*`). */
export function stackConfig(): StackConfig {
  const config = new pulumi.Config(PROJECT);
  return {
    environment: config.require('environment'),
    kubeconfig: config.require('kubeconfig'),
    context: config.require('context'),
  };
}

/**
 * Builds the bootstrap of one environment. Fails, naming the file and field, on a wrong context or a quota that cannot
 * hold the apps.
 */
export async function bootstrapCluster(config: StackConfig, root = REPO_ROOT): Promise<BootstrapOutputs> {
  const project = await loadProject(root);
  const loaded = project.environments.find((e) => e.spec.name === config.environment);
  if (!loaded) {
    throw new Error(
      `stack config '${PROJECT}:environment' (${config.environment}) names no environment; use one of: ${project.environments.map((e) => e.spec.name).join(', ')}`,
    );
  }
  const env = loaded.spec;
  if (config.context !== env.cluster.name) {
    throw new Error(
      `stack config '${PROJECT}:context' (${config.context}) is not the context of ${env.name}'s cluster '${env.cluster.name}' (${loaded.file}). ` +
        `Fix: name the kubeconfig context after the cluster and set it to '${env.cluster.name}', so a stack can never reach another cluster`,
    );
  }
  const gitops = gitOpsProblems(CONTROLLERS);
  if (gitops.length > 0) {
    throw new Error(`the controllers are not ready for GitOps:\n${gitops.map((p) => `  - ${p}`).join('\n')}`);
  }
  const apps = resolveProject(project).filter((a) => a.environment.name === env.name);
  if (env.tenancy) {
    const overruns = quotaOverruns(namespaceUsage(apps), env.tenancy, loaded.file);
    if (overruns.length > 0)
      throw new Error(
        `the team namespace quotas of ${env.name} cannot hold its apps:\n${overruns.map((o) => `  - ${o}`).join('\n')}`,
      );
  }
  const { repository } = await loadPipeline(
    root,
    project.environments.map((e) => e.spec),
  );
  const manifests = readManifests(join(root, MANIFESTS_DIR)).filter(
    (f) => f.env === env.name && !f.path.endsWith(`/${INDEX_FILE}`),
  );
  const delivery = environmentDelivery(env, manifests, { url: repository.url, branch: repository.branch });
  const kubeconfig = config.kubeconfig.startsWith('~/')
    ? join(homedir(), config.kubeconfig.slice(2))
    : config.kubeconfig;
  const provider = new k8s.Provider(`${env.name}-cluster`, {
    kubeconfig,
    context: config.context,
    enableServerSideApply: true,
    deleteUnreachable: false,
  });
  const bootstrap = new ClusterBootstrap(env.name, {
    environment: env,
    namespaces: teamNamespaces(apps),
    controllers: CONTROLLERS,
    argocdObjects: delivery.bootstrap.objects,
    provider,
  });
  return {
    environment: env.name,
    cluster: env.cluster.name,
    namespaces: bootstrap.namespaces,
    charts: bootstrap.charts,
  };
}

/** The stack: reads the config and bootstraps its environment. */
export async function runStack(): Promise<BootstrapOutputs> {
  return bootstrapCluster(stackConfig());
}
