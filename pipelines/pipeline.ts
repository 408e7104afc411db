/**
 * The delivery pipeline, declared once. `npm run pipelines` turns it into
 * `.github/workflows/*.yml` and `.github/CODEOWNERS`; `npm run argocd` reads
 * `repository` from it. Edit this file, never the generated ones.
 */
import { definePipeline, type Job, type Pipeline } from '../lib/pipeline/workflow.ts';
import { checkout, gitIdentity, run, setupNode } from '../lib/pipeline/steps.ts';
import { fleetPageWorkflow } from '../lib/site/workflow.ts';

const NODE = '20';
const RUNNER = 'ubuntu-24.04';
const REPOSITORY = { slug: 'insure/platform-gitops', url: 'https://github.insure.example/insure/platform-gitops.git', branch: 'main' };

/** A push that creates the branch has no "before": compare with the first parent instead. */
const FIRST_PUSH = '[ "$BEFORE" != "0000000000000000000000000000000000000000" ] || BEFORE="$(git rev-parse "$AFTER^")"';

/** The pull request's release order, computed against the merge base, into `$RUNNER_TEMP/release-order.<format>`. */
function releaseOrderOfPullRequest(format: 'md' | 'json') {
  return run(
    `Compute the release order (${format})`,
    [
      'base="$(git merge-base "$BASE_SHA" "$HEAD_SHA")"',
      `npm run -s release-order -- --base "$base" --head "$HEAD_SHA" --format ${format} > "$RUNNER_TEMP/release-order.${format}"`,
    ].join('\n'),
    { BASE_SHA: '${{ github.event.pull_request.base.sha }}', HEAD_SHA: '${{ github.event.pull_request.head.sha }}' },
  );
}

