/**
 * The fleet page as one HTML file: the matrix, the release history, the DORA
 * charts and the freeze calendar are written into the HTML (readable without
 * the script); the data is embedded as JSON for the script, which filters,
 * searches, sorts, moves the keyboard focus and opens a cell's detail.
 * Nothing is fetched: the CSS and the script are inline.
 */
import { DORA_DEFINITIONS } from './dora.ts';
import {
  CELL_STATES,
  STATE_LABELS,
  type CellRelease,
  type DoraScope,
  type DoraSeries,
  type SiteCell,
  type SiteCommit,
  type SiteData,
  type SiteRelease,
} from './model.ts';

const DAY_MS = 86_400_000;

/** Options of `renderPage`. */
export interface RenderPageOptions {
  /** The page's script (bundled). */
  readonly script: string;
  /**
   * Link of a pull request, `{n}` standing for its number (`https://github.com/org/repo/pull/{n}`).
   * @default - pull requests are named, not linked
   */
  readonly pullRequestUrl?: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A duration as the page shows it: `3d 4h`, `5h 10m`, `12m`. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes % 60}m`;
  return `${minutes}m`;
}

/** A labelled `select` of `[value, text]` options. */
export function selectHtml(id: string, label: string, options: readonly (readonly [string, string])[]): string {
  const items = options.map(([value, text]) => `<option value="${escapeHtml(value)}">${escapeHtml(text)}</option>`);
  return `<label>${label} <select id="${id}">${items.join('')}</select></label>`;
}

/** `2026-03-02 09:10 UTC` for an ISO 8601 time. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The short form of a digest: its first 12 hex digits. */
export function shortDigest(digest: string | undefined): string {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '';
}

/** The whole page. */
export function renderPage(data: SiteData, options: RenderPageOptions): string {
  // The timelines are written into the page; the script needs the rest.
  const environments = data.environments.map(({ timeline: _, ...e }) => e);
  const json = JSON.stringify({ ...data, environments, pullRequestUrl: options.pullRequestUrl ?? null }).replace(
    /</g,
    '\\u003c',
  );
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Fleet: ${data.apps.length} apps × ${data.environments.length} environments</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>Fleet</h1>',
    `<p>What runs where, as of <time datetime="${data.now}">${formatTime(data.now)}</time>,`,
    ` from commit <code>${data.commit.slice(0, 12)}</code>. ${data.apps.length} apps,`,
    ` ${data.environments.length} environments (${data.environments.map((e) => escapeHtml(e.name)).join(' → ')}).`,
    '</p>',
    '<nav aria-label="Sections"><a href="#matrix">Matrix</a> · <a href="#history">Release history</a> ·',
    ' <a href="#dora">DORA metrics</a> · <a href="#freezes">Freeze calendar</a></nav>',
    '</header>',
    '<main>',
    matrixSection(data),
    historySection(data, options.pullRequestUrl),
    doraSection(data),
    freezeSection(data),
    '</main>',
    '<dialog id="detail" aria-labelledby="detail-title"><div id="detail-body"></div>',
    '<form method="dialog"><button type="submit" id="detail-close">Close</button></form></dialog>',
    `<script type="application/json" id="fleet-data">${json}</script>`,
    `<script>${options.script.replace(/<\/script/gi, '<\\/script')}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function matrixSection(data: SiteData): string {
  const now = Date.parse(data.now);
  const envs = data.environments;
  const header = envs
    .map((e) => {
      const wave = e.releasedWith ? ` <span class="sub">with ${escapeHtml(e.releasedWith)}</span>` : '';
      const frozen = e.frozen ? ` <span class="sub">❄ frozen</span>` : '';
      return `<th scope="col" data-env="${escapeHtml(e.name)}">${escapeHtml(e.name)}${wave}${frozen}</th>`;
    })
    .join('');
  const rows = data.apps.map((app) => {
    const states = [...new Set(envs.map((e) => app.cells[e.name]!.state))].join(' ');
    const cells = envs.map((e) => cellHtml(e.name, app.cells[e.name]!, now)).join('');
    return (
      `<tr data-app="${escapeHtml(app.name)}" data-team="${escapeHtml(app.team)}" data-states="${states}">` +
      `<th scope="row">${escapeHtml(app.name)}</th><td class="team">${escapeHtml(app.team)}</td>${cells}</tr>`
    );
  });
  const legend = CELL_STATES.map(
    (s) => `<li><span class="st s-${s}">${STATE_LABELS[s].symbol} ${STATE_LABELS[s].label}</span></li>`,
  ).join('');
  return [
    '<section id="matrix" aria-labelledby="matrix-title">',
    '<h2 id="matrix-title">Environment × app</h2>',
    '<div class="controls" role="search">',
    '<label>Search apps <input type="search" id="search" placeholder="app name" autocomplete="off"></label>',
    selectHtml('team', 'Team', [['', 'all teams'], ...data.teams.map((t) => [t, t] as const)]),
    selectHtml('state', 'State', [['', 'any state'], ...CELL_STATES.map((s) => [s, STATE_LABELS[s].label] as const)]),
    selectHtml('sort', 'Sort', [
      ['name', 'app name'],
      ['team', 'team, then app'],
      ['pending', 'most to promote first'],
      ['alarm', 'alarms first'],
    ]),
    `<output id="count" aria-live="polite">${data.apps.length} of ${data.apps.length} apps</output>`,
    '</div>',
    `<ul class="legend" aria-label="States">${legend}</ul>`,
    '<p class="hint">Arrow keys move between cells;',
    " Enter opens a cell's pins, releases and the command to run next.</p>",
    '<div class="scroll"><table id="fleet" class="matrix">',
    '<caption>Version, short digest, time running there and state of each app in each environment,',
    ' in chain order.</caption>',
    // Fixed column widths: the browser lays out the table from them, not from every cell, on each search.
    `<colgroup><col class="c-app"><col class="c-team">${envs.map(() => '<col class="c-env">').join('')}</colgroup>`,
    `<thead><tr><th scope="col">App</th><th scope="col">Team</th>${header}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table></div>',
    '</section>',
  ].join('\n');
}

function cellHtml(env: string, cell: SiteCell, now: number): string {
  const label = STATE_LABELS[cell.state];
  const parts: string[] = [];
  if (cell.version !== undefined) parts.push(`<span class="v">${escapeHtml(cell.version)}</span>`);
  if (cell.digest) parts.push(`<span class="d">${shortDigest(cell.digest)}</span>`);
  if (cell.since) parts.push(`<span class="age">${formatAge(now - Date.parse(cell.since))}</span>`);
  let extra = '';
  if (cell.state === 'soaking' && cell.soakLeftHours !== undefined) extra = ` · ${cell.soakLeftHours}h left`;
  if (cell.state === 'frozen' && cell.freeze) extra = ` · ${escapeHtml(cell.freeze.window)}`;
  if (cell.upstreamVersion && cell.state !== 'not-deployed') extra += ` → ${escapeHtml(cell.upstreamVersion)}`;
  parts.push(`<span class="st s-${cell.state}">${label.symbol} ${label.label}${extra}</span>`);
  return (
    `<td data-env="${escapeHtml(env)}" data-state="${cell.state}"><button type="button" class="cell" tabindex="-1">` +
    `${parts.join(' ')}</button></td>`
  );
}

/** What a release changed, in words: `added 1.2.0`, `1.1.0 → 1.2.0`, `1.2.0 (configuration)`, `removed 1.2.0`. */
export function changeText(r: CellRelease): string {
  if (r.change === 'added') return `added ${r.version}`;
  if (r.change === 'removed') return `removed ${r.previousVersion ?? ''}`.trim();
  return r.previousVersion === r.version ? `${r.version} (configuration)` : `${r.previousVersion} → ${r.version}`;
}

/** The gates and exceptions a release commit recorded, in words. */
export function gatesText(c: SiteCommit): string[] {
  return [
    c.promotedFrom ? `promoted from ${c.promotedFrom}` : '',
    c.rollback ? 'rollback' : '',
    c.reason ? `forced: ${c.reason}` : '',
    c.override ? `guard overridden: ${c.override}` : '',
  ].filter(Boolean);
}

/** The pull request of a commit as HTML: a link when `prUrl` is given, its number otherwise. */
export function pullRequestHtml(c: SiteCommit, prUrl: string | null | undefined): string {
  if (c.pullRequest === null) return '';
  return prUrl
    ? `<a href="${escapeHtml(prUrl.replace('{n}', String(c.pullRequest)))}">#${c.pullRequest}</a>`
    : `#${c.pullRequest}`;
}

function releaseHtml(r: SiteRelease, c: SiteCommit, prUrl: string | undefined): string {
  const approvals = c.approvers.length > 0 ? `approved by ${c.approvers.join(', ')}` : 'no approval recorded';
  const short = c.sha.slice(0, 12);
  return (
    `<li><time datetime="${c.date}">${formatTime(new Date(c.date).toISOString())}</time> <b>${escapeHtml(r.app)}</b> ` +
    `${escapeHtml(changeText(r))} · ${escapeHtml(c.author)} ${pullRequestHtml(c, prUrl)} · <code>${short}</code>` +
    `<br><span class="sub">${escapeHtml([approvals, ...gatesText(c)].join(' · '))} · release order: ` +
    `<code>npm run -s release-order -- --base ${short}^1 --head ${short}</code></span></li>`
  );
}

function historySection(data: SiteData, prUrl: string | undefined): string {
  const lists = data.environments.map((e, i) => {
    const items = e.timeline.map((r) => releaseHtml(r, data.commits[r.commit]!, prUrl));
    const body =
      items.length > 0 ? `<ol class="timeline">${items.join('\n')}</ol>` : '<p>No release in the period.</p>';
    const name = escapeHtml(e.name);
    return `<div data-history-env="${name}"${i === 0 ? '' : ' hidden'}><h3>${name}</h3>${body}</div>`;
  });
  return [
    '<section id="history" aria-labelledby="history-title">',
    '<h2 id="history-title">Release history</h2>',
    selectHtml(
      'history-env',
      'Environment',
      data.environments.map((e) => [e.name, e.name] as const),
    ),
    ...lists,
    '</section>',
  ].join('\n');
}

/** A small bar chart of weekly values, with its text alternative. */
export function chartSvg(title: string, series: DoraSeries, unit: string, weeks: readonly string[]): string {
  const width = 240;
  const height = 60;
  const values = series.values;
  const max = Math.max(1e-9, ...values.map((v) => v ?? 0));
  const bar = width / values.length;
  const bars = values
    .map((v, i) => {
      const label = escapeHtml(
        `week of ${weeks[i]!.slice(0, 10)}: ${v === null ? 'nothing to measure' : `${v} ${unit}`}`,
      );
      // A week with nothing to measure is a flat grey bar; a zero is a flat coloured one.
      const h = v === null ? 2 : Math.max(2, (v / max) * (height - 4));
      const place = `x="${(i * bar + 1).toFixed(1)}" y="${(height - h).toFixed(1)}"`;
      const size = `width="${(bar - 2).toFixed(1)}" height="${h.toFixed(1)}"`;
      return `<rect ${place} ${size}${v === null ? ' class="none"' : ''}><title>${label}</title></rect>`;
    })
    .join('');
  const listed = values.map((v) => (v === null ? 'none' : String(v))).join(', ');
  const text = escapeHtml(`${title}, 12 weekly values: ${listed} (${unit})`);
  const box = `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"`;
  return `<svg ${box} role="img" aria-label="${text}">${bars}</svg>`;
}

/** The four charts of one scope (an environment, all teams or one team). */
export function scopeHtml(scope: DoraScope, weeks: readonly string[]): string {
  const metric = (title: string, s: DoraSeries, unit: string) =>
    `<figure><figcaption><b>${title}</b>: ${s.overall === null ? 'nothing to measure' : `${s.overall} ${unit}`}` +
    '</figcaption>' +
    `${chartSvg(title, s, unit, weeks)}</figure>`;
  return (
    metric('Deployment frequency', scope.deploymentFrequency, 'releases a week') +
    metric('Lead time for changes', scope.leadTimeHours, 'h (median)') +
    metric('Change failure rate', scope.changeFailureRate, '%') +
    metric('Time to restore', scope.timeToRestoreHours, 'h (median)')
  );
}

function doraSection(data: SiteData): string {
  const first = data.dora.scopes[0];
  const weeks = data.dora.weeks;
  const definitions = Object.values(DORA_DEFINITIONS).map((d) => {
    const [term, ...rest] = d.split(': ');
    return `<dt>${escapeHtml(term!)}</dt><dd>${escapeHtml(rest.join(': '))}</dd>`;
  });
  return [
    '<section id="dora" aria-labelledby="dora-title">',
    '<h2 id="dora-title">DORA metrics</h2>',
    `<p>Over the ${weeks.length} weeks from ${weeks[0]?.slice(0, 10) ?? ''} to ${data.now.slice(0, 10)},`,
    ' from the release history alone.</p>',
    '<div class="controls">',
    selectHtml(
      'dora-env',
      'Environment',
      data.environments.map((e) => [e.name, e.name] as const),
    ),
    selectHtml('dora-team', 'Team', [['', 'all teams'], ...data.teams.map((t) => [t, t] as const)]),
    '</div>',
    `<div class="dora" id="dora-charts" aria-live="polite">${first ? scopeHtml(first, weeks) : ''}</div>`,
    `<dl class="def">${definitions.join('')}</dl>`,
    '</section>',
  ].join('\n');
}

function freezeSection(data: SiteData): string {
  const start = Date.parse(data.now);
  const day0 = start - (start % DAY_MS);
  const days = Array.from({ length: data.calendarDays }, (_, i) => day0 + i * DAY_MS);
  const head = days
    .map((d) => {
      const iso = new Date(d).toISOString();
      return `<th scope="col"><abbr title="${iso.slice(0, 10)}">${iso.slice(8, 10)}</abbr></th>`;
    })
    .join('');
  const rows = data.environments.map((e) => {
    const cells = days
      .map((d) => {
        const hits = e.calendar.filter((s) => Date.parse(s.start) < d + DAY_MS && Date.parse(s.end) > d);
        if (hits.length === 0) return '<td class="open"><span class="sr">open</span></td>';
        const names = [...new Set(hits.map((h) => h.window))].join(', ');
        const text = escapeHtml(names);
        return `<td class="frozen" title="${text}">❄<span class="sr"> frozen: ${text}</span></td>`;
      })
      .join('');
    return `<tr><th scope="row">${escapeHtml(e.name)}</th>${cells}</tr>`;
  });
  const spans = data.environments.map((e) => {
    const items = e.calendar.map(
      (s) =>
        `<li><b>${escapeHtml(s.window)}</b>: ${formatTime(s.start)} → ${formatTime(s.end)}` +
        ` <span class="sub">${escapeHtml(s.reason)}</span></li>`,
    );
    return `<h3>${escapeHtml(e.name)}</h3>${items.length > 0 ? `<ul>${items.join('')}</ul>` : '<p>No freeze.</p>'}`;
  });
  return [
    '<section id="freezes" aria-labelledby="freezes-title">',
    `<h2 id="freezes-title">Freeze calendar, next ${data.calendarDays} days</h2>`,
    '<div class="scroll"><table class="calendar">',
    '<caption>❄ marks a day on which a freeze window holds for at least part of the day',
    ` (UTC days from ${new Date(day0).toISOString().slice(0, 10)}).</caption>`,
    `<thead><tr><th scope="col">Environment</th>${head}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table></div>',
    ...spans,
    '</section>',
  ].join('\n');
}

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--focus:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);
margin:0 1.5rem 2rem}
h1{margin:.8rem 0 .2rem;font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid var(--line)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.controls{display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:center;margin:.6rem 0}
.controls input,.controls select{font:inherit;padding:.25rem .4rem;border:1px solid var(--line);border-radius:4px}
.controls input[type=search]{width:16rem}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;list-style:none;padding:0;margin:.2rem 0}
.hint,.sub,.def{color:var(--muted);font-size:12px}
.scroll{overflow:auto;max-height:75vh;border:1px solid var(--line);contain:content}
table{border-collapse:collapse}
caption{text-align:left;color:var(--muted);padding:.3rem .5rem;caption-side:top}
.matrix{table-layout:fixed;width:max-content}.c-app{width:15.5rem}.c-team{width:7rem}.c-env{width:11rem}
.matrix th,.matrix td{border-bottom:1px solid var(--line);padding:0;text-align:left;vertical-align:top;overflow:hidden}
.matrix thead th{position:sticky;top:0;background:#f6f8fa;padding:.35rem .5rem;z-index:1}
.matrix tbody th{padding:.35rem .5rem;font-weight:600;white-space:nowrap;text-overflow:ellipsis}
.matrix td.team{padding:.35rem .5rem;color:var(--muted)}
.cell{all:unset;display:block;cursor:pointer;padding:.3rem .45rem;min-width:8rem;white-space:nowrap}
.cell:focus-visible{outline:3px solid var(--focus);outline-offset:-3px}
.cell:hover{background:#f6f8fa}
.v{font-weight:600}.d{font:11px ui-monospace,monospace;color:var(--muted)}.age{color:var(--muted);font-size:12px}
.st{display:block;font-size:12px;border-left:4px solid transparent;padding-left:.3rem}
.s-current{border-color:#1a7f37}.s-promotable{border-color:#0969da;font-weight:600}.s-soaking{border-color:#9a6700}
.s-frozen{border-color:#6639ba}.s-drift{border-color:#cf222e;color:#cf222e;font-weight:700}
.s-not-deployed{border-color:#8c959f;color:var(--muted)}
.timeline{padding-left:1.2rem}.timeline li{margin:.35rem 0}
.dora{display:flex;flex-wrap:wrap;gap:1rem}
.dora figure{margin:0;width:270px;border:1px solid var(--line);border-radius:6px;padding:.5rem}
.dora rect{fill:#0969da}.dora rect.none{fill:#d0d7de}
.calendar th,.calendar td{border:1px solid var(--line);padding:.15rem .3rem;text-align:center;font-size:12px}
.calendar td.frozen{background:#e8dcfa}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
dialog{max-width:56rem;width:90vw;border:1px solid var(--line);border-radius:8px}
dialog table td,dialog table th{border-bottom:1px solid var(--line);padding:.2rem .4rem;text-align:left;
vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:var(--muted)}dd{margin:0}
`;
