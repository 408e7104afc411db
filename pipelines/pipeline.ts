/**
 * The delivery pipeline, declared once. `npm run pipelines` turns it into
 * `.github/workflows/*.yml` and `.github/CODEOWNERS`; `npm run argocd` reads
 * `repository` from it. Edit this file, never the generated ones.
 */
import { definePipeline, type Job, type Pipeline, type Workflow } from '../lib/workflows/workflow.ts';
import { checkout, downloadArtifact, gitIdentity, run, setupNode, uploadArtifact } from '../lib/workflows/steps.ts';
import { fleetPageWorkflow } from '../lib/site/workflow.ts';

const NODE = '20';
const RUNNER = 'ubuntu-24.04';
const REPOSITORY = {
  slug: 'insure/platform-gitops',
  url: 'https://github.insure.example/insure/platform-gitops.git',
  branch: 'main',
};

/** The commit status of the approval check; branch protection on main requires it. */
const APPROVALS_STATUS = 'release-order approvals';
/** The workflow that only marks that a review changed. */
const REVIEW_WORKFLOW = 'review';

/** Artifacts the untrusted jobs hand to the trusted ones. */
const PROMOTIONS = 'promotions';
const PLATFORM = 'platform-repository';
const BUILD_PROMOTION = 'platform-promotion';

/** A push that creates the branch has no "before": compare with the first parent instead. */
const FIRST_PUSH = '[ "$BEFORE" != "0000000000000000000000000000000000000000" ] || BEFORE="$(git rev-parse "$AFTER^")"';

/**
 * Branches of promotions made by an untrusted job, handed over as a git bundle in artifact `name`.
 * The bundle and the list of its branches are written to `$RUNNER_TEMP/<name>/`.
 */
function bundleBranches(name: string, pattern: string) {
  return run(
    'Bundle the promotion branches',
    [
      `mkdir -p "$RUNNER_TEMP/${name}"`,
      `git for-each-ref --format='%(refname:short)' ${pattern} > "$RUNNER_TEMP/${name}/branches.txt"`,
      `if [ -s "$RUNNER_TEMP/${name}/branches.txt" ]; then`,
      `  xargs git bundle create "$RUNNER_TEMP/${name}/branches.bundle" < "$RUNNER_TEMP/${name}/branches.txt"`,
      'fi',
      `cat "$RUNNER_TEMP/${name}/branches.txt"`,
    ].join('\n'),
  );
}

/**
 * Takes the branches of artifact `name` as data: each must be a promotion branch of one commit on
 * `$AFTER` that changes only versions files and manifests (never code), then pushes it with the
 * token and opens its pull request. Runs git and gh only, none of the repository's code.
 */
function proposeBranches(name: string, title: string, body: string) {
  return run(
    'Check, push and propose each promotion branch',
    [
      `list="$RUNNER_TEMP/${name}/branches.txt"`,
      'remote="https://x-access-token:${GH_TOKEN}@${SERVER#https://}/${REPO}.git"',
      'while read -r branch; do',
      '  [ -n "$branch" ] || continue',
      '  [[ "$branch" =~ ^(promote|rollback)/[a-z0-9-]+/[A-Za-z0-9._-]+$ ]] || { echo "::error::not a promotion branch: $branch"; exit 1; }',
      `  git fetch --quiet --no-tags "$RUNNER_TEMP/${name}/branches.bundle" "refs/heads/$branch:refs/heads/$branch"`,
      '  [ "$(git rev-list --count "$AFTER..$branch")" = 1 ] && [ "$(git rev-parse "$branch^")" = "$AFTER" ] || { echo "::error::$branch is not one commit on $AFTER"; exit 1; }',
      '  other="$(git diff --name-only "$AFTER" "$branch" | grep -v -E \'^(environments/[a-z0-9-]+/versions\\.json|manifests/.+)$\' || true)"',
      '  [ -z "$other" ] || { echo "::error::$branch changes more than pins and manifests: $other"; exit 1; }',
      '  if git ls-remote --exit-code --heads "$remote" "$branch" > /dev/null; then',
      '    echo "::notice title=Already proposed::$branch exists"',
      '    continue',
      '  fi',
      '  git push --quiet "$remote" "refs/heads/$branch:refs/heads/$branch"',
      `  gh pr create --repo "$REPO" --base ${REPOSITORY.branch} --head "$branch" --title ${title} --body ${body}`,
      'done < "$list"',
    ].join('\n'),
  );
}

/** The day the release workflow began to record releases: earlier commits have no record to audit against. */
const RECORDS_SINCE = '2026-12-05';

/**
 * The exceptions audit: nightly and on every push to main, `audit --exceptions` lists each change to the
 * audited environments that skipped the process and fails the run when there is one. It reads git history and
 * the release records only (no app spec is evaluated); its token can only read.
 */
