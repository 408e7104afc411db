/**
 * The release order as Markdown for a pull-request comment: the deletion
 * guard's verdict and a summary table (environment × changes × risk ×
 * approvals) on top, each app's changes and rollout plan folded below.
 * A change too large for one GitHub comment gets one comment that leads with
 * the summary instead: per environment the changed fields grouped by kind and
 * path, with the apps each covers, what caused them and the apps that differ
 * from the common pattern; the per-app detail goes to a file
 * (`releaseOrderDetail`). The detail itself, when asked for as comments, is
 * split into numbered parts, each carrying the header, the guard verdict and
 * the summary table, so every part stands alone.
 */
import { CHAIN_FIX, CHAIN_OVERRIDE_TRAILER, shownApps } from './chain.ts';
import type { FieldChange } from './diff.ts';
import type { AppRelease, EnvironmentRelease, ReleaseOrder } from './order.ts';
import { describePlan } from './plan.ts';
import type { Cause, ChangeGroup, EnvironmentSummary } from './summary.ts';

/** Most characters GitHub accepts in one comment. */
export const GITHUB_COMMENT_LIMIT = 65536;

/** Longest value shown in a table cell before it is cut. */
const CELL_MAX = 160;

/** File name of the full per-app detail that `release-order --out DIR` writes. */
export const DETAIL_FILE = 'release-order-detail.md';

/** Options of `releaseOrderMarkdown`. */
export interface MarkdownOptions {
  /**
   * Where reviewers find the full per-app detail of a summarized order (the workflow's artifact).
   * @default - the file name, written by `release-order --out DIR`
   */
  readonly detailLink?: string;
}

/**
 * The release order as Markdown comments, each at most `limit` characters: today's per-app layout
 * when it fits one comment, else one comment that leads with the summary.
 */
export function releaseOrderMarkdown(
  order: ReleaseOrder,
  limit = GITHUB_COMMENT_LIMIT,
  options: MarkdownOptions = {},
): string[] {
  const parts = detailParts(order, limit);
  return parts.length <= 1 ? parts : [summaryMarkdown(order, limit, options)];
}

/** The full per-app detail of the order as one Markdown document (for a file, not a comment). */
export function releaseOrderDetail(order: ReleaseOrder): string {
  return detailParts(order, Infinity)[0]!;
}

/** The per-app layout, split into numbered parts of at most `limit` characters. */
export function detailParts(order: ReleaseOrder, limit = GITHUB_COMMENT_LIMIT): string[] {
  const top = [guardBanner(order), chainSection(order), verifiedLine(order), summaryTable(order), specSection(order)]
    .filter(Boolean)
    .join('\n\n');
  const blocks = order.environments.flatMap((env) => env.apps.map((app) => ({ env, app, text: appBlock(app) })));
  if (blocks.length === 0) return [`${header(order, 1, 1)}\n\n${top}\n`];

  if (limit === Infinity) {
    const starts = (i: number): boolean => i === 0 || blocks[i - 1]!.env !== blocks[i]!.env;
    const heading = (i: number): string => (starts(i) ? envHeading(blocks[i]!.env, false) : '');
    const body = blocks.map((b, i) => heading(i) + b.text);
    return [`${header(order, 1, 1)}\n\n${top}\n\n${body.join('')}`.trimEnd() + '\n'];
  }
  const fixed = header(order, 99, 99).length + top.length + 8;
  const budget = limit - fixed;
  if (budget < 2000)
    throw new Error(`the release order's summary alone is longer than ${limit} characters; use --format json`);
  const parts: { env: EnvironmentRelease; text: string }[][] = [[]];
  let used = 0;
  for (const block of blocks) {
    const current = parts[parts.length - 1]!;
    const heading = current[current.length - 1]?.env === block.env ? '' : envHeading(block.env, false);
    let text = block.text;
    if (heading.length + text.length > budget)
      text = truncateBlock(block.app, budget - envHeading(block.env, true).length);
    if (current.length > 0 && used + heading.length + text.length > budget) {
      parts.push([{ env: block.env, text }]);
      used = envHeading(block.env, true).length + text.length;
      continue;
    }
    current.push({ env: block.env, text });
    used += heading.length + text.length;
  }

  const started = new Set<string>();
  return parts.map((blocksOfPart, i) => {
    const body: string[] = [];
    let last: string | undefined;
    for (const b of blocksOfPart) {
      if (b.env.env !== last) {
        body.push(envHeading(b.env, started.has(b.env.env)));
        started.add(b.env.env);
        last = b.env.env;
      }
      body.push(b.text);
    }
    return `${header(order, i + 1, parts.length)}\n\n${top}\n\n${body.join('')}`.trimEnd() + '\n';
  });
}

