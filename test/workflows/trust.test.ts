import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../lib/workflows/load.ts';
import { checkout, run, setupNode } from '../../lib/workflows/steps.ts';
import { privilegesOf, trustProblems, untrustedCode } from '../../lib/workflows/trust.ts';
import type { Job, Triggers, Workflow } from '../../lib/workflows/workflow.ts';
import { loadEnvironmentsOnly } from '../../lib/spec/project.ts';
import { FIXTURE_ROOT, REPO_ROOT } from '../fixture.ts';

const environments = (await loadEnvironmentsOnly(FIXTURE_ROOT)).map((e) => e.spec);
const pipeline = await loadPipeline(REPO_ROOT, environments);

function workflow(on: Triggers, job: Partial<Job>): Workflow {
  const base: Job = {
    name: 'j',
    'runs-on': 'ubuntu-24.04',
    permissions: { contents: 'read' },
    'timeout-minutes': 5,
    steps: [],
  };
  return { file: 'x.yml', name: 'x', description: 'x', on, permissions: {}, jobs: { j: { ...base, ...job } } };
}

describe('workflow trust boundary', () => {
  it('GIVEN the generated workflows WHEN checked THEN no job runs pull-request or spec code while holding a secret, a write scope or kept credentials', () => {
    const untrusted: string[] = [];
    for (const wf of pipeline.workflows) {
      expect(trustProblems(wf), wf.file).toEqual([]);
      for (const [id, job] of Object.entries(wf.jobs)) {
        if (!untrustedCode(wf, job)) continue;
        untrusted.push(`${wf.file}#${id}`);
        expect(privilegesOf(job), `${wf.file}#${id}`).toEqual([]);
      }
    }
    // The jobs that run untrusted code are known, and each of them holds nothing.
    expect(untrusted.sort()).toEqual([
      'build-entry.yml#pin',
      'pull-request.yml#checks',
      'release.yml#plan-promotions',
      'review.yml#review',
    ]);
  });

  it('GIVEN the generated workflows WHEN read THEN every job holding a secret or a write scope runs no npm test, synth, promote or --verify', () => {
    for (const wf of pipeline.workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        if (privilegesOf(job).length === 0) continue;
        const scripts = job.steps.map((s) => s.run ?? '').join('\n');
        expect(scripts, `${wf.file}#${id}`).not.toMatch(/npm test|run -s (synth|promote)|--verify/);
      }
    }
  });

  it('fails on a pull_request job that is handed a secret, naming the job and what it holds', () => {
    const wf = workflow(
      { pull_request: {} },
      {
        steps: [checkout(), ...setupNode('20'), run('Test', 'npm test', { TOKEN: '${{ secrets.TEAMS_READ_TOKEN }}' })],
      },
    );
    const problems = trustProblems(wf);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.where).toBe('jobs.j');
    expect(problems[0]!.message).toBe(
      "the job runs untrusted code (it runs on pull_request, with the pull request's own workflow files and code) while holding the secret ${{ secrets.TEAMS_READ_TOKEN }}",
    );
  });

  it('fails on a push job that renders the specs with a write scope and kept credentials', () => {
    const wf = workflow(
      { push: { branches: ['main'] } },
      {
        permissions: { contents: 'write' },
        steps: [checkout({ canPush: true }), run('Promote', 'npm run -s promote -- a --to sit --commit')],
      },
    );
    expect(trustProblems(wf).map((p) => p.message)).toEqual([
      "the job runs untrusted code (step 'Promote' evaluates app specs or the head's code) while holding contents: write, credentials kept by checkout (persist-credentials: true)",
    ]);
  });

  it('fails on a pull_request_review job with a write token, even when it runs no npm', () => {
    const wf = workflow(
      { pull_request_review: { types: ['submitted'] } },
      { permissions: { 'pull-requests': 'write' }, steps: [run('Echo', 'echo hi')] },
    );
    expect(trustProblems(wf).map((p) => p.message)).toEqual([
      "the job runs untrusted code (it runs on pull_request_review, with the pull request's own workflow files and code) while holding pull-requests: write",
    ]);
  });

  it('fails on a pull_request_target job that checks out the head, by ref or by git, or re-renders it', () => {
    const byRef = workflow(
      { pull_request_target: {} },
      {
        steps: [
          { ...checkout(), with: { ref: '${{ github.event.pull_request.head.sha }}', 'persist-credentials': false } },
        ],
      },
    );
    expect(trustProblems(byRef).map((p) => p.where)).toEqual(['jobs.j.steps[0] (Check out)']);
    const byGit = workflow(
      { workflow_run: { workflows: ['review'], types: ['completed'] } },
      { steps: [checkout(), run('Switch', 'git fetch origin pull/1/head && git checkout FETCH_HEAD')] },
    );
    expect(trustProblems(byGit).map((p) => p.message)).toEqual([
      "a job with the base branch's secrets checks out or runs code it has fetched",
    ]);
    const verify = workflow(
      { pull_request_target: {} },
      { steps: [checkout(), run('Order', 'npm run -s release-order -- --base a --head b --verify')] },
    );
    expect(trustProblems(verify).length).toBeGreaterThan(0);
  });

  it('passes a pull_request_target job that reads the head as data with the base branch code', () => {
    const wf = workflow(
      { pull_request_target: {} },
      {
        permissions: { contents: 'read', 'pull-requests': 'write' },
        steps: [
          checkout({ fullHistory: true }),
          run(
            'Order',
            'git fetch origin "+refs/pull/$PR/head:refs/remotes/pull/head"\nnpm run -s release-order -- --base a --head b',
            { GITHUB_TOKEN: '${{ github.token }}' },
          ),
        ],
      },
    );
    expect(trustProblems(wf)).toEqual([]);
  });
});
