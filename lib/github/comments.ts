/**
 * The release order as pull request comments: split to fit GitHub's
 * 65,536-character limit, each part standing alone, and kept up to date on
 * every push by editing the same comments (found by a hidden marker and
 * their author, the bot) instead of adding new ones. A comment by anyone
 * else is never edited or deleted, whatever it contains.
 */

/** GitHub's limit on one comment body, in characters. */
export const COMMENT_LIMIT = 65536;
/** Hidden marker that identifies the release-order comments. */
export const COMMENT_MARKER = '<!-- platform:release-order';

/** Login of the account that posts the comments with the workflow's token. */
export const COMMENT_BOT = 'github-actions[bot]';

/** An existing comment on the pull request. */
export interface ExistingComment {
  readonly id: number;
  readonly body: string;
  /** Login of the comment's author. */
  readonly author: string;
}

/** What to do to the pull request's comments. */
export interface CommentPlan {
  readonly create: string[];
  readonly update: { readonly id: number; readonly body: string }[];
  readonly remove: number[];
  readonly unchanged: number;
}

/** Room left for the text of a part after its marker and heading. */
const OVERHEAD = 200;

/**
 * Splits Markdown into chunks of at most `limit` characters, at line
 * boundaries, preferring a heading as the first line of a chunk. An open code
 * fence or `<details>` block is closed at the end of a chunk and reopened at
 * the start of the next, so each chunk renders on its own.
 */
export function splitMarkdown(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const lines = text.split('\n');
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  let fence: string | undefined;
  let details = 0;
  const closing = (): string[] => [
    ...(fence !== undefined ? ['```'] : []),
    ...Array<string>(details).fill('</details>'),
  ];
  const reopening = (): string[] => [
    ...Array<string>(details).fill('<details><summary>(continued)</summary>\n'),
    ...(fence !== undefined ? [fence] : []),
  ];
  const flush = (): void => {
    chunks.push([...current, ...closing()].join('\n'));
    current = reopening();
    size = current.reduce((n, l) => n + l.length + 1, 0);
  };
  const reserve = (): number => 4 + (fence !== undefined ? 4 : 0) + details * 11;
  for (const raw of lines) {
    let line = raw;
    while (line.length + 1 + reserve() > limit) {
      // A single line longer than a whole chunk is cut; nothing else is.
      const room = Math.max(1, limit - size - reserve() - 1);
      current.push(line.slice(0, room));
      line = line.slice(room);
      flush();
    }
    const heading = /^#{1,3} /.test(line) && fence === undefined;
    if (size + line.length + 1 + reserve() > limit || (heading && size > limit / 2)) flush();
    current.push(line);
    size += line.length + 1;
    if (/^```/.test(line)) fence = fence === undefined ? line : undefined;
    else if (fence === undefined && /^<details>/.test(line)) details += 1;
    else if (fence === undefined && /^<\/details>/.test(line)) details = Math.max(0, details - 1);
  }
  if (current.length > 0) chunks.push(current.join('\n'));
  return chunks;
}

/**
 * The comment bodies for a release order: one part when the text with its marker fits one comment
 * (a summarized order always does), or numbered parts.
 */
export function releaseOrderComments(markdown: string, limit = COMMENT_LIMIT): string[] {
  const single = `${COMMENT_MARKER} part=1 -->\n${markdown.trimEnd()}\n`;
  if (single.length <= limit) return [single];
  const chunks = splitMarkdown(markdown.trimEnd(), limit - OVERHEAD);
  return chunks.map((chunk, i) => {
    const marker = `${COMMENT_MARKER} part=${i + 1} -->`;
    const heading = chunks.length > 1 ? `**Release order, part ${i + 1} of ${chunks.length}**\n\n` : '';
    return `${marker}\n${heading}${chunk}\n`;
  });
}

function partOf(body: string): number | undefined {
  const m = /^<!-- platform:release-order part=(\d+) -->/.exec(body);
  return m ? Number(m[1]) : undefined;
}

/** Which comments of `bot` to create, edit or delete so that the pull request shows exactly `bodies`. */
export function planComments(
  existing: readonly ExistingComment[],
  bodies: readonly string[],
  bot = COMMENT_BOT,
): CommentPlan {
  const ours = existing
    .filter((c) => c.author.toLowerCase() === bot.toLowerCase())
    .map((c) => ({ ...c, part: partOf(c.body) }))
    .filter((c): c is ExistingComment & { part: number } => c.part !== undefined)
    .sort((a, b) => a.part - b.part || a.id - b.id);
  const create: string[] = [];
  const update: { id: number; body: string }[] = [];
  const remove: number[] = [];
  let unchanged = 0;
  const used = new Set<number>();
  bodies.forEach((body, i) => {
    const match = ours.find((c) => c.part === i + 1 && !used.has(c.id));
    if (!match) {
      create.push(body);
      return;
    }
    used.add(match.id);
    if (match.body === body) unchanged += 1;
    else update.push({ id: match.id, body });
  });
  for (const c of ours) if (!used.has(c.id)) remove.push(c.id);
  return { create, update, remove, unchanged };
}
