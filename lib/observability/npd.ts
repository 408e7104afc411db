/**
 * node-problem-detector's kernel monitor: the problems it looks for in the
 * kernel log, and checks of that configuration.
 *
 * NPD keeps the last `bufferSize` kernel log lines joined by newlines and
 * reports a rule when its pattern (Go RE2 syntax) matches at the end of that
 * buffer; `kmsgMatches` does the same, so tests run the rules on real-looking lines.
 */

/** A node condition the monitor sets, with its healthy reason and message. */
export interface NpdCondition {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** A rule: a temporary problem is an event; a permanent one also sets its condition. */
export interface NpdRule {
  readonly type: 'temporary' | 'permanent';
  readonly condition?: string;
  readonly reason: string;
  readonly pattern: string;
}

/** A system log monitor configuration (kmsg plugin). */
export interface NpdMonitorConfig {
  readonly plugin: 'kmsg';
  readonly logPath: string;
  readonly lookback: string;
  readonly bufferSize: number;
  readonly source: string;
  readonly conditions: readonly NpdCondition[];
  readonly rules: readonly NpdRule[];
}

/** File name of the kernel monitor configuration. */
export const KERNEL_MONITOR_FILE = 'kernel-monitor.json';

/** The kernel monitor: OOM kills, hung tasks, kernel oopses, a hung container runtime, read-only filesystems. */
export function kernelMonitorConfig(): NpdMonitorConfig {
  return {
    plugin: 'kmsg',
    logPath: '/dev/kmsg',
    lookback: '5m',
    bufferSize: 10,
    source: 'kernel-monitor',
    conditions: [
      { type: 'KernelDeadlock', reason: 'KernelHasNoDeadlock', message: 'kernel has no deadlock' },
      { type: 'ReadonlyFilesystem', reason: 'FilesystemIsNotReadOnly', message: 'Filesystem is not read-only' },
    ],
    rules: [
      {
        type: 'temporary',
        reason: 'OOMKilling',
        pattern: String.raw`(Memory cgroup out of memory|Out of memory): Killed process \d+ \((.+)\) total-vm:\d+kB, anon-rss:\d+kB, file-rss:\d+kB.*`,
      },
      { type: 'temporary', reason: 'TaskHung', pattern: String.raw`task \S+:\w+ blocked for more than \w+ seconds\.` },
      {
        type: 'temporary',
        reason: 'KernelOops',
        pattern:
          'BUG: (unable to handle kernel NULL pointer dereference at|kernel NULL pointer dereference, address:) .*',
      },
      { type: 'temporary', reason: 'KernelOops', pattern: String.raw`divide error: 0000 \[#\d+\] SMP` },
      {
        type: 'permanent',
        condition: 'KernelDeadlock',
        reason: 'ContainerRuntimeHung',
        pattern: String.raw`task (containerd|containerd-shim|kubelet):\w+ blocked for more than \w+ seconds\.`,
      },
      {
        type: 'permanent',
        condition: 'ReadonlyFilesystem',
        reason: 'FilesystemIsReadOnly',
        pattern: 'Remounting filesystem read-only',
      },
    ],
  };
}

/** RE2 refuses these Perl/JavaScript constructs. */
const NOT_RE2: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /\(\?[=!]/, what: 'lookahead' },
  { re: /\(\?<[=!]/, what: 'lookbehind' },
  { re: /\\[1-9]/, what: 'backreferences' },
];

/** Problems of a monitor configuration; `[]` when valid. */
export function npdConfigProblems(config: NpdMonitorConfig): string[] {
  const problems: string[] = [];
  if (!/^\d+[smh]$/.test(config.lookback)) problems.push(`lookback '${config.lookback}' is not a duration like 5m`);
  if (!Number.isInteger(config.bufferSize) || config.bufferSize < 1)
    problems.push(`bufferSize ${config.bufferSize} is not a positive whole number`);
  const conditions = new Set<string>();
  for (const c of config.conditions) {
    if (conditions.has(c.type)) problems.push(`condition ${c.type} is declared twice`);
    conditions.add(c.type);
  }
  config.rules.forEach((rule, i) => {
    const at = `rules[${i}] (${rule.reason})`;
    if (!/^[A-Z][A-Za-z]*$/.test(rule.reason)) problems.push(`${at}: reason is not CamelCase`);
    if (rule.type === 'permanent' && (rule.condition === undefined || !conditions.has(rule.condition)))
      problems.push(`${at}: a permanent rule needs a declared condition (declared: ${[...conditions].join(', ')})`);
    if (rule.type === 'temporary' && rule.condition !== undefined)
      problems.push(`${at}: a temporary rule sets no condition`);
    for (const n of NOT_RE2)
      if (n.re.test(rule.pattern)) problems.push(`${at}: pattern uses ${n.what}, which Go's RE2 refuses`);
    try {
      new RegExp(rule.pattern);
    } catch (error) {
      problems.push(`${at}: pattern is invalid: ${(error as Error).message}`);
    }
  });
  return problems;
}

/** The rules that fire on `lines` (the kernel log, oldest first), as NPD matches them at the end of its buffer. */
export function kmsgMatches(config: NpdMonitorConfig, lines: readonly string[]): NpdRule[] {
  const fired: NpdRule[] = [];
  const buffer: string[] = [];
  for (const line of lines) {
    buffer.push(line);
    if (buffer.length > config.bufferSize) buffer.shift();
    const text = buffer.join('\n');
    for (const rule of config.rules) {
      if (new RegExp(`(?:${rule.pattern})$`).test(text)) fired.push(rule);
    }
  }
  return fired;
}
