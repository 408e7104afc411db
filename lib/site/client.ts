/**
 * The fleet page's script, bundled into the page by esbuild: search, team and
 * state filters, sorting, arrow-key moves between cells (one cell in the tab
 * order at a time), a cell's detail in a dialog, and the section pickers of
 * the release history and the DORA charts. It reads the JSON embedded in the
 * page and fetches nothing.
 */
import { changeText, gatesText, pullRequestHtml, scopeHtml } from './render.ts';
import { STATE_LABELS, type CellState, type SiteApp, type SiteCell, type SiteData, type CellRelease } from './model.ts';

/** The embedded data: the site's data (less the timelines, written into the page) and the pull request link. */
type PageData = Omit<SiteData, 'environments'> & {
  readonly environments: readonly Omit<SiteData['environments'][number], 'timeline'>[];
  readonly pullRequestUrl: string | null;
};

interface Row {
  readonly row: HTMLTableRowElement;
  readonly app: SiteApp;
  readonly name: string;
  readonly states: ReadonlySet<CellState>;
  readonly pending: number;
  readonly alarms: number;
}

const data = JSON.parse(document.getElementById('fleet-data')!.textContent!) as PageData;
const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const tbody = document.querySelector<HTMLTableSectionElement>('#fleet tbody')!;
const apps = new Map(data.apps.map((a) => [a.name, a]));
const rows: Row[] = Array.from(tbody.rows, (row) => {
  const app = apps.get(row.dataset.app!)!;
  const cells = Object.values(app.cells);
  return {
    row,
    app,
    name: app.name.toLowerCase(),
    states: new Set(cells.map((c) => c.state)),
    pending: cells.filter((c) => c.state === 'promotable' || c.state === 'soaking' || c.state === 'frozen').length,
    alarms: cells.filter((c) => c.state === 'drift').length,
  };
});

const search = byId<HTMLInputElement>('search');
const team = byId<HTMLSelectElement>('team');
const state = byId<HTMLSelectElement>('state');
const sort = byId<HTMLSelectElement>('sort');
const count = byId<HTMLOutputElement>('count');

function applyFilters(): void {
  const q = search.value.trim().toLowerCase();
  const t = team.value;
  const s = state.value as CellState | '';
  let shown = 0;
  for (const r of rows) {
    const show = (q === '' || r.name.includes(q)) && (t === '' || r.app.team === t) && (s === '' || r.states.has(s));
    if (r.row.hidden === show) r.row.hidden = !show;
    if (show) shown++;
  }
  count.value = `${shown} of ${rows.length} apps`;
}

function applySort(): void {
  const by = sort.value;
  const name = (a: Row, b: Row): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const order = [...rows].sort((a, b) => {
    if (by === 'team') return (a.app.team < b.app.team ? -1 : a.app.team > b.app.team ? 1 : 0) || name(a, b);
    if (by === 'pending') return b.pending - a.pending || name(a, b);
    if (by === 'alarm') return b.alarms - a.alarms || name(a, b);
    return name(a, b);
  });
  const fragment = document.createDocumentFragment();
  for (const r of order) fragment.appendChild(r.row);
  tbody.appendChild(fragment);
}

search.addEventListener('input', applyFilters);
team.addEventListener('change', applyFilters);
state.addEventListener('change', applyFilters);
sort.addEventListener('change', applySort);

// One cell in the tab order; the arrow keys move it.
let current = tbody.querySelector<HTMLButtonElement>('button.cell');
if (current) current.tabIndex = 0;

function focusCell(button: HTMLButtonElement | null | undefined): void {
  if (!button) return;
  if (current) current.tabIndex = -1;
  button.tabIndex = 0;
  current = button;
  button.focus();
}

function visibleRow(from: HTMLTableRowElement, step: 1 | -1): HTMLTableRowElement | null {
  let row = (step === 1 ? from.nextElementSibling : from.previousElementSibling) as HTMLTableRowElement | null;
  while (row?.hidden)
    row = (step === 1 ? row.nextElementSibling : row.previousElementSibling) as HTMLTableRowElement | null;
  return row;
}

tbody.addEventListener('keydown', (event) => {
  const td = (event.target as HTMLElement).closest<HTMLTableCellElement>('td[data-env]');
  if (!td) return;
  const row = td.parentElement as HTMLTableRowElement;
  const cellsOf = (r: HTMLTableRowElement) => Array.from(r.querySelectorAll<HTMLTableCellElement>('td[data-env]'));
  const column = cellsOf(row).indexOf(td);
  let target: HTMLTableCellElement | undefined;
  if (event.key === 'ArrowRight') target = cellsOf(row)[column + 1];
  else if (event.key === 'ArrowLeft') target = cellsOf(row)[column - 1];
  else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    const next = visibleRow(row, event.key === 'ArrowDown' ? 1 : -1);
    target = next ? cellsOf(next)[column] : undefined;
  } else if (event.key === 'Home') target = cellsOf(row)[0];
  else if (event.key === 'End') target = cellsOf(row).at(-1);
  else return;
  event.preventDefault();
  focusCell(target?.querySelector('button'));
});