export default definePipeline(({ environments, buildEnvironment }): Pipeline => {
  const chain = environments.map((e) => e.name).join(' → ');
  const checks: Job = {
    name: 'checks',
    'runs-on': RUNNER,
    permissions: { contents: 'read' },
    'timeout-minutes': 30,
    steps: [
      checkout(),
      ...setupNode(NODE),
      run('Type check and test', 'npm test'),
      run('Rendered manifests are up to date', 'npm run -s synth -- --check'),
      run('Manifests pass schema and policy', 'npm run -s validate'),
      run('Workflows and CODEOWNERS are up to date', 'npm run -s pipelines -- --check'),
      run('Argo CD objects are up to date', 'npm run -s argocd -- --check'),
    ],
  };

  return {
    repository: REPOSITORY,
    platformOwners: ['@insure/platform'],
    workflows: [
      fleetPageWorkflow({ runner: RUNNER, node: NODE, branch: REPOSITORY.branch }),
      {
        file: 'pull-request.yml',
        name: 'pull request',
        description: 'Checks every pull request and posts its release order as comments.',
        on: { pull_request: { branches: [REPOSITORY.branch], types: ['opened', 'synchronize', 'reopened', 'ready_for_review'] } },
        permissions: {},
        concurrency: { group: 'pull-request-${{ github.event.pull_request.number }}', 'cancel-in-progress': true },
        jobs: {
          checks,
          'release-order': {
            name: 'release order',
            'runs-on': RUNNER,
            permissions: { contents: 'read', 'pull-requests': 'write' },
            'timeout-minutes': 15,
            steps: [
              checkout({ fullHistory: true }),
              ...setupNode(NODE),
              releaseOrderOfPullRequest('md'),
              run('Post or update the release order comments', 'npm run -s delivery -- comment --pr "$PR" --file "$RUNNER_TEMP/release-order.md"', {
                PR: '${{ github.event.pull_request.number }}',
                GITHUB_TOKEN: '${{ github.token }}',
              }),
            ],
          },
        },
      },
      {
        file: 'approvals.yml',
        name: 'release approvals',
        description: `The required status check: the approvals each environment's release order demands (${chain}), from the pull request's reviews.`,
        on: {
          pull_request: { branches: [REPOSITORY.branch], types: ['opened', 'synchronize', 'reopened', 'ready_for_review'] },
          pull_request_review: { types: ['submitted', 'edited', 'dismissed'] },
        },
        permissions: {},
        concurrency: { group: 'approvals-${{ github.event.pull_request.number }}', 'cancel-in-progress': true },
        jobs: {
          approvals: {
            name: 'release-order approvals',
            'runs-on': RUNNER,
            permissions: { contents: 'read', 'pull-requests': 'read' },
            'timeout-minutes': 10,
            steps: [
              checkout({ fullHistory: true }),
              ...setupNode(NODE),
              releaseOrderOfPullRequest('json'),
              run('Check the approvals the release order demands', 'npm run -s delivery -- approvals --pr "$PR" --release-order "$RUNNER_TEMP/release-order.json" >> "$GITHUB_STEP_SUMMARY"', {
                PR: '${{ github.event.pull_request.number }}',
                GITHUB_TOKEN: '${{ github.token }}',
                TEAMS_TOKEN: '${{ secrets.TEAMS_READ_TOKEN }}',
              }),
            ],
          },
        },
      },
      {
        file: 'release.yml',
        name: 'release',
        description: `Runs on every merge to main: records the release in git notes (refs/notes/releases) and opens the next promotion pull requests along ${chain}.`,
        on: {
          push: { branches: [REPOSITORY.branch] },
          workflow_dispatch: {
            inputs: {
              app: { description: 'App to promote (a promotion that soak time refused earlier)', required: true, type: 'string' },
              to: { description: 'Environment to promote it to', required: true, type: 'string' },
            },
          },
        },
        permissions: {},
        concurrency: { group: 'release-main', 'cancel-in-progress': false },
        jobs: {
          record: {
            name: 'record the release',
            'runs-on': RUNNER,
            if: "github.event_name == 'push'",
            permissions: { contents: 'write', 'pull-requests': 'read' },
            'timeout-minutes': 10,
            steps: [
              checkout({ fullHistory: true, canPush: true }),
              ...setupNode(NODE),
              gitIdentity(),
              run(
                'Record the release order, pull request and approvals as a git note',
                [
                  'git fetch origin "+refs/notes/releases:refs/notes/releases" || true',
                  FIRST_PUSH,
                  'npm run -s release-order -- --base "$BEFORE" --head "$AFTER" --format json > "$RUNNER_TEMP/release-order.json"',
                  'npm run -s delivery -- record-release --commit "$AFTER" --release-order "$RUNNER_TEMP/release-order.json"',
                  'git push origin refs/notes/releases',
                ].join('\n'),
                { BEFORE: '${{ github.event.before }}', AFTER: '${{ github.sha }}', GITHUB_TOKEN: '${{ github.token }}', TEAMS_TOKEN: '${{ secrets.TEAMS_READ_TOKEN }}' },
              ),
            ],
          },
          promote: {
            name: 'open the next promotion pull requests',
            'runs-on': RUNNER,
            needs: ['record'],
            if: "always() && (needs.record.result == 'success' || github.event_name == 'workflow_dispatch')",
            permissions: { contents: 'write' },
            'timeout-minutes': 20,
            steps: [
              checkout({ fullHistory: true, canPush: true }),
              ...setupNode(NODE),
              gitIdentity(),
              run(
                'Plan the promotions',
                [
                  'if [ "$EVENT" = "workflow_dispatch" ]; then',
                  '  printf "%s %s\\n" "$INPUT_APP" "$INPUT_TO" > "$RUNNER_TEMP/promotions.txt"',
                  'else',
                  `  ${FIRST_PUSH}`,
                  '  npm run -s release-order -- --base "$BEFORE" --head "$AFTER" --format json > "$RUNNER_TEMP/release-order.json"',
                  '  npm run -s delivery -- next-promotions --release-order "$RUNNER_TEMP/release-order.json" > "$RUNNER_TEMP/promotions.txt"',
                  'fi',
                  'cat "$RUNNER_TEMP/promotions.txt"',
                ].join('\n'),
                { EVENT: '${{ github.event_name }}', INPUT_APP: '${{ inputs.app }}', INPUT_TO: '${{ inputs.to }}', BEFORE: '${{ github.event.before }}', AFTER: '${{ github.sha }}' },
              ),
              run(
                'Open one pull request per promotion',
                [
                  'while read -r app env; do',
                  '  [ -n "$app" ] || continue',
                  '  git switch --quiet --detach "$AFTER"',
                  '  if ! npm run -s promote -- "$app" --to "$env" --commit > "$RUNNER_TEMP/promote.log" 2>&1; then',
                  '    echo "::notice title=Not promoted: $app to $env::$(tail -n 5 "$RUNNER_TEMP/promote.log" | tr \'\\n\' \' \')"',
                  '    continue',
                  '  fi',
                  '  branch="$(git for-each-ref --format=\'%(refname:short)\' "refs/heads/promote/$env/$app-*" | head -n 1)"',
                  '  if git ls-remote --exit-code --heads origin "$branch" > /dev/null; then',
                  '    echo "::notice title=Already proposed::$branch exists"',
                  '    continue',
                  '  fi',
                  '  git push --quiet origin "$branch"',
                  `  gh pr create --base ${REPOSITORY.branch} --head "$branch" --title "Promote $app to $env" --body "Opened by the release workflow after $AFTER. The release order follows as a comment."`,
                  'done < "$RUNNER_TEMP/promotions.txt"',
                ].join('\n'),
                { AFTER: '${{ github.sha }}', GH_TOKEN: '${{ secrets.PROMOTION_TOKEN }}' },
              ),
            ],
          },
        },
      },
      {
        file: 'build-entry.yml',
        name: 'build entry',
        description: `Reusable workflow an application repository calls after pushing an image: pins it into ${buildEnvironment.name} and opens the pull request here.`,
        on: {
          workflow_call: {
            inputs: {
              app: { description: 'App name (its spec is apps/<app>.ts)', required: true, type: 'string' },
              version: { description: 'Image tag that was pushed', required: true, type: 'string' },
              digest: { description: 'Image digest (sha256:…) that was pushed', required: true, type: 'string' },
            },
            secrets: {
              PLATFORM_REPO_TOKEN: { description: 'Token that may push branches and open pull requests in the platform repository', required: true },
            },
          },
        },
        permissions: {},
        jobs: {
          pin: {
            name: `pin the image into ${buildEnvironment.name}`,
            'runs-on': RUNNER,
            permissions: { contents: 'read' },
            'timeout-minutes': 15,
            steps: [
              checkout({ fullHistory: true, canPush: true, repository: { slug: REPOSITORY.slug, token: '${{ secrets.PLATFORM_REPO_TOKEN }}' } }),
              ...setupNode(NODE),
              gitIdentity(),
              run(
                'Refuse malformed inputs',
                [
                  '[[ "$APP" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || { echo "::error::app \'$APP\' is not an app name"; exit 1; }',
                  '[[ "$VERSION" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "::error::version \'$VERSION\' is not an image tag"; exit 1; }',
                  '[[ "$DIGEST" =~ ^sha256:[a-f0-9]{64}$ ]] || { echo "::error::digest \'$DIGEST\' is not sha256:<64 hex>"; exit 1; }',
                ].join('\n'),
                { APP: '${{ inputs.app }}', VERSION: '${{ inputs.version }}', DIGEST: '${{ inputs.digest }}' },
              ),
              run(
                `Pin the image into ${buildEnvironment.name} and open the pull request`,
                [
                  `npm run -s promote -- "$APP" --to ${buildEnvironment.name} --version "$VERSION" --digest "$DIGEST" --commit`,
                  `branch="$(git for-each-ref --format='%(refname:short)' "refs/heads/promote/${buildEnvironment.name}/$APP-*" | head -n 1)"`,
                  'git push --quiet origin "$branch"',
                  `gh pr create --repo ${REPOSITORY.slug} --base ${REPOSITORY.branch} --head "$branch" --title "Release $APP $VERSION to ${buildEnvironment.name}" --body "Built by $CALLER ($RUN_URL)."`,
                ].join('\n'),
                {
                  APP: '${{ inputs.app }}',
                  VERSION: '${{ inputs.version }}',
                  DIGEST: '${{ inputs.digest }}',
                  CALLER: '${{ github.repository }}',
                  RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
                  GH_TOKEN: '${{ secrets.PLATFORM_REPO_TOKEN }}',
                },
              ),
            ],
          },
        },
      },
    ],
  };
});
