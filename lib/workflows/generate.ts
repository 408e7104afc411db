/**
 * `npm run pipelines`: the declaration in `pipelines/pipeline.ts` →
 * `.github/workflows/*.yml` and `.github/CODEOWNERS`, each checked before
 * anything is written: by GitHub's own workflow parser (`@actions/workflow-parser`,
 * schema and expression syntax) and by the platform's workflow rules below.
 */
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { stringify } from 'yaml';
import type { EnvironmentSpec } from '../spec/environment.ts';
import { generatedMarker, type GeneratedFile, type OwnedFolder } from '../util/generated.ts';
import { ACTIONS } from './steps.ts';
import { trustProblems } from './trust.ts';
import { PIPELINE_FILE } from './load.ts';
import type { Pipeline, Workflow } from './workflow.ts';

/** The command that generates the pipeline files. */
export const PIPELINES_COMMAND = 'pipelines';
/** Folder of the generated workflows. */
export const WORKFLOWS_DIR = '.github/workflows';
/** The generated code owners file. */
export const CODEOWNERS_FILE = '.github/CODEOWNERS';
/** Folders whose marked files `npm run pipelines` owns. */
export const PIPELINE_FOLDERS: readonly OwnedFolder[] = [
  { dir: WORKFLOWS_DIR, ext: '.yml' },
  { dir: '.github', ext: 'CODEOWNERS' },
];

/** One broken workflow rule. */
export interface PipelineProblem {
  /** Generated file the problem is in. */
  readonly file: string;
  /** Where in it (`jobs.checks.steps[2]`), or `''`. */
  readonly where: string;
  readonly message: string;
  readonly fix: string;
}

/** Thrown when the declaration produces invalid files; nothing is written. */
export class PipelineError extends Error {
  constructor(public readonly problems: readonly PipelineProblem[]) {
    super(
      `${problems.length} problem(s) in the pipeline; nothing was written:\n${problems.map((p) => `  - ${p.file}${p.where ? ` ${p.where}` : ''}: ${p.message}. Fix: ${p.fix}`).join('\n')}`,
    );
    this.name = 'PipelineError';
  }
}

const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const TEAM = /^@[A-Za-z0-9-]+\/[A-Za-z0-9_.-]+$/;

/** The platform's rules for a workflow, on the typed declaration. */
export function lintWorkflow(wf: Workflow): PipelineProblem[] {
  const file = `${WORKFLOWS_DIR}/${wf.file}`;
  const out: PipelineProblem[] = [];
  for (const p of trustProblems(wf)) out.push({ file, ...p });
  for (const [id, job] of Object.entries(wf.jobs)) {
    if (!job.permissions)
      out.push({
        file,
        where: `jobs.${id}`,
        message: 'the job declares no permissions',
        fix: 'grant the job exactly the GITHUB_TOKEN scopes it needs',
      });
    if (!(job['timeout-minutes'] > 0))
      out.push({ file, where: `jobs.${id}`, message: 'the job has no timeout', fix: "set 'timeout-minutes'" });
    for (const needed of job.needs ?? []) {
      if (!(needed in wf.jobs))
        out.push({
          file,
          where: `jobs.${id}.needs`,
          message: `names no job '${needed}'`,
          fix: `use one of: ${Object.keys(wf.jobs).join(', ')}`,
        });
    }
    job.steps.forEach((step, i) => {
      const where = `jobs.${id}.steps[${i}] (${step.name})`;
      if ((step.uses === undefined) === (step.run === undefined))
        out.push({ file, where, message: 'a step has exactly one of uses and run', fix: 'set uses or run' });
      if (step.uses !== undefined && !step.uses.startsWith('./') && !PINNED.test(step.uses)) {
        out.push({
          file,
          where,
          message: `action '${step.uses}' is not pinned to a full commit SHA`,
          fix: 'pin it in lib/workflows/steps.ts (ACTIONS) to the 40-hex commit of a release',
        });
      }
      if (step.run?.includes('${{')) {
        out.push({
          file,
          where,
          message: 'the script embeds a ${{ }} expression, which GitHub pastes into the shell unescaped',
          fix: 'pass the value through the step env and read it as "$NAME"',
        });
      }
      if (step.uses?.startsWith(`${ACTIONS.checkout.repo}@`) && step.with?.['persist-credentials'] === undefined) {
        out.push({
          file,
          where,
          message: 'checkout keeps the token in .git/config unless told otherwise',
          fix: "set 'persist-credentials' explicitly (false unless the job pushes)",
        });
      }
    });
  }
  return out;
}

/** Errors of GitHub's workflow parser (schema and expressions) for one generated file. */
export function parserErrors(file: string, content: string): PipelineProblem[] {
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  return result.context.errors
    .getErrors()
    .map((e) => ({ file, where: '', message: e.message, fix: 'correct the declaration in pipelines/pipeline.ts' }));
}