/** Room a summary leaves in a comment for the marker the comment step puts before it (`delivery comment`). */
const COMMENT_WRAPPER = 64;

/** Caps on the summary's lists, lowered until the summary fits one comment. */
const SUMMARY_CAPS = [
  { groups: 40, standouts: 60 },
  { groups: 20, standouts: 30 },
  { groups: 10, standouts: 15 },
  { groups: 5, standouts: 5 },
  { groups: 2, standouts: 0 },
];

/** One comment leading with the summary: the guard's verdict, the table, then per environment the groups of changes. */
function summaryMarkdown(order: ReleaseOrder, limit: number, options: MarkdownOptions): string {
  const top = [guardBanner(order), chainSection(order), verifiedLine(order), summaryTable(order), specSection(order)]
    .filter(Boolean)
    .join('\n\n');
  const where = options.detailLink
    ? `[${DETAIL_FILE}](${options.detailLink})`
    : `\`${DETAIL_FILE}\` (\`release-order --out DIR\`)`;
  const note =
    'This change is too large to list app by app in one comment: the changes are grouped below. ' +
    `Full per-app detail (every field, rollout plans): ${where}.`;
  let text = '';
  for (const caps of SUMMARY_CAPS) {
    const envOf = (s: EnvironmentSummary): EnvironmentRelease => order.environments.find((e) => e.env === s.env)!;
    const sections = order.summary.map((s) => summarySection(envOf(s), s, caps));
    const body = sections.join('\n\n');
    text = `${header(order, 1, 1)}\n\n${top}\n\n${note}\n\n${body}\n`;
    if (text.length <= limit - COMMENT_WRAPPER) return text;
  }
  throw new Error(`the release order's summary is longer than ${limit} characters even cut down; use --format json`);
}

function summarySection(env: EnvironmentRelease, s: EnvironmentSummary, caps: (typeof SUMMARY_CAPS)[number]): string {
  const lines = [envHeading(env, false).trimEnd(), ''];
  const apps = `${s.apps} app${s.apps === 1 ? '' : 's'} changed`;
  lines.push(`${apps}; ${s.common} share the common pattern, ${s.standouts.length} differ from it.`, '');
  for (const g of s.groups.slice(0, caps.groups)) lines.push(`- ${groupLine(g)}`);
  if (s.groups.length > caps.groups) {
    lines.push(`- _${s.groups.length - caps.groups} more group(s) of changes, in fewer apps: see the full detail._`);
  }
  if (s.standouts.length > 0) {
    // Apps that differ in the same way are listed together, by name.
    const ways = new Map<string, string[]>();
    for (const o of s.standouts) {
      const list = (word: string, paths: readonly string[]): string =>
        paths.length === 0
          ? ''
          : `${word} ${paths.slice(0, 2).map(code).join(', ')}${paths.length > 2 ? ` +${paths.length - 2}` : ''}`;
      const how = [list('also', o.extra), list('not', o.missing)].filter(Boolean).join('; ');
      ways.set(how, [...(ways.get(how) ?? []), escapeHtml(o.app)]);
    }
    lines.push('', `Apps that differ from the common pattern (${s.standouts.length}):`, '');
    for (const [how, apps] of [...ways].sort((x, y) => y[1].length - x[1].length)) {
      const shown = apps.slice(0, caps.standouts);
      if (shown.length === 0) lines.push(`- ${apps.length} app(s) ${how}`);
      else {
        const more = apps.length > shown.length ? ` and ${apps.length - shown.length} more` : '';
        lines.push(`- ${how}: **${shown.join('**, **')}**${more}`);
      }
    }
  }
  return lines.join('\n');
}

/** "**rollout** · Deployment `path`: `5` → `10` in 1000 apps · medium risk · caused by …". */
function groupLine(g: ChangeGroup): string {
  const field = g.path ? `${escapeHtml(g.objectKind)} ${code(g.path)}` : `${escapeHtml(g.objectKind)} (whole object)`;
  const value = (v: string | undefined): string => (v === undefined ? '(none)' : code(short(v)));
  const values = g.path ? `: ${value(g.before)} → ${value(g.after)}` : '';
  const policy = g.objectKind === 'environment policy';
  const apps = policy ? '' : g.apps.length === 1 ? ` in ${escapeHtml(g.apps[0]!)}` : ` in ${g.apps.length} apps`;
  return `**${g.kind}** · ${field}${values}${apps} · ${riskText(g.risk)} risk · ${causeText(g.causes)}`;
}

