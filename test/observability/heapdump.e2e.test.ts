import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { renderApp } from '../../lib/render/render.ts';
import { REPO_ROOT, fleetRepo, makeRepo, service } from '../fixture.ts';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function cli(root: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'lib', 'cli', 'launch.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PLATFORM_ROOT: root },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function pod(app: string, env: string): Promise<any> {
  const resolved = resolveProject(await loadProject(fleetRepo())).find(
    (a) => a.name === app && a.environment.name === env,
  )!;
  const workload = renderApp(resolved).find((o) => ['Deployment', 'CloneSet', 'CronJob'].includes(o.kind)) as any;
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
}

describe('heap dumps', () => {
  it('gives a JVM service a dedicated heap dump volume, sized to its memory limit, and the flags that fill it on OutOfMemoryError', async () => {
    const spec = await pod('payments-gateway', 'prod');
    expect(spec.volumes).toContainEqual({ name: 'heap-dumps', emptyDir: { sizeLimit: '2048Mi' } });
    const app = spec.containers[0];
    expect(app.volumeMounts).toContainEqual({ name: 'heap-dumps', mountPath: '/heapdumps' });
    expect(app.env.find((e: any) => e.name === 'JAVA_TOOL_OPTIONS').value).toBe(
      '-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/heapdumps',
    );
  });

  it('gives Node apps and JVM cronjobs no heap dump volume', async () => {
    expect((await pod('quote-api', 'prod')).volumes.map((v: any) => v.name)).not.toContain('heap-dumps');
    expect((await pod('policy-renewal-batch', 'prod')).volumes.map((v: any) => v.name)).not.toContain('heap-dumps');
  });

  it('prints the commands for an app and environment: a JDK debug container, jcmd, and copying the dump out', () => {
    const r = cli(fleetRepo(), 'heapdump', 'claims-api', '--env', 'prod');
    expect(r.code).toBe(0);
    const k = 'kubectl --context prod-cn-east-1 -n claims';
    expect(r.stdout).toContain(`${k} get pods -l app.kubernetes.io/name=claims-api -o wide`);
    expect(r.stdout).toContain(
      `${k} debug "$POD" -c "$DEBUG" --target=claims-api --profile=restricted --image=registry.insure.example/platform/jdk-debug:21.0.5@sha256:`,
    );
    expect(r.stdout).toContain(`${k} exec "$POD" -c "$DEBUG" -- jcmd 1 GC.heap_dump "$DUMP"`);
    expect(r.stdout).toContain(`${k} exec "$POD" -c "$DEBUG" -- cat "/proc/1/root$DUMP" > "claims-api-$POD.hprof"`);
    expect(cli(fleetRepo(), 'heapdump', 'claims-api', '--env', 'dev').stdout).toContain(
      'kubectl --context dev-cn-east-1 -n claims',
    );
  });

  it('fails for an app that is not a JVM, an unknown app and an unknown environment, naming the fix', () => {
    const node = cli(fleetRepo(), 'heapdump', 'quote-api', '--env', 'prod');
    expect(node.code).toBe(1);
    expect(node.stderr).toContain(
      "quote-api runs on 'node', not a JVM: heap dumps are for long-running spring-boot apps",
    );
    expect(cli(fleetRepo(), 'heapdump', 'claims-apj', '--env', 'prod').stderr).toContain(
      "'claims-apj' is no app. Fix: did you mean 'claims-api'?",
    );
    expect(cli(fleetRepo(), 'heapdump', 'claims-api', '--env', 'prd').stderr).toContain(
      "--env 'prd' is no environment. Fix: did you mean 'prod'?",
    );
    expect(cli(fleetRepo(), 'heapdump', 'claims-api').code).toBe(2);
  });

  it('fails for an app that does not run in the environment', () => {
    const r = makeRepo({
      apps: { 'claims-api': service('claims-api', { runtime: 'spring-boot', environments: ['dev', 'sit'] }) },
    });
    cleanups.push(r.cleanup);
    const out = cli(r.root, 'heapdump', 'claims-api', '--env', 'prod');
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('claims-api does not run in prod');
  });
});