/** The YAML of one workflow, with the generated-file header and each pinned action's release beside its SHA. */
export function renderWorkflow(wf: Workflow): string {
  const body = {
    name: wf.name,
    on: wf.on,
    permissions: wf.permissions,
    ...(wf.concurrency ? { concurrency: wf.concurrency } : {}),
    jobs: wf.jobs,
  };
  let text = stringify(body, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, blockQuote: 'literal' });
  for (const action of Object.values(ACTIONS)) {
    text = text
      .split(`uses: ${action.repo}@${action.sha}\n`)
      .join(`uses: ${action.repo}@${action.sha} # ${action.release}\n`);
  }
  const header = [
    `# This file is ${generatedMarker(PIPELINES_COMMAND)} from ${PIPELINE_FILE} — edit that file instead.`,
    `# ${wf.description}`,
  ];
  return `${header.join('\n')}\n${text}`;
}

/**
 * `.github/CODEOWNERS`: each environment's folders are owned by its approver
 * teams, everything else by the platform owners. With branch protection's
 * "require review from code owners", a change to an environment needs one of
 * its approvers; the approvals check demands how many. An environment's
 * `environment.ts` is code that the release gate evaluates once it is on the
 * base branch, so it is the platform owners' like all platform code (its
 * approvers are asked by the release order, which counts a policy edit as a
 * high-risk change to the environment).
 */
export function renderCodeowners(pipeline: Pipeline, environments: readonly EnvironmentSpec[]): string {
  const rows: [string, readonly string[]][] = [['*', pipeline.platformOwners]];
  for (const env of environments) {
    const owners = env.approvals.approvers;
    rows.push(
      [`/environments/${env.name}/`, owners],
      [`/manifests/${env.name}/`, owners],
      [`/delivery/argocd/${env.name}/`, owners],
      [`/delivery/argocd/bootstrap/${env.name}.yaml`, owners],
      [`/delivery/pulumi/Pulumi.${env.name}.yaml`, owners],
    );
  }
  rows.push(['/environments/*/*.ts', pipeline.platformOwners]);
  rows.push(['/.github/', pipeline.platformOwners], ['/pipelines/', pipeline.platformOwners]);
  const width = Math.max(...rows.map(([p]) => p.length));
  return [
    `# This file is ${generatedMarker(PIPELINES_COMMAND)} from environments/*/environment.ts (approvals.approvers)`,
    `# and ${PIPELINE_FILE} (platformOwners) — edit those instead. The last matching line wins.`,
    ...rows.map(([path, owners]) => `${path.padEnd(width)}  ${owners.join(' ')}`),
    '',
  ].join('\n');
}

function checkOwners(pipeline: Pipeline, environments: readonly EnvironmentSpec[]): PipelineProblem[] {
  const out: PipelineProblem[] = [];
  pipeline.platformOwners.forEach((o, i) => {
    if (!TEAM.test(o))
      out.push({
        file: PIPELINE_FILE,
        where: `platformOwners[${i}]`,
        message: `'${o}' is not a GitHub team handle`,
        fix: "write it as '@org/team'",
      });
  });
  if (pipeline.platformOwners.length === 0)
    out.push({
      file: PIPELINE_FILE,
      where: 'platformOwners',
      message: 'nobody owns the platform code',
      fix: "list at least one team, e.g. ['@insure/platform']",
    });
  for (const env of environments) {
    env.approvals.approvers.forEach((o, i) => {
      if (!TEAM.test(o))
        out.push({
          file: `environments/${env.name}/environment.ts`,
          where: `approvals.approvers[${i}]`,
          message: `'${o}' is not a GitHub team handle`,
          fix: "write it as '@org/team'",
        });
    });
  }
  return out;
}

/** Every pipeline file, validated. Throws `PipelineError` listing every problem. */
export function pipelineFiles(pipeline: Pipeline, environments: readonly EnvironmentSpec[]): GeneratedFile[] {
  const problems: PipelineProblem[] = [...checkOwners(pipeline, environments)];
  const files: GeneratedFile[] = [];
  const seen = new Set<string>();
  for (const wf of pipeline.workflows) {
    const path = `${WORKFLOWS_DIR}/${wf.file}`;
    if (!/^[a-z0-9-]+\.yml$/.test(wf.file))
      problems.push({
        file: PIPELINE_FILE,
        where: `workflows (${wf.name})`,
        message: `file name '${wf.file}' is not lowercase words ending in .yml`,
        fix: "name it like 'pull-request.yml'",
      });
    if (seen.has(path))
      problems.push({
        file: PIPELINE_FILE,
        where: `workflows (${wf.name})`,
        message: `two workflows write ${path}`,
        fix: 'give each workflow its own file',
      });
    seen.add(path);
    const content = renderWorkflow(wf);
    problems.push(...lintWorkflow(wf), ...parserErrors(path, content));
    files.push({ path, content });
  }
  files.push({ path: CODEOWNERS_FILE, content: renderCodeowners(pipeline, environments) });
  if (problems.length > 0) throw new PipelineError(problems);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
