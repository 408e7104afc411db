import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkPrometheusRules, describePromtool } from '../../lib/validate/promtool.ts';
import { readManifests } from '../../lib/validate/validate.ts';
import type { RenderedFile } from '../../lib/kube/object.ts';
import { REPO_ROOT } from '../fixture.ts';

const installed = !spawnSync('promtool', ['--version']).error;

/** The repository's manifests, with `edit` applied to the rules of prod's claims-api. */
function manifests(edit?: (rules: { alert: string; expr: string; for: string }[]) => void): RenderedFile[] {
  const files = readManifests(join(REPO_ROOT, 'manifests'));
  if (edit) {
    const file = files.find((f) => f.path === 'prod/apps/claims-api.yaml')!;
    const rule = file.objects.find((o) => o.kind === 'PrometheusRule')! as unknown as {
      spec: { groups: { rules: { alert: string; expr: string; for: string }[] }[] };
    };
    edit(rule.spec.groups[0]!.rules);
  }
  return files;
}

describe.skipIf(!installed)('promtool check rules (real promtool)', () => {
  it('passes every PrometheusRule the platform renders', () => {
    const report = checkPrometheusRules(manifests());
    expect(report.violations).toEqual([]);
    expect(report.objects).toBeGreaterThan(10);
    // Each service has four alerts, each worker two.
    expect(report.rules).toBeGreaterThanOrEqual(report.objects * 2);
    expect(describePromtool(report, 120)).toBe(
      `promtool check rules: ${report.rules} rules in ${report.objects} PrometheusRules, 0 problem(s) (120 ms)`,
    );
  });

  it("fails a broken expression and a bad duration with the file, the rule and promtool's message", () => {
    const report = checkPrometheusRules(
      manifests((rules) => {
        rules.find((r) => r.alert === 'HighLatency')!.expr = 'histogram_quantile(0.99, sum by (le (rate(x[5m])))';
      }),
    );
    expect(report.violations).toEqual([
      {
        file: 'prod/apps/claims-api.yaml',
        object: 'monitoring.coreos.com/v1/PrometheusRule/claims/claims-api',
        rule: 'promtool',
        message:
          'group claims-api.alerts, rule HighLatency: could not parse expression: 1:37: parse error: unexpected "(" in grouping opts, expected "," or ")"',
        fix: "correct the alert (lib/observability/alerts.ts, or the app's metrics fields), then `npm run synth`",
      },
    ]);
    const duration = checkPrometheusRules(manifests((rules) => (rules[0]!.for = '5 minutes')));
    expect(duration.violations.map((v) => `${v.file} ${v.message}`)).toEqual([
      'prod/apps/claims-api.yaml not a valid duration string: "5 minutes"',
    ]);
  });
});

describe('promtool check rules without promtool', () => {
  it('says that it skipped', () => {
    const report = checkPrometheusRules(manifests(), { promtool: '/nonexistent/promtool' });
    expect(report.violations).toEqual([]);
    expect(report.skipped).toBe('/nonexistent/promtool is not installed (ENOENT)');
    expect(describePromtool(report, 0)).toBe(
      `promtool check rules: skipped, /nonexistent/promtool is not installed (ENOENT); install Debian's prometheus package to check the ${report.objects} PrometheusRule(s)`,
    );
  });
});
