/**
 * Heap dumps of JVM apps: written on OutOfMemoryError to a dedicated volume,
 * and taken on demand from a running pod with the commands `heapdump` prints.
 */
import type { ResolvedApp } from '../spec/resolve.ts';
import { HEAP_DUMP_DIR } from '../spec/reserved.ts';
import { memoryBytes } from '../spec/quantity.ts';
import { shellWord } from '../util/shell.ts';
import { LABELS } from '../workload/labels.ts';
import type { PodSpecJson } from '../kube/pod.ts';

/** Name of the heap dump volume. */
export const HEAP_DUMP_VOLUME = 'heap-dumps';
/**
 * JVM flags that write a heap dump on OutOfMemoryError into the volume (before `ExitOnOutOfMemoryError` ends the JVM).
 */
export const HEAP_DUMP_FLAGS = `-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=${HEAP_DUMP_DIR}`;

/**
 * Whether the app gets heap dumps: JVM apps that keep running. A cronjob's pod
 * ends with the JVM and its volumes with it, so a dump could not be fetched.
 */
export function heapDumpsEnabled(app: ResolvedApp): boolean {
  return app.runtime === 'spring-boot' && app.kind !== 'cronjob';
}

/** Size bound of the heap dump volume, in MiB: the memory limit, which no heap (75 % of it) outgrows. */
export function heapDumpSizeMib(app: ResolvedApp): number {
  return Math.ceil(memoryBytes(app.resources.memoryLimit) / 1024 ** 2);
}

/** Adds the heap dump volume, its mount and the JVM flags to the app container of `pod`. */
export function addHeapDumps(app: ResolvedApp, pod: PodSpecJson): void {
  pod.volumes = [
    ...(pod.volumes ?? []),
    { name: HEAP_DUMP_VOLUME, emptyDir: { sizeLimit: `${heapDumpSizeMib(app)}Mi` } },
  ];
  const container = pod.containers[0]!;
  container.volumeMounts = [...(container.volumeMounts ?? []), { name: HEAP_DUMP_VOLUME, mountPath: HEAP_DUMP_DIR }];
  const env = container.env ?? [];
  const options = env.find((e) => e.name === 'JAVA_TOOL_OPTIONS');
  if (options && typeof options.value === 'string') {
    if (!options.value.includes('HeapDumpPath')) options.value = `${options.value} ${HEAP_DUMP_FLAGS}`;
  } else if (!options) {
    container.env = [...env, { name: 'JAVA_TOOL_OPTIONS', value: HEAP_DUMP_FLAGS }].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }
}

/**
 * The commands that take a heap dump of `app` from a running pod and copy it
 * out, and fetch a dump written on OutOfMemoryError. They only print; running
 * them needs kubectl 1.27 or newer and access to the cluster. Every value from
 * the specs is passed as one shell word, so a pasted line runs nothing it holds.
 */
export function heapDumpCommands(app: ResolvedApp): string {
  const env = app.environment;
  const k = `kubectl --context ${shellWord(env.cluster.name)} -n ${shellWord(app.namespace)}`;
  const selector = shellWord(`${LABELS.name}=${app.name}`);
  const image = shellWord(env.observability.images.jdkDebug);
  const dump = `${HEAP_DUMP_DIR}/${app.name}-$(date +%Y%m%d-%H%M%S).hprof`;
  return [
    `# Heap dumps of ${app.name} in ${env.name} (cluster ${oneLine(env.cluster.name)}, namespace ${app.namespace}).`,
    `# The JVM writes ${HEAP_DUMP_DIR}/java_pid<pid>.hprof by itself on OutOfMemoryError, then restarts;`,
    `# the volume (${heapDumpSizeMib(app)}Mi) survives the restart, not the pod. Copy dumps out, then delete them.`,
    '',
    '# 1. Pick a pod:',
    `${k} get pods -l ${selector} -o wide`,
    `POD=$(${k} get pods -l ${selector} -o jsonpath='{.items[0].metadata.name}')`,
    '',
    `# 2. Start a JDK container in the pod that shares the JVM's processes and runs as the app's user`,
    '#    (the JVM only lets its own user attach); the app image needs no JDK:',
    `DEBUG=heapdump-$(date +%s)`,
    `${k} debug "$POD" -c "$DEBUG" --target=${shellWord(app.name)} --profile=restricted --image=${image} -- sleep 1800`,
    `# Wait until it is running:`,
    `${k} get pod "$POD" -o jsonpath='{range .status.ephemeralContainerStatuses[*]}{.name}{" "}{.state}{"\\n"}{end}'`,
    '',
    `# 3. Dump the heap of the running JVM (process 1 of the app container) into ${HEAP_DUMP_DIR}:`,
    `DUMP=${dump}`,
    `${k} exec "$POD" -c "$DEBUG" -- jcmd 1 GC.heap_dump "$DUMP"`,
    '',
    '# 4. List the dumps (yours and any written on OutOfMemoryError), copy one out, then delete it:',
    `${k} exec "$POD" -c "$DEBUG" -- ls -l /proc/1/root${HEAP_DUMP_DIR}`,
    `${k} exec "$POD" -c "$DEBUG" -- cat "/proc/1/root$DUMP" > "${app.name}-$POD.hprof"`,
    `${k} exec "$POD" -c "$DEBUG" -- rm "/proc/1/root$DUMP"`,
    '',
    '# The JDK container ends by itself after 30 minutes; it stays listed in the pod until the pod is replaced.',
    '',
  ].join('\n');
}

/** Text for a comment line: line breaks would end the comment and start a command. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
