import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  kernelMonitorConfig,
  kmsgMatches,
  npdConfigProblems,
  type NpdMonitorConfig,
} from '../../lib/observability/npd.ts';
import { renderPlatformFiles } from '../../lib/render/platform.ts';
import type { KubeObject } from '../../lib/kube/object.ts';
import prod from '../fixtures/environments/prod/environment.ts';

const audit = renderPlatformFiles(prod, '1.0.0').find((f) => f.path === 'prod/platform/event-audit.yaml')!
  .objects as KubeObject[];
const get = (kind: string, name: string): any => audit.find((o) => o.kind === kind && o.metadata.name === name);

describe('node-problem-detector', () => {
  const monitor = kernelMonitorConfig();
  const fired = (lines: string[]) => kmsgMatches(monitor, lines).map((r) => `${r.type} ${r.reason}`);

  it('reports OOM kills, hung tasks and read-only filesystems from real-looking kernel log lines', () => {
    expect(
      fired([
        'Memory cgroup out of memory: Killed process 48211 (java) total-vm:6190872kB, anon-rss:1571032kB, file-rss:23144kB, shmem-rss:0kB, UID:10001 pgtables:3520kB oom_score_adj:936',
      ]),
    ).toEqual(['temporary OOMKilling']);
    expect(
      fired([
        'Out of memory: Killed process 1911 (node) total-vm:1843200kB, anon-rss:524288kB, file-rss:0kB, shmem-rss:0kB, UID:10001',
      ]),
    ).toEqual(['temporary OOMKilling']);
    expect(fired(['INFO: task java:48211 blocked for more than 120 seconds.'])).toEqual(['temporary TaskHung']);
    expect(fired(['INFO: task containerd:912 blocked for more than 120 seconds.'])).toEqual([
      'temporary TaskHung',
      'permanent ContainerRuntimeHung',
    ]);
    expect(
      fired([
        'EXT4-fs error (device nvme1n1p1): ext4_journal_check_start:83: comm kubelet: Detected aborted journal',
        'EXT4-fs (nvme1n1p1): Remounting filesystem read-only',
      ]),
    ).toEqual(['permanent FilesystemIsReadOnly']);
    expect(fired(['BUG: kernel NULL pointer dereference, address: 0000000000000008'])).toEqual([
      'temporary KernelOops',
    ]);
  });

  it('stays quiet on ordinary kernel lines', () => {
    expect(
      fired([
        'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
        'EXT4-fs (nvme1n1p1): mounted filesystem with ordered data mode. Quota mode: none.',
        'cni0: port 3(veth91a2) entered forwarding state',
      ]),
    ).toEqual([]);
  });

  it('ships a valid kernel monitor in its ConfigMap and runs on every node', () => {
    expect(npdConfigProblems(monitor)).toEqual([]);
    expect(JSON.parse(get('ConfigMap', 'node-problem-detector').data['kernel-monitor.json'])).toEqual(monitor);
    const ds = get('DaemonSet', 'node-problem-detector');
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.spec.template.spec.volumes).toContainEqual({
      name: 'kmsg',
      hostPath: { path: '/dev/kmsg', type: 'CharDevice' },
    });
    expect(ds.spec.template.spec.containers[0].command).toContain(
      '--config.system-log-monitor=/config/kernel-monitor.json',
    );
  });

  it('fails a monitor with constructs RE2 refuses or a permanent rule without a declared condition', () => {
    const broken: NpdMonitorConfig = {
      ...monitor,
      rules: [
        { type: 'permanent', condition: 'DiskFull', reason: 'NoSpace', pattern: 'No space left' },
        { type: 'temporary', reason: 'Lookahead', pattern: 'task (?!kworker)\\S+ blocked' },
      ],
    };
    expect(npdConfigProblems(broken)).toEqual([
      'rules[0] (NoSpace): a permanent rule needs a declared condition (declared: KernelDeadlock, ReadonlyFilesystem)',
      "rules[1] (Lookahead): pattern uses lookahead, which Go's RE2 refuses",
    ]);
  });
});

describe('event exporter', () => {
  it('ships every event of the cluster to the aggregator, tagged with cluster and environment', () => {
    const config = parse(get('ConfigMap', 'event-exporter').data['fluent-bit.yaml']);
    expect(config.pipeline.inputs[0]).toMatchObject({
      name: 'kubernetes_events',
      tag: 'event.k8s',
      db: '/var/fluent-bit/state/events.db',
    });
    expect(config.pipeline.inputs[0].kube_namespace).toBeUndefined();
    expect(config.pipeline.filters[0].set).toEqual(['cluster prod-cn-east-1', 'env prod']);
    expect(config.pipeline.outputs[0]).toMatchObject({
      name: 'forward',
      host: 'log-aggregator.logging.svc',
      port: 24224,
    });
  });

  it('runs one restricted pod: two exporters would ship every event twice', () => {
    const deployment = get('Deployment', 'event-exporter');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployment.spec.template.spec.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(deployment.metadata.annotations).toEqual({
      'platform.insure.example/source': 'environments/prod/environment.ts',
      'argocd.argoproj.io/sync-wave': '-1',
    });
  });
});
