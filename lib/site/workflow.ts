/**
 * The workflow that publishes the fleet page to GitHub Pages on each merge
 * to the main branch. The build job reads the repository only; the deploy
 * job alone may write Pages and request the OIDC token the deployment needs.
 */
import { ACTIONS, checkout, run, setupNode, uses } from '../workflows/steps.ts';
import type { Workflow } from '../workflows/workflow.ts';

/** Options of `fleetPageWorkflow`. */
export interface FleetPageWorkflowOptions {
  /** Runner label (`ubuntu-24.04`). */
  readonly runner: string;
  /** Node version. */
  readonly node: string;
  /** Branch whose merges publish the page. */
  readonly branch: string;
}

/** Name of the generated workflow file. */
export const FLEET_PAGE_WORKFLOW = 'fleet-page.yml';

/** The GitHub Pages workflow of the fleet page. */
export function fleetPageWorkflow(options: FleetPageWorkflowOptions): Workflow {
  return {
    file: FLEET_PAGE_WORKFLOW,
    name: 'fleet page',
    description: `Publishes the fleet page (npm run site) to GitHub Pages on each merge to ${options.branch}.`,
    on: { push: { branches: [options.branch] }, workflow_dispatch: {} },
    permissions: {},
    concurrency: { group: 'fleet-page', 'cancel-in-progress': false },
    jobs: {
      build: {
        name: 'build the fleet page',
        'runs-on': options.runner,
        permissions: { contents: 'read' },
        'timeout-minutes': 15,
        steps: [
          checkout({ fullHistory: true }),
          ...setupNode(options.node),
          // The audit's evidence (approvals, proven sources) is in the release records, a notes ref checkout leaves
          // out.
          run(
            'Fetch the release records',
            'git fetch --no-tags origin "+refs/notes/releases:refs/notes/releases" || echo "::warning::no release records fetched: the page shows no approvals"',
          ),
          run(
            'Build the fleet page',
            'npm run -s site -- --out "$RUNNER_TEMP/site" --pr-url "$SERVER/$REPOSITORY/pull/{n}"',
            {
              SERVER: '${{ github.server_url }}',
              REPOSITORY: '${{ github.repository }}',
            },
          ),
          {
            name: 'Upload the page',
            uses: uses(ACTIONS.uploadPagesArtifact),
            with: { path: '${{ runner.temp }}/site' },
          },
        ],
      },
      deploy: {
        name: 'publish to GitHub Pages',
        'runs-on': options.runner,
        needs: ['build'],
        permissions: { pages: 'write', 'id-token': 'write' },
        environment: { name: 'github-pages', url: '${{ steps.deployment.outputs.page_url }}' },
        'timeout-minutes': 10,
        steps: [{ name: 'Deploy to GitHub Pages', id: 'deployment', uses: uses(ACTIONS.deployPages) }],
      },
    },
  };
}