function auditWorkflow(): Workflow {
  return {
    file: 'audit.yml',
    name: 'audit',
    description:
      `Lists every change on ${REPOSITORY.branch} that skipped the release process ` +
      '(npm run audit -- --exceptions), nightly and on every push; fails when there is one.',
    on: { push: { branches: [REPOSITORY.branch] }, schedule: [{ cron: '17 2 * * *' }], workflow_dispatch: {} },
    permissions: {},
    concurrency: { group: 'audit', 'cancel-in-progress': false },
    jobs: {
      exceptions: {
        name: 'process exceptions',
        'runs-on': RUNNER,
        permissions: { contents: 'read' },
        'timeout-minutes': 20,
        steps: [
          checkout({ fullHistory: true }),
          ...setupNode(NODE),
          run(
            'Fetch the release records (the evidence)',
            [
              'auth="AUTHORIZATION: basic $(printf \'x-access-token:%s\' "$GH_TOKEN" | base64 -w0)"',
              'git -c "http.extraheader=$auth" fetch --no-tags origin "+refs/notes/releases:refs/notes/releases"',
            ].join('\n'),
            { GH_TOKEN: '${{ github.token }}' },
          ),
          run(
            'List the exceptions',
            [
              'rc=0',
              `npm run -s audit -- --exceptions --since ${RECORDS_SINCE} > "$RUNNER_TEMP/exceptions.md" || rc=$?`,
              'cat "$RUNNER_TEMP/exceptions.md" >> "$GITHUB_STEP_SUMMARY"',
              'cat "$RUNNER_TEMP/exceptions.md"',
              'exit "$rc"',
            ].join('\n'),
          ),
        ],
      },
    },
  };
}

