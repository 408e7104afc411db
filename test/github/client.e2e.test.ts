import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHub, GitHubError } from '../../lib/github/client.ts';

/** A stand-in for the GitHub API on the loopback interface, recording every request. */
let server: Server;
let base = '';
const seen: { method: string; url: string; auth: string; body: string }[] = [];

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = req.url ?? '';
    seen.push({ method: req.method ?? '', url, auth: req.headers.authorization ?? '', body: await body(req) });
    res.setHeader('content-type', 'application/json');
    if (url === '/repos/insure/platform/pulls/7/reviews?per_page=100') {
      res.setHeader('link', `<${base}/repos/insure/platform/pulls/7/reviews?per_page=100&page=2>; rel="next"`);
      res.end(
        JSON.stringify([
          {
            user: { login: 'sre-gus' },
            state: 'APPROVED',
            commit_id: 'abc',
            submitted_at: '2026-05-04T10:00:00Z',
            body: 'Release-Override: planned',
          },
          { user: null, state: 'APPROVED', commit_id: 'abc' },
        ]),
      );
    } else if (url === '/repos/insure/platform/pulls/7/reviews?per_page=100&page=2') {
      res.end(
        JSON.stringify([
          {
            user: { login: 'rm-jo' },
            state: 'CHANGES_REQUESTED',
            commit_id: 'abc',
            submitted_at: '2026-05-04T11:00:00Z',
          },
        ]),
      );
    } else if (url === '/orgs/insure/teams/sre/members?per_page=100') {
      res.end(JSON.stringify([{ login: 'sre-gus' }, { login: 'sre-hal' }]));
    } else if (url === '/orgs/insure/teams/secret-team/members?per_page=100') {
      res.statusCode = 403;
      res.end(JSON.stringify({ message: 'Resource not accessible by integration' }));
    } else if (url === '/repos/insure/platform/issues/comments/5' && req.method === 'PATCH') {
      res.end('{}');
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'Not Found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('GitHub adapter', () => {
  it('reads every page of reviews with the token and their text, dropping deleted users', async () => {
    const gh = new GitHub({ token: 't0ken', apiUrl: base });
    const reviews = await gh.reviews('insure/platform', 7);
    expect(reviews).toEqual([
      {
        user: 'sre-gus',
        state: 'APPROVED',
        commitId: 'abc',
        submittedAt: '2026-05-04T10:00:00Z',
        body: 'Release-Override: planned',
      },
      { user: 'rm-jo', state: 'CHANGES_REQUESTED', commitId: 'abc', submittedAt: '2026-05-04T11:00:00Z', body: '' },
    ]);
    expect(seen.filter((s) => s.url.includes('/reviews')).every((s) => s.auth === 'Bearer t0ken')).toBe(true);
  });

  it('reads team members by handle', async () => {
    expect(await new GitHub({ token: 't', apiUrl: base }).teamMembers('@insure/SRE')).toEqual(['sre-gus', 'sre-hal']);
  });

  it('edits a comment with a JSON body', async () => {
    await new GitHub({ token: 't', apiUrl: base }).updateComment('insure/platform', 5, 'new body');
    const patch = seen.find((s) => s.method === 'PATCH')!;
    expect(JSON.parse(patch.body)).toEqual({ body: 'new body' });
  });

  it('fails with the call, the status and what to do when the token may not read a team', async () => {
    const error = await new GitHub({ token: 't', apiUrl: base })
      .teamMembers('@insure/secret-team')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as Error).message).toBe(
      'GitHub API GET /orgs/insure/teams/secret-team/members?per_page=100 failed (HTTP 403): Resource not accessible by integration. Fix: the token lacks a permission this call needs (team members need read:org or members:read; comments need pull-requests: write)',
    );
  });

  it('fails without a token, and on a malformed repository or team', async () => {
    expect(() => new GitHub({ token: '' })).toThrow('no GitHub token; set GITHUB_TOKEN');
    const gh = new GitHub({ token: 't', apiUrl: base });
    await expect(gh.reviews('not-a-repo', 1)).rejects.toThrow("'not-a-repo' is not a repository (owner/name)");
    await expect(gh.teamMembers('sre')).rejects.toThrow("'sre' is not a team handle (@org/team)");
  });
});
