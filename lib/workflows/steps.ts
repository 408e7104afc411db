/**
 * Steps the pipeline is built from. Third-party actions are pinned by full
 * commit SHA (a tag can be moved to other code; a commit cannot); the
 * release each SHA belongs to is written beside it in the generated file.
 * Every pinned release runs on Node 24.
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
  checkout: { repo: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', release: 'v7.0.1' },
  setupNode: { repo: 'actions/setup-node', sha: '820762786026740c76f36085b0efc47a31fe5020', release: 'v7.0.0' },
  uploadArtifact: {
    repo: 'actions/upload-artifact',
    sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f',
    release: 'v7.0.0',
  },
  downloadArtifact: {
    repo: 'actions/download-artifact',
    sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c',
    release: 'v8.0.1',
  },
  uploadPagesArtifact: {
    repo: 'actions/upload-pages-artifact',
    sha: 'fc324d3547104276b827a68afc52ff2a11cc49c9',
    release: 'v5.0.0',
  },
  deployPages: { repo: 'actions/deploy-pages', sha: 'cd2ce8fcbc39b97be8ca5fce6e763baed58fa128', release: 'v5.0.0' },
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
  return run(
    'Set the git identity',
    [
      'git config user.name "platform-release-bot"',
      'git config user.email "platform-release-bot@users.noreply.insure.example"',
    ].join('\n'),
  );
}

/** Hands the files under `path` to a later job of the same run, as artifact `name`. */
export function uploadArtifact(name: string, path: string): Step {
  return {
    name: `Hand over ${name}`,
    uses: uses(ACTIONS.uploadArtifact),
    with: { name, path, 'if-no-files-found': 'error', 'retention-days': 7 },
  };
}

/** Takes artifact `name` of an earlier job of the same run into `path`. */
export function downloadArtifact(name: string, path: string): Step {
  return { name: `Take over ${name}`, uses: uses(ACTIONS.downloadArtifact), with: { name, path } };
}