export default definePipeline(({ environments, buildEnvironment }): Pipeline => {
  const chain = environments.map((e) => e.name).join(' → ');
  const checks: Job = {
    name: 'checks',
    'runs-on': RUNNER,
    permissions: { contents: 'read' },
    'timeout-minutes': 30,
    steps: [
      // The whole history: environments outside dev render the spec texts their pins name, read from git objects,
      // and the tests read this repository's history.
      checkout({ fullHistory: true }),
      ...setupNode(NODE),
      // promtool checks the alert rules in validate; the verification tests start a real Prometheus on loopback.
      run(
        'Install Prometheus and promtool',
        [
          'command -v promtool || {',
          '  sudo apt-get update',
          '  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus',
          '  sudo systemctl stop prometheus || true',
          '}',
        ].join('\n'),
      ),
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
      auditWorkflow(),
      {
        file: 'pull-request.yml',
        name: 'pull request',
        description: 'Checks every pull request with its own code: no secret, read-only token, no credentials kept.',
        on: {
          pull_request: {
            branches: [REPOSITORY.branch],
            types: ['opened', 'synchronize', 'reopened', 'ready_for_review'],
          },
        },
        permissions: {},
        concurrency: { group: 'pull-request-${{ github.event.pull_request.number }}', 'cancel-in-progress': true },
        jobs: { checks },
      },
      {
        file: 'release-order.yml',
        name: 'release order',
        description: `The release order and the required check '${APPROVALS_STATUS}' (${chain}): the base branch's code and policy judge the pull request's manifests and pins, read from git as data.`,
        on: {
          pull_request_target: {
            branches: [REPOSITORY.branch],
            types: ['opened', 'synchronize', 'reopened', 'ready_for_review'],
          },
          workflow_run: { workflows: [REVIEW_WORKFLOW], types: ['completed'] },
        },
        permissions: {},
        concurrency: {
          group: 'release-order-${{ github.event.pull_request.number || github.event.workflow_run.head_sha }}',
          'cancel-in-progress': true,
        },
        jobs: {
          'release-order': {
            name: 'release order',
            'runs-on': RUNNER,
            permissions: { contents: 'read', 'pull-requests': 'write', statuses: 'write' },
            'timeout-minutes': 15,
            steps: [
              checkout({ fullHistory: true }),
              ...setupNode(NODE),
              run(
                'Fetch the pull request as data (never checked out)',
                [
                  'if [ -z "$PR" ]; then PR="$(gh api "repos/$REPO/commits/$EVENT_SHA/pulls" --jq \'map(select(.state == "open")) | .[0].number\')"; fi',
                  '[[ "$PR" =~ ^[0-9]+$ ]] || { echo "::error::no open pull request has $EVENT_SHA"; exit 1; }',
                  'git fetch --quiet --no-tags origin "+refs/pull/$PR/head:refs/remotes/pull/head"',
                  'head="$(git rev-parse refs/remotes/pull/head)"',
                  '{ echo "PR=$PR"; echo "HEAD_SHA=$head"; echo "BASE_SHA=$(git merge-base HEAD "$head")"; } >> "$GITHUB_ENV"',
                ].join('\n'),
                {
                  PR: '${{ github.event.pull_request.number }}',
                  EVENT_SHA: '${{ github.event.pull_request.head.sha || github.event.workflow_run.head_sha }}',
                  REPO: '${{ github.repository }}',
                  GH_TOKEN: '${{ github.token }}',
                },
              ),
              run(
                'Compute the release order with the base branch code',
                [
                  'for format in md json; do',
                  '  rc=0',
                  '  extra=()',
                  "  # A change too large for one comment gets a summary; the full detail is the run's artifact.",
                  '  [ "$format" = json ] || extra=(--out "$RUNNER_TEMP/release-order-detail" --detail-link "$RUN_URL")',
                  '  npm run -s release-order -- --base "$BASE_SHA" --head "$HEAD_SHA" --format "$format" "${extra[@]}" > "$RUNNER_TEMP/release-order.$format" || rc=$?',
                  '  # 1: refused by a release guard; the approval check below decides whether an override lifts it.',
                  '  [ "$rc" -le 1 ] || exit "$rc"',
                  'done',
                ].join('\n'),
                { RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}' },
              ),
              uploadArtifact('release-order-detail', '${{ runner.temp }}/release-order-detail'),
              run(
                'Post or update the release order comments',
                'npm run -s delivery -- comment --pr "$PR" --file "$RUNNER_TEMP/release-order.md"',
                {
                  GITHUB_TOKEN: '${{ github.token }}',
                },
              ),
              run(
                'Check the approvals the release order demands',
                'npm run -s delivery -- approvals --pr "$PR" --release-order "$RUNNER_TEMP/release-order.json" --status >> "$GITHUB_STEP_SUMMARY"',
                { GITHUB_TOKEN: '${{ github.token }}', TEAMS_TOKEN: '${{ secrets.TEAMS_READ_TOKEN }}' },
              ),
            ],
          },
        },
      },
      {
        file: 'review.yml',
        name: REVIEW_WORKFLOW,
        description:
          'Runs when a review is given or withdrawn, only to start the release order workflow again (workflow_run); holds nothing and runs nothing.',
        on: { pull_request_review: { types: ['submitted', 'edited', 'dismissed'] } },
        permissions: {},
        jobs: {
          review: {
            name: 'review changed',
            'runs-on': RUNNER,
            permissions: {},
            'timeout-minutes': 2,
            steps: [
              run(
                'Hand over to the release order workflow',
                'echo "The release order workflow checks the approvals again with the base branch code."',
              ),
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
              app: {
                description: 'App to promote (a promotion that soak time refused earlier)',
                required: true,
                type: 'string',
              },
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
                {
                  BEFORE: '${{ github.event.before }}',
                  AFTER: '${{ github.sha }}',
                  GITHUB_TOKEN: '${{ github.token }}',
                  TEAMS_TOKEN: '${{ secrets.TEAMS_READ_TOKEN }}',
                },
              ),
            ],
          },
          'plan-promotions': {
            name: 'make the next promotions',
            'runs-on': RUNNER,
            needs: ['record'],
            if: "always() && (needs.record.result == 'success' || github.event_name == 'workflow_dispatch')",
            permissions: { contents: 'read' },
            'timeout-minutes': 20,
            steps: [
              checkout({ fullHistory: true }),
              ...setupNode(NODE),
              gitIdentity(),
              run(
                'Plan the promotions',
                [
                  'if [ "$EVENT" = "workflow_dispatch" ]; then',
                  '  printf "%s %s\\n" "$INPUT_APP" "$INPUT_TO" > "$RUNNER_TEMP/promotions.txt"',
                  'else',
                  `  ${FIRST_PUSH}`,
                  '  npm run -s release-order -- --base "$BEFORE" --head "$AFTER" --format json > "$RUNNER_TEMP/release-order.json" || [ $? -eq 1 ]',
                  '  npm run -s delivery -- next-promotions --release-order "$RUNNER_TEMP/release-order.json" > "$RUNNER_TEMP/promotions.txt"',
                  'fi',
                  'cat "$RUNNER_TEMP/promotions.txt"',
                ].join('\n'),
                {
                  EVENT: '${{ github.event_name }}',
                  INPUT_APP: '${{ inputs.app }}',
                  INPUT_TO: '${{ inputs.to }}',
                  BEFORE: '${{ github.event.before }}',
                  AFTER: '${{ github.sha }}',
                },
              ),
              run(
                'Make one promotion branch per promotion (no token: promote renders the app specs)',
                [
                  'while read -r app env; do',
                  '  [ -n "$app" ] || continue',
                  '  git switch --quiet --detach "$AFTER"',
                  '  if ! npm run -s promote -- "$app" --to "$env" --commit > "$RUNNER_TEMP/promote.log" 2>&1; then',
                  '    echo "::notice title=Not promoted: $app to $env::$(tail -n 5 "$RUNNER_TEMP/promote.log" | tr \'\\n\' \' \')"',
                  '  fi',
                  'done < "$RUNNER_TEMP/promotions.txt"',
                ].join('\n'),
                { AFTER: '${{ github.sha }}' },
              ),
              bundleBranches(PROMOTIONS, 'refs/heads/promote/ refs/heads/rollback/'),
              uploadArtifact(PROMOTIONS, `\${{ runner.temp }}/${PROMOTIONS}`),
            ],
          },
          'open-promotions': {
            name: 'open the next promotion pull requests',
            'runs-on': RUNNER,
            needs: ['plan-promotions'],
            permissions: { contents: 'read' },
            'timeout-minutes': 10,
            steps: [
              checkout({ fullHistory: true }),
              downloadArtifact(PROMOTIONS, `\${{ runner.temp }}/${PROMOTIONS}`),
              {
                ...proposeBranches(
                  PROMOTIONS,
                  '"Promote ${branch#*/}"',
                  '"Opened by the release workflow after $AFTER. The release order follows as a comment."',
                ),
                env: {
                  AFTER: '${{ github.sha }}',
                  REPO: '${{ github.repository }}',
                  SERVER: '${{ github.server_url }}',
                  GH_TOKEN: '${{ secrets.PROMOTION_TOKEN }}',
                },
              },
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
              PLATFORM_REPO_TOKEN: {
                description: 'Token that may push branches and open pull requests in the platform repository',
                required: true,
              },
            },
          },
        },
        permissions: {},
        jobs: {
          fetch: {
            name: 'fetch the platform repository',
            'runs-on': RUNNER,
            permissions: {},
            'timeout-minutes': 10,
            steps: [
              checkout({
                fullHistory: true,
                repository: { slug: REPOSITORY.slug, token: '${{ secrets.PLATFORM_REPO_TOKEN }}' },
              }),
              run(
                'Bundle the platform repository',
                `mkdir -p "$RUNNER_TEMP/${PLATFORM}" && git bundle create "$RUNNER_TEMP/${PLATFORM}/repo.bundle" HEAD --branches`,
              ),
              uploadArtifact(PLATFORM, `\${{ runner.temp }}/${PLATFORM}`),
            ],
          },
          pin: {
            name: `pin the image into ${buildEnvironment.name}`,
            'runs-on': RUNNER,
            needs: ['fetch'],
            permissions: {},
            'timeout-minutes': 15,
            steps: [
              downloadArtifact(PLATFORM, `\${{ runner.temp }}/${PLATFORM}`),
              run(
                'Clone the platform repository from the bundle',
                `git clone --quiet "$RUNNER_TEMP/${PLATFORM}/repo.bundle" .`,
              ),
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
                `Pin the image into ${buildEnvironment.name} (no token: promote renders the app specs)`,
                `npm run -s promote -- "$APP" --to ${buildEnvironment.name} --version "$VERSION" --digest "$DIGEST" --commit`,
                { APP: '${{ inputs.app }}', VERSION: '${{ inputs.version }}', DIGEST: '${{ inputs.digest }}' },
              ),
              bundleBranches(BUILD_PROMOTION, `refs/heads/promote/${buildEnvironment.name}/`),
              uploadArtifact(BUILD_PROMOTION, `\${{ runner.temp }}/${BUILD_PROMOTION}`),
            ],
          },
          open: {
            name: 'open the pull request',
            'runs-on': RUNNER,
            needs: ['pin'],
            permissions: {},
            'timeout-minutes': 10,
            steps: [
              downloadArtifact(PLATFORM, `\${{ runner.temp }}/${PLATFORM}`),
              downloadArtifact(BUILD_PROMOTION, `\${{ runner.temp }}/${BUILD_PROMOTION}`),
              run(
                'Clone the platform repository from the bundle',
                `git clone --quiet "$RUNNER_TEMP/${PLATFORM}/repo.bundle" . && echo "AFTER=$(git rev-parse HEAD)" >> "$GITHUB_ENV"`,
              ),
              {
                ...proposeBranches(
                  BUILD_PROMOTION,
                  `"Release $APP $VERSION to ${buildEnvironment.name}"`,
                  '"Built by $CALLER ($RUN_URL)."',
                ),
                env: {
                  APP: '${{ inputs.app }}',
                  VERSION: '${{ inputs.version }}',
                  CALLER: '${{ github.repository }}',
                  RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
                  REPO: REPOSITORY.slug,
                  SERVER: '${{ github.server_url }}',
                  GH_TOKEN: '${{ secrets.PLATFORM_REPO_TOKEN }}',
                },
              },
            ],
          },
        },
      },
    ],
  };
});
