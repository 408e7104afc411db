/**
 * The trust boundary of the workflows, as rules over the typed declaration.
 *
 * Code that a pull request (or a developer's app spec) can change is
 * untrusted: the pull request's own workflow files and code on
 * `pull_request` and `pull_request_review`, and on any trigger the app specs
 * that `npm test`, `synth` and `promote` evaluate. A job that runs such code
 * holds no secret, no `GITHUB_TOKEN` write scope, and no credentials kept in
 * `.git/config`. A job that holds secrets or write scopes runs only trusted
 * code: on `pull_request_target` and `workflow_run` it checks out the base
 * branch (never a ref of the pull request) and reads the pull request's
 * commits as data, never checking them out or re-rendering them.
 */
import { ACTIONS } from './steps.ts';
import type { Job, Step, Workflow } from './workflow.ts';

/** One broken trust rule: where, what and how to fix it. */
export interface TrustProblem {
  readonly where: string;
  readonly message: string;
  readonly fix: string;
}

/** Triggers whose workflow files and checked-out code come from the pull request. */
const PULL_REQUEST_CODE = ['pull_request', 'pull_request_review'] as const;
/** Triggers that run the base branch's files with the repository's secrets. */
const PRIVILEGED = ['pull_request_target', 'workflow_run'] as const;

/** Commands that evaluate the app specs (`apps/*.ts`) or the head's code. */
const RUNS_SPECS = /\bnpm (?:test\b|run -s (?:synth|promote|test)\b)|\bnpx\b|--verify\b/;
/** Git commands that would put a fetched pull request into the work tree. */
const CHECKS_OUT = /\bgit (?:checkout|switch|worktree|reset --hard|restore)\b/;
/** An expression that hands the job a secret or the workflow's token. */
const SECRET = /\$\{\{[^}]*\b(?:secrets\.|github\.token\b)/;

/** What one job holds: secrets it references, write scopes, credentials kept for later steps. */
export function privilegesOf(job: Job): string[] {
  const out: string[] = [];
  const expressions = [job.env, ...job.steps.flatMap((s) => [s.env, s.with])].flatMap((m) =>
    Object.values(m ?? {}).map(String),
  );
  for (const e of expressions) if (SECRET.test(e)) out.push(`the secret ${e.trim()}`);
  for (const [scope, access] of Object.entries(job.permissions)) if (access === 'write') out.push(`${scope}: write`);
  for (const s of job.steps)
    if (isCheckout(s) && s.with?.['persist-credentials'] === true)
      out.push('credentials kept by checkout (persist-credentials: true)');
  return [...new Set(out)];
}

/** Why a job runs untrusted code, or `undefined` when it runs only the base branch's platform code. */
export function untrustedCode(wf: Workflow, job: Job): string | undefined {
  const trigger = PULL_REQUEST_CODE.find((t) => t in wf.on);
  if (trigger) return `it runs on ${trigger}, with the pull request's own workflow files and code`;
  const step = job.steps.find((s) => s.run !== undefined && RUNS_SPECS.test(s.run));
  return step ? `step '${step.name}' evaluates app specs or the head's code` : undefined;
}

/** Every broken trust rule of one workflow. */
export function trustProblems(wf: Workflow): TrustProblem[] {
  const out: TrustProblem[] = [];
  const privileged = PRIVILEGED.some((t) => t in wf.on);
  for (const [id, job] of Object.entries(wf.jobs)) {
    const why = untrustedCode(wf, job);
    const held = privilegesOf(job);
    if (why && held.length > 0) {
      out.push({
        where: `jobs.${id}`,
        message: `the job runs untrusted code (${why}) while holding ${held.join(', ')}`,
        fix: 'split it: a job without secrets or write scopes produces an artifact, a trusted job acts on it as data',
      });
    }
    if (!privileged) continue;
    job.steps.forEach((s, i) => {
      const where = `jobs.${id}.steps[${i}] (${s.name})`;
      if (isCheckout(s) && (s.with?.ref !== undefined || s.with?.repository !== undefined)) {
        out.push({
          where,
          message: `on ${PRIVILEGED.filter((t) => t in wf.on).join('/')} the checkout names a ref or repository, which may be the pull request's code`,
          fix: 'check out the base branch (no ref) and fetch the pull request as data',
        });
      }
      if (s.run !== undefined && (CHECKS_OUT.test(s.run) || RUNS_SPECS.test(s.run))) {
        out.push({
          where,
          message: "a job with the base branch's secrets checks out or runs code it has fetched",
          fix: 'read the pull request from git objects (git show, release-order) and run its code only in the pull_request checks',
        });
      }
    });
  }
  return out;
}

function isCheckout(step: Step): boolean {
  return step.uses?.startsWith(`${ACTIONS.checkout.repo}@`) ?? false;
}
