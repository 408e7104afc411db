/**
 * `promtool check rules` over every PrometheusRule of the manifests, when
 * Prometheus's `promtool` is installed: the rule groups are written to temp
 * files and checked in one call, and each problem is mapped back to the
 * manifest file, the object and the rule.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/#syntax-checking-rules
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RenderedFile } from '../kube/object.ts';
import { objectId } from '../kube/order.ts';
import type { KubeObject } from '../kube/object.ts';
import type { Violation } from './validate.ts';

/** Files handed to one promtool call; bounded so the command line stays short. */
const FILES_PER_CALL = 200;

/** What `checkPrometheusRules` found. */
export interface PromtoolReport {
  /** Why nothing was checked (promtool is not installed), when so. */
  readonly skipped?: string;
  /** PrometheusRule objects checked. */
  readonly objects: number;
  /** Rules promtool found in them. */
  readonly rules: number;
  /** One per problem promtool reported, as rule `promtool`. */
  readonly violations: readonly Violation[];
}

/** Options of `checkPrometheusRules`. */
export interface PromtoolOptions {
  /**
   * The promtool command.
   * @default - `PROMTOOL` from the environment, else `promtool` on the PATH
   */
  readonly promtool?: string;
}

/** Checks every PrometheusRule of `files` with `promtool check rules`. */
export function checkPrometheusRules(files: readonly RenderedFile[], options: PromtoolOptions = {}): PromtoolReport {
  const promtool = options.promtool ?? process.env.PROMTOOL ?? 'promtool';
  const rules = files.flatMap((f) =>
    f.objects
      .filter((o): o is KubeObject => isPrometheusRule(o))
      .map((o) => ({ file: f.path, object: o, id: objectId(o) })),
  );
  const probe = spawnSync(promtool, ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    return {
      skipped: `${promtool} is not installed (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`,
      objects: rules.length,
      rules: 0,
      violations: [],
    };
  }
  if (rules.length === 0) return { objects: 0, rules: 0, violations: [] };
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  try {
    const byPath = new Map<string, (typeof rules)[number]>();
    rules.forEach((r, i) => {
      const path = join(dir, `${i}.yaml`);
      const spec = r.object.spec as { groups?: unknown } | undefined;
      writeFileSync(path, stringify({ groups: spec?.groups ?? [] }));
      byPath.set(path, r);
    });
    const violations: Violation[] = [];
    let found = 0;
    const paths = [...byPath.keys()];
    for (let start = 0; start < paths.length; start += FILES_PER_CALL) {
      const batch = paths.slice(start, start + FILES_PER_CALL);
      const run = spawnSync(promtool, ['check', 'rules', ...batch], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      for (const m of run.stdout.matchAll(/SUCCESS: (\d+) rules found/g)) found += Number(m[1]);
      const problems = parseProblems(run.stderr, byPath);
      violations.push(...problems);
      if (run.status !== 0 && problems.length === 0) {
        const first = byPath.get(batch[0]!)!;
        violations.push({
          file: first.file,
          object: first.id,
          rule: 'promtool',
          message: `promtool check rules failed: ${(run.stderr || run.stdout || String(run.error)).trim()}`,
          fix: 'run promtool on the rule groups by hand',
        });
      }
    }
    return { objects: rules.length, rules: found, violations };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PROBLEM = /^(\S+?): (?:(\d+):(\d+): )?(?:group "([^"]*)", rule (\d+), "([^"]*)": )?(.+)$/;

function parseProblems(stderr: string, byPath: ReadonlyMap<string, { file: string; id: string }>): Violation[] {
  const out: Violation[] = [];
  for (const line of stderr.split('\n')) {
    const m = PROBLEM.exec(line.trim());
    const source = m ? byPath.get(m[1]!) : undefined;
    if (!m || !source) continue;
    const [, , , , group, , rule, message] = m;
    const where = group !== undefined ? `group ${group}, rule ${rule}: ` : '';
    out.push({
      file: source.file,
      object: source.id,
      rule: 'promtool',
      message: `${where}${message}`,
      fix: "correct the alert (lib/observability/alerts.ts, or the app's metrics fields), then `npm run synth`",
    });
  }
  return out;
}

function isPrometheusRule(o: unknown): boolean {
  const k = o as KubeObject | undefined;
  return (
    k?.kind === 'PrometheusRule' &&
    typeof k.apiVersion === 'string' &&
    k.apiVersion.startsWith('monitoring.coreos.com/')
  );
}

/** One line on what promtool checked or why it did not, for the terminal. */
export function describePromtool(report: PromtoolReport, ms: number): string {
  if (report.skipped)
    return (
      `promtool check rules: skipped, ${report.skipped};` +
      ` install Debian's prometheus package to check the ${report.objects} PrometheusRule(s)`
    );
  const problems = `${report.violations.length} problem(s)`;
  return `promtool check rules: ${report.rules} rules in ${report.objects} PrometheusRules, ${problems} (${ms} ms)`;
}
