/**
 * A thin adapter over the GitHub REST API: the few calls the pipeline makes,
 * with pagination and errors that name the call and what to do. No decisions
 * are made here; see `approvals.ts` and `comments.ts`.
 *
 * @see https://docs.github.com/en/rest
 */
import type { Review, ReviewState } from './approvals.ts';
import type { ExistingComment } from './comments.ts';

/** A failed API call. */
export class GitHubError extends Error {
  constructor(
    public readonly status: number,
    public readonly call: string,
    detail: string,
    fix: string,
  ) {
    super(`GitHub API ${call} failed (HTTP ${status}): ${detail}. Fix: ${fix}`);
    this.name = 'GitHubError';
  }
}

/** Options of the client. */
export interface GitHubOptions {
  /** Token sent as a bearer token. */
  readonly token: string;
  /**
   * API root (`GITHUB_API_URL` on Actions runners, which also covers GitHub Enterprise Server).
   * @default 'https://api.github.com'
   */
  readonly apiUrl?: string;
}

/** `owner/name`, split. */
export function splitRepo(slug: string): { owner: string; name: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(slug);
  if (!m)
    throw new Error(
      `'${slug}' is not a repository (owner/name); pass --repo owner/name or run where GITHUB_REPOSITORY is set`,
    );
  return { owner: m[1]!, name: m[2]! };
}

/** `@org/team` → `{ org, slug }`. */
export function splitTeam(handle: string): { org: string; slug: string } {
  const m = /^@([A-Za-z0-9-]+)\/([A-Za-z0-9_.-]+)$/.exec(handle);
  if (!m) throw new Error(`'${handle}' is not a team handle (@org/team); fix approvals.approvers in the environment`);
  return { org: m[1]!, slug: m[2]!.toLowerCase() };
}

const FIX: Record<number, string> = {
  401: 'the token is missing or expired; set GITHUB_TOKEN',
  403: 'the token lacks a permission this call needs (team members need read:org or members:read; comments need pull-requests: write)',
  404: 'check the repository, pull request or team name, and that the token can see it',
};

/** The calls the pipeline makes. */
export class GitHub {
  private readonly apiUrl: string;

  constructor(private readonly options: GitHubOptions) {
    if (!options.token)
      throw new Error('no GitHub token; set GITHUB_TOKEN (on Actions: env GITHUB_TOKEN: ${{ github.token }})');
    this.apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ data: unknown; next?: string }> {
    const url = path.startsWith('http') ? path : `${this.apiUrl}${path}`;
    const call = `${method} ${url.slice(this.apiUrl.length) || url}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.options.token}`,
          'x-github-api-version': '2022-11-28',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new GitHubError(0, call, (error as Error).message, `check that ${this.apiUrl} is reachable`);
    }
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 200);
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? detail;
      } catch {
        // Not JSON: keep the raw text.
      }
      throw new GitHubError(
        response.status,
        call,
        detail,
        FIX[response.status] ?? 'retry; if it persists, check the GitHub status page',
      );
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    return { data: text ? (JSON.parse(text) as unknown) : undefined, next };
  }

  /** Every item of a paginated list. */
  private async all<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = `${path}${path.includes('?') ? '&' : '?'}per_page=100`;
    while (url) {
      const { data, next }: { data: unknown; next?: string } = await this.call('GET', url);
      out.push(...(data as T[]));
      url = next;
    }
    return out;
  }

  /** Author and head commit of a pull request. */
  async pullRequest(repo: string, pr: number): Promise<{ author: string; headSha: string }> {
    const { owner, name } = splitRepo(repo);
    const { data } = await this.call('GET', `/repos/${owner}/${name}/pulls/${pr}`);
    const d = data as { user: { login: string }; head: { sha: string } };
    return { author: d.user.login, headSha: d.head.sha };
  }

  /** Every review of a pull request. */
  async reviews(repo: string, pr: number): Promise<Review[]> {
    const { owner, name } = splitRepo(repo);
    const raw = await this.all<{
      user: { login: string } | null;
      state: ReviewState;
      commit_id: string;
      submitted_at?: string;
      body?: string | null;
    }>(`/repos/${owner}/${name}/pulls/${pr}/reviews`);
    return raw
      .filter((r) => r.user !== null)
      .map((r) => ({
        user: r.user!.login,
        state: r.state,
        commitId: r.commit_id,
        submittedAt: r.submitted_at ?? '',
        body: r.body ?? '',
      }));
  }

  /** Logins of a team's members (`@org/team`). */
  async teamMembers(handle: string): Promise<string[]> {
    const { org, slug } = splitTeam(handle);
    const raw = await this.all<{ login: string }>(`/orgs/${org}/teams/${slug}/members`);
    return raw.map((m) => m.login);
  }

  /** Comments on a pull request's conversation. */
  async comments(repo: string, pr: number): Promise<ExistingComment[]> {
    const { owner, name } = splitRepo(repo);
    const raw = await this.all<{ id: number; body?: string; user: { login: string } | null }>(
      `/repos/${owner}/${name}/issues/${pr}/comments`,
    );
    return raw.map((c) => ({ id: c.id, body: c.body ?? '', author: c.user?.login ?? '' }));
  }

  /** Adds a comment to a pull request. */
  async createComment(repo: string, pr: number, body: string): Promise<void> {
    const { owner, name } = splitRepo(repo);
    await this.call('POST', `/repos/${owner}/${name}/issues/${pr}/comments`, { body });
  }

  /** Replaces a comment's body. */
  async updateComment(repo: string, id: number, body: string): Promise<void> {
    const { owner, name } = splitRepo(repo);
    await this.call('PATCH', `/repos/${owner}/${name}/issues/comments/${id}`, { body });
  }

  /** Deletes a comment. */
  async deleteComment(repo: string, id: number): Promise<void> {
    const { owner, name } = splitRepo(repo);
    await this.call('DELETE', `/repos/${owner}/${name}/issues/comments/${id}`);
  }

  /** Sets a commit status (the check a branch protection rule can require) on `sha`. */
  async setStatus(
    repo: string,
    sha: string,
    status: { state: 'success' | 'failure' | 'pending'; context: string; description: string },
  ): Promise<void> {
    const { owner, name } = splitRepo(repo);
    await this.call('POST', `/repos/${owner}/${name}/statuses/${sha}`, {
      ...status,
      description: status.description.slice(0, 140),
    });
  }

  /** Merged pull requests that a commit belongs to (the one a merge commit closed). */
  async pullRequestsOfCommit(repo: string, sha: string): Promise<number[]> {
    const { owner, name } = splitRepo(repo);
    const raw = await this.all<{ number: number; merged_at: string | null }>(
      `/repos/${owner}/${name}/commits/${sha}/pulls`,
    );
    return raw.filter((p) => p.merged_at !== null).map((p) => p.number);
  }
}