tbody.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.cell');
  const td = button?.closest<HTMLTableCellElement>('td[data-env]');
  if (!button || !td) return;
  focusCell(button);
  openDetail(td.parentElement!.dataset.app!, td.dataset.env!);
});

const dialog = byId<HTMLDialogElement>('detail');
const detailBody = byId<HTMLDivElement>('detail-body');

/** A table row of cells. */
const tr = (cells: readonly string[]): string => `<tr>${cells.join('')}</tr>`;
/** A table head of column headers. */
const thead = (columns: readonly string[]): string =>
  `<thead>${tr(columns.map((c) => `<th scope="col">${esc(c)}</th>`))}</thead>`;

function releaseRow(r: CellRelease): string {
  const c = data.commits[r.commit]!;
  return tr([
    `<td>${esc(c.date.slice(0, 16).replace('T', ' '))}</td>`,
    `<td>${esc(changeText(r))}</td>`,
    `<td>${pullRequestHtml(c, data.pullRequestUrl)} <code>${c.sha.slice(0, 12)}</code><br>${esc(c.subject)}</td>`,
    `<td>${esc(c.author)}</td>`,
    `<td>${esc(c.approvers.join(', ') || 'none recorded')}</td>`,
    `<td>${esc(gatesText(c).join('; ') || '–')}</td>`,
  ]);
}

function pinRow(app: SiteApp, env: string, current: boolean): string {
  const cell = app.cells[env]!;
  return (
    `<tr${current ? ' aria-current="true"' : ''}><th scope="row">${esc(env)}</th>` +
    `<td>${esc(cell.version ?? '–')}</td><td><code>${esc(cell.digest ?? '')}</code></td>` +
    `<td>${esc(STATE_LABELS[cell.state].label)}</td></tr>`
  );
}

function openDetail(appName: string, env: string): void {
  const app = apps.get(appName)!;
  const cell: SiteCell = app.cells[env]!;
  const label = STATE_LABELS[cell.state];
  const since = cell.since
    ? `${cell.since.replace('T', ' ').slice(0, 16)} UTC`
    : cell.version
      ? 'not committed yet'
      : '–';
  const facts: [string, string][] = [
    ['State', `${label.symbol} ${label.label}`],
    ['Version', cell.version ?? 'not deployed'],
    ['Digest', cell.digest ?? (cell.version ? 'none (pinned by tag)' : '–')],
    ['Running since', since],
    ['Team', app.team],
  ];
  if (cell.upstreamVersion) facts.push(['Upstream version', cell.upstreamVersion]);
  if (cell.soakLeftHours !== undefined) facts.push(['Soak left', `${cell.soakLeftHours} h`]);
  if (cell.freeze) facts.push(['Frozen', `${cell.freeze.window} (${cell.freeze.reason}) until ${cell.freeze.opensAt}`]);
  if (cell.wave) facts.push(['Released with', `${cell.wave.env}, which runs ${cell.wave.version ?? 'nothing'}`]);
  const pins = data.environments.map((e) => pinRow(app, e.name, e.name === env)).join('');
  const releases = cell.releases.map(releaseRow).join('');
  const copy = '<button type="button" id="detail-copy">Copy</button>';
  detailBody.innerHTML = [
    `<h2 id="detail-title" tabindex="-1">${esc(appName)} in ${esc(env)}</h2>`,
    `<p>${esc(cell.note)}</p>`,
    `<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
    cell.command
      ? `<h3>Next</h3><p><code id="detail-command">${esc(cell.command)}</code> ${copy}</p>`
      : '<h3>Next</h3><p>Nothing to promote into this environment.</p>',
    `<h3>Pins</h3><table>${thead(['Environment', 'Version', 'Digest', 'State'])}<tbody>${pins}</tbody></table>`,
    `<h3>Latest releases here</h3>`,
    releases
      ? `<table>${thead(['When (UTC)', 'Change', 'Release order', 'By', 'Approvals', 'Gates'])}` +
        `<tbody>${releases}</tbody></table>`
      : '<p>No release in the period.</p>',
  ].join('');
  byId<HTMLButtonElement>('detail-copy')?.addEventListener(
    'click',
    () => void navigator.clipboard?.writeText(cell.command ?? ''),
  );
  if (!dialog.open) dialog.showModal();
  byId<HTMLHeadingElement>('detail-title').focus();
}

dialog.addEventListener('close', () => current?.focus());

const historyEnv = byId<HTMLSelectElement>('history-env');
historyEnv.addEventListener('change', () => {
  for (const el of document.querySelectorAll<HTMLElement>('[data-history-env]'))
    el.hidden = el.dataset.historyEnv !== historyEnv.value;
});

const doraEnv = byId<HTMLSelectElement>('dora-env');
const doraTeam = byId<HTMLSelectElement>('dora-team');
const doraCharts = byId<HTMLDivElement>('dora-charts');
function showScope(): void {
  const scope = data.dora.scopes.find((s) => s.env === doraEnv.value && s.team === doraTeam.value);
  doraCharts.innerHTML = scope ? scopeHtml(scope, data.dora.weeks) : '<p>No releases of this team here.</p>';
}
doraEnv.addEventListener('change', showScope);
doraTeam.addEventListener('change', showScope);
