/**
 * Steps the pipeline is built from. Third-party actions are pinned by full
 * commit SHA (a tag can be moved to other code; a commit cannot); the
 * release each SHA belongs to is written beside it in the generated file.
 */
import type { Step } from './workflow.ts';

/** A third-party action pinned to one commit. */
export interface PinnedAction {
  /** `owner/repo`. */
  readonly repo: string;
  /** Full 40-hex commit SHA of the release. */
  readonly sha: string;
  /** The release tag the SHA belongs to, for readers and update tools. */
  readonly release: string;
}

/** Every third-party action the pipeline uses. */
export const ACTIONS = {
  checkout: { repo: 'actions/checkout', sha: '11bd71901bbe5b1630ceea73d27597364c9af683', release: 'v4.2.2' },
  setupNode: { repo: 'actions/setup-node', sha: '49933ea5288caeca8642d1e84afbd3f7d6820020', release: 'v4.4.0' },
  uploadPagesArtifact: {
    repo: 'actions/upload-pages-artifact',
    sha: '56afc609e74202658d3ffba0e8f6dda462b719fa',
    release: 'v3.0.1',
  },
  deployPages: { repo: 'actions/deploy-pages', sha: 'd6db90164ac5ed86f2b6aed7e0febac5b3c0c03e', release: 'v4.0.5' },
} as const satisfies Record<string, PinnedAction>;

/** `owner/repo@sha` of a pinned action. */
export function uses(action: PinnedAction): string {
  return `${action.repo}@${action.sha}`;
}

/** Options of `checkout`. */
export interface CheckoutOptions {
  /**
   * Whole history (release orders compare revisions).
   * @default false
   */
  readonly fullHistory?: boolean;
  /**
   * Keep the token in the local git config so later steps can push.
   * @default false
   */
  readonly canPush?: boolean;
  /**
   * Another repository (`owner/name`) to check out, with `token` as an expression naming a secret.
   * @default - the repository the workflow runs in
   */
  readonly repository?: { readonly slug: string; readonly token: string };
}

/** Checks out the repository. Credentials are not kept unless the job pushes. */
export function checkout(options: CheckoutOptions = {}): Step {
  return {
    name: 'Check out',
    uses: uses(ACTIONS.checkout),
    with: {
      ...(options.repository ? { repository: options.repository.slug, token: options.repository.token } : {}),
      'fetch-depth': options.fullHistory ? 0 : 1,
      'persist-credentials': options.canPush ?? false,
    },
  };
}

/** Installs Node and exactly the locked dependencies (`npm ci`). */
export function setupNode(nodeVersion: string): Step[] {
  return [
    { name: 'Set up Node', uses: uses(ACTIONS.setupNode), with: { 'node-version': nodeVersion, cache: 'npm' } },
    { name: 'Install', run: 'npm ci' },
  ];
}

/** A shell step. `env` carries every context value the script reads. */
export function run(name: string, script: string, env?: Record<string, string>): Step {
  return { name, run: script, ...(env && Object.keys(env).length > 0 ? { env } : {}) };
}

/** Sets the git identity of commits and notes the pipeline makes. */
export function gitIdentity(): Step {
  return run('Set the git identity', ['git config user.name "platform-release-bot"', 'git config user.email "platform-release-bot@users.noreply.insure.example"'].join('\n'));
}