/** What caused a group, in words: "caused by lib/workload/microservice.ts (platform code: workload)". */
export function causeText(causes: readonly Cause[]): string {
  if (causes.length === 0) return 'caused by no source change (manifests edited by hand)';
  const paths = (list: readonly string[]): string =>
    `${list.slice(0, 3).map(code).join(', ')}${list.length > 3 ? ` +${list.length - 3} more` : ''}`;
  return `caused by ${causes.map((c) => oneCause(c, paths)).join(' or ')}`;
}

/** One cause of a change, in words. */
function oneCause(c: Cause, paths: (list: readonly string[]) => string): string {
  switch (c.type) {
    case 'app-spec':
      return c.paths.length === 1
        ? `app spec ${paths(c.paths)}`
        : `app specs of ${c.paths.length} apps (${paths(c.paths)})`;
    case 'environment':
      return `environment file ${paths(c.paths)}`;
    case 'pins':
      return `versions pin ${paths(c.paths)}`;
    case 'platform':
      return `platform code ${paths(c.paths)}${c.features ? ` (platform feature ${c.features.join(', ')})` : ''}`;
  }
}

function code(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

function short(text: string): string {
  const line = text.replace(/\n/g, '⏎');
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function header(order: ReleaseOrder, part: number, parts: number): string {
  const range = `\`${order.base.slice(0, 7)}\` → \`${order.head.slice(0, 7)}\``;
  const marker = `<!-- release-order ${order.base.slice(0, 12)}..${order.head.slice(0, 12)} part ${part} of ${parts} -->`;
  return `${marker}\n## Release order ${range}${parts > 1 ? ` · part ${part} of ${parts}` : ''}`;
}

/** Refusals listed one by one on top of an order; the rest are counted. */
const GUARD_LINES = 30;

function guardBanner(order: ReleaseOrder): string {
  // The chain rule's refusals have their own section (`chainSection`).
  const violations = order.guard.violations.filter((v) => v.rule !== 'chain');
  const { requests } = order.guard;
  const blocked = violations.length > 0;
  if (violations.length === 0 && requests.length === 0) return '';
  const list = violations
    .slice(0, GUARD_LINES)
    .map(
      (v) =>
        `> - **${v.env === '*' ? 'all environments' : v.env}** \`${v.rule}\`${v.overridable ? '' : ' (cannot be overridden)'}: ${escapeText(v.message)}`,
    );
  if (violations.length > GUARD_LINES) {
    // A hand edit of every pin refuses thousands of them: the rest are counted by environment and rule.
    const counts = new Map<string, number>();
    for (const v of violations.slice(GUARD_LINES)) {
      const key = `**${v.env === '*' ? 'all environments' : v.env}** \`${v.rule}\``;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const rest = [...counts].map(([key, n]) => `${key} ×${n}`).join(', ');
    list.push(`> - … and ${violations.length - GUARD_LINES} more (\`--format json\` lists each): ${rest}`);
  }
  const asked = requests.map(
    (o) => `> - requested in commit \`${o.commit.slice(0, 7)}\` by ${escapeText(o.author)}: ${escapeText(o.text)}`,
  );
  const lines: string[] = [];
  if (blocked) {
    const envs = [...new Set(violations.filter((v) => v.overridable).map((v) => v.env))];
    const fixed = violations.some((v) => !v.overridable);
    lines.push(
      '> [!CAUTION]',
      '> **Refused by the release guards.** Do not merge this release order as it is:',
      ...list,
    );
    if (fixed) lines.push('>', '> A refusal that cannot be overridden must be fixed in the pull request.');
    if (envs.length > 0) {
      lines.push(
        '>',
        `> An override is granted only by an approver of ${envs.join(', ')}: an approving review of the head commit whose text has a line \`Release-Override: <reason>\`, one for each of those environments. The approval check counts it.`,
      );
    }
  } else {
    lines.push('> [!WARNING]');
  }
  if (asked.length > 0)
    lines.push(
      ...(blocked ? ['>'] : []),
      '> Override requests (commit trailers; they lift nothing by themselves):',
      ...asked,
    );
  return lines.join('\n');
}

/**
 * The chain rule's section, when an environment changes with its upstream or a `Chain-Override` trailer is in
 * force: the violations, and either the fix or the override with what it demands.
 */
function chainSection(order: ReleaseOrder): string {
  const { violations, override } = order.chain;
  if (violations.length === 0 && !override) return '';
  const list = violations.map(
    (v) => `> - **${v.env}** changes with its upstream **${v.upstream}**: ${escapeText(shownApps(v.apps))}`,
  );
  if (!override) {
    return [
      '> [!CAUTION]',
      '> **Refused: one pull request, one step of the chain** (rule `chain`). Do not merge this release order as it is: it changes an environment together with the environment it is promoted from.',
      ...list,
      '>',
      `> ${CHAIN_FIX}`,
    ].join('\n');
  }
  const by = `commit \`${override.commit.slice(0, 7)}\` by ${escapeText(override.author)}`;
  return [
    '> [!WARNING]',
    `> **Chain override in force** (\`${CHAIN_OVERRIDE_TRAILER}\` in ${by}): ${escapeText(override.reason)}`,
    ...(list.length > 0 ? ['>', '> It skips these steps of the promotion chain:', ...list] : []),
    '>',
    '> Every environment of this order needs the approvals of its own approvers, and `audit` flags the release.',
  ].join('\n');
}

/** Spec changes listed; a train of more apps names the rest by count. */
const SPEC_LINES = 20;
/** Characters of spec diffs shown; past them a diff is named, not shown. */
const SPEC_DIFF_CHARS = 6000;

/** The app specs the order's pins move: each spec edit as a diff, the configuration this order releases. */
function specSection(order: ReleaseOrder): string {
  if (order.specs.length === 0) return '';
  const out = ['**Configuration released** (the app specs the pins move):'];
  let shown = 0;
  for (const s of order.specs.slice(0, SPEC_LINES)) {
    const where = s.envs.join(' + ');
    const what = `<b>${escapeHtml(s.app)}</b> in ${escapeHtml(where)}: <code>${s.before?.slice(0, 12) ?? '(none)'}</code> → <code>${s.after.slice(0, 12)}</code>`;
    if (s.diff !== undefined && shown + s.diff.length <= SPEC_DIFF_CHARS) {
      shown += s.diff.length;
      const fence = '```';
      out.push(
        `<details><summary>${what}</summary>\n\n${fence}diff\n${s.diff.replaceAll(fence, "'''")}\n${fence}\n\n</details>`,
      );
    } else out.push(`${what} (the diff: \`git diff ${s.before?.slice(0, 12) ?? ''} ${s.after.slice(0, 12)}\`)`);
  }
  const more = order.specs.length - SPEC_LINES;
  if (more > 0) out.push(`… and ${more} more (each pin's \`spec\` is in \`--format json\`, under \`pins\`)`);
  // Each on its own paragraph: GitHub renders a folded block only when blank lines surround it.
  return out.join('\n\n');
}

function verifiedLine(order: ReleaseOrder): string {
  return order.verified === 'fresh'
    ? 'The head revision was re-rendered: its committed manifests match its specs.'
    : '';
}

function summaryTable(order: ReleaseOrder): string {
  if (order.environments.length === 0) return 'No change to `manifests/` between these revisions.';
  const rows = order.environments.map((e) => {
    const when = e.wave === 2 && e.releasedWith ? `${e.step} · 2nd wave with ${e.releasedWith}` : String(e.step);
    const names = e.apps.map((a) => a.app);
    const apps = names.length > 6 ? `${names.slice(0, 5).join(', ')} +${names.length - 5} more` : names.join(', ');
    return `| ${e.env} | ${when} | ${apps} | ${kindCounts(e.apps)} | ${riskText(e.risk)} | ${e.approvalsRequired} | ${e.approvers.join(', ') || '—'} |`;
  });
  return [
    '| Environment | Step | Apps | Changes | Risk | Approvals | Who may approve |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function kindCounts(apps: readonly AppRelease[]): string {
  const counts = new Map<string, number>();
  for (const c of apps.flatMap((a) => a.changes)) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

function envHeading(env: EnvironmentRelease, continued: boolean): string {
  const approvals = `${env.approvalsRequired} approval${env.approvalsRequired === 1 ? '' : 's'} from ${env.approvers.join(', ') || 'nobody'}`;
  const wave = env.wave === 2 && env.releasedWith ? ` · 2nd wave with ${env.releasedWith}` : '';
  return `### ${env.env}${continued ? ' (continued)' : ''} · ${riskText(env.risk)} risk · ${approvals}${wave}\n\n`;
}

function appBlock(app: AppRelease, compact = false, maxRows = Infinity): string {
  const lines: string[] = [];
  const version =
    app.version.before !== app.version.after
      ? ` ${app.version.before ?? '(none)'} → ${app.version.after ?? '(none)'}`
      : app.version.after
        ? ` ${app.version.after}`
        : '';
  const kinds = [...new Set(app.changes.map((c) => c.kind))].join(', ');
  lines.push(
    `<details><summary><b>${escapeHtml(app.app)}</b>${escapeHtml(version)} · ${app.status} · ${kinds} · ${riskText(app.risk)} risk</summary>`,
    '',
  );
  for (const plan of app.rollout) lines.push(`- Rollout: ${escapeText(describePlan(plan))}`);
  if (app.rollout.length > 0) lines.push('');
  lines.push('| Change | Object | Field | Before | After | Risk |', '|---|---|---|---|---|---|');
  const rows = app.changes.flatMap((c) => {
    const object = objectName(c.object);
    if (c.fields.length === 0) return [`| ${c.kind} | ${object} | — | — | — | ${riskText(c.risk)} |`];
    return c.fields.map(
      (f) =>
        `| ${c.kind} | ${object} | <code>${escapeHtml(f.path)}</code> | ${cell(f, 'before', compact)} | ${cell(f, 'after', compact)} | ${riskText(c.risk)} |`,
    );
  });
  lines.push(...rows.slice(0, maxRows));
  if (rows.length > maxRows)
    lines.push(
      '',
      `_${rows.length - maxRows} more change(s) not shown: this app's changes exceed one comment; see \`release-order --format json\`._`,
    );
  if (!compact) {
    for (const f of app.changes.flatMap((c) => c.fields).filter(isMultiline)) {
      lines.push(
        '',
        `<code>${escapeHtml(f.path)}</code>:`,
        '',
        lineDiff(String(f.before ?? ''), String(f.after ?? '')),
      );
    }
  }
  lines.push('', '</details>', '', '');
  return lines.join('\n');
}

/**
 * The block of one app cut down to fit `budget` characters: values shortened, text diffs dropped, then rows dropped.
 */
function truncateBlock(app: AppRelease, budget: number): string {
  let block = appBlock(app, true);
  let rows = app.changes.reduce((n, c) => n + Math.max(1, c.fields.length), 0);
  while (block.length > budget && rows > 0) {
    rows = Math.floor(rows * Math.min(0.9, budget / block.length));
    block = appBlock(app, true, rows);
  }
  return block;
}

function cell(f: FieldChange, side: 'before' | 'after', compact: boolean): string {
  if (!(side in f)) return '—';
  const value = f[side];
  if (typeof value === 'string' && value.includes('\n'))
    return `<i>${value.split('\n').length} lines${compact ? '' : ', diff below'}</i>`;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const max = compact ? 40 : CELL_MAX;
  return `<code>${escapeHtml(text.length > max ? `${text.slice(0, max - 1)}…` : text)}</code>`;
}

function isMultiline(f: FieldChange): boolean {
  return (
    (typeof f.before === 'string' && f.before.includes('\n')) || (typeof f.after === 'string' && f.after.includes('\n'))
  );
}

/** Lines only in `before` (-) and only in `after` (+), in order, as a fenced diff. */
function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const inB = countLines(b);
  const inA = countLines(a);
  const out: string[] = [];
  for (const line of a) if (!take(inB, line)) out.push(`- ${line}`);
  for (const line of b) if (!take(inA, line)) out.push(`+ ${line}`);
  const body = out.join('\n');
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}diff\n${body}\n${fence}`;
}

function countLines(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

function take(counts: Map<string, number>, line: string): boolean {
  const n = counts.get(line) ?? 0;
  if (n === 0) return false;
  counts.set(line, n - 1);
  return true;
}

/** `apps/v1/Deployment/claims/claims-api` → `Deployment claims/claims-api`. */
function objectName(id: string): string {
  const parts = id.split('/');
  const [name, namespace, kind] = [parts.pop()!, parts.pop()!, parts.pop()!];
  return escapeHtml(`${kind} ${namespace ? `${namespace}/` : ''}${name}`);
}

function riskText(risk: string): string {
  return risk === 'high' ? '**high**' : risk;
}

/**
 * Text from the change itself (values, names, trailers) made inert: HTML and table syntax escaped,
 * and `@` followed by a zero-width space, so `@org/team` in a value never notifies anyone.
 */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/@/g, '@\u200b');
}

function escapeText(text: string): string {
  return escapeHtml(text).replace(/\n+/g, ' ');
}
