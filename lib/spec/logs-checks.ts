/**
 * Meaning checks of the `logs` field.
 */
import type { AppSpec } from './app.ts';
import type { ProblemSink } from './problems.ts';
import { memoryBytes } from './quantity.ts';
import { HEAP_DUMP_DIR } from './reserved.ts';

/** Top-level folders of a container image an emptyDir must not hide. */
const SYSTEM_DIRS = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib64',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/run',
  '/tmp',
];
const GLOB = /^[A-Za-z0-9._*?\-[\]/]+$/;
/** What a log folder may be written with: the file pattern characters without the wildcards. */
const FOLDER = /^[A-Za-z0-9._\-/]+$/;
const MEMORY = /^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MIN_SIZE = 16 * 1024 ** 2;
const MAX_SIZE = 100 * 1024 ** 3;

/** Whether `path` is `folder` or inside it. */
function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

/** Checks `app.logs`. */
export function checkLogs(app: AppSpec, file: string, sink: ProblemSink): void {
  const logs = app.logs;
  if (!logs) return;
  if ((app.kind ?? 'service') === 'cronjob') {
    sink.add(
      file,
      'logs',
      logs,
      'a cronjob cannot have a log directory: its collector sidecar would keep the job from finishing (Kubernetes 1.27 has no native sidecars)',
      'log to stdout, which the node agent collects, and remove logs',
    );
  }
  const dir = logs.dir.replace(/\/+$/, '') || '/';
  if (!logs.dir.startsWith('/')) {
    sink.add(file, 'logs.dir', logs.dir, 'not an absolute path', `write it as '/${logs.dir}'`);
  } else if (dir.split('/').some((part, i) => i > 0 && (part === '' || part === '.' || part === '..'))) {
    sink.add(
      file,
      'logs.dir',
      logs.dir,
      "has an empty, '.' or '..' segment",
      "write the plain folder, e.g. '/home/admin/logs'",
    );
  } else if (dir === '/') {
    sink.add(
      file,
      'logs.dir',
      logs.dir,
      'is the root folder',
      "use the folder the app writes its logs to, e.g. '/home/admin/logs'",
    );
  } else if (!FOLDER.test(dir)) {
    sink.add(
      file,
      'logs.dir',
      logs.dir,
      "has characters a collected folder cannot hold here ('$', spaces and commas included: the collector would read them as variables or lists)",
      "use letters, digits, '.', '_', '-' and '/'",
    );
  } else {
    const system = SYSTEM_DIRS.find((s) => within(dir, s) || (s !== '/tmp' && within(s, dir)));
    if (system)
      sink.add(
        file,
        'logs.dir',
        logs.dir,
        `would hide or sit in ${system}, which the container needs (or /tmp, which is already a volume)`,
        "use a folder of the app's own, e.g. '/home/admin/logs' or '/var/log/app'",
      );
    const configDir = app.configDir ?? '/config';
    if (within(dir, configDir) || within(configDir, dir))
      sink.add(
        file,
        'logs.dir',
        logs.dir,
        `overlaps the config folder ${configDir}, which is read-only`,
        'use a separate folder for logs',
      );
    if (within(dir, HEAP_DUMP_DIR) || within(HEAP_DUMP_DIR, dir))
      sink.add(
        file,
        'logs.dir',
        logs.dir,
        `overlaps ${HEAP_DUMP_DIR}, the heap dump volume`,
        'use a separate folder for logs',
      );
  }
  if (logs.include !== undefined) {
    if (logs.include.length === 0)
      sink.add(
        file,
        'logs.include',
        logs.include,
        'is empty: no file would be collected',
        "list the files, e.g. ['*.log'], or drop include for the default",
      );
    logs.include.forEach((glob, i) => {
      const field = `logs.include[${i}]`;
      if (glob.startsWith('/'))
        sink.add(
          file,
          field,
          glob,
          `is absolute; patterns are relative to logs.dir (${logs.dir})`,
          `write '${glob.replace(/^\/+/, '')}'`,
        );
      else if (glob.split('/').includes('..'))
        sink.add(file, field, glob, "climbs out of logs.dir with '..'", 'collect only files inside logs.dir');
      else if (!GLOB.test(glob))
        sink.add(
          file,
          field,
          glob,
          'has characters a file pattern cannot hold here (commas and spaces included)',
          "use letters, digits, '.', '_', '-', '/', and the wildcards '*', '?', '[...]'",
        );
      else if (glob.includes('**'))
        sink.add(
          file,
          field,
          glob,
          "'**' is not supported",
          "write one pattern per folder level, e.g. '*.log' and 'audit/*.log'",
        );
    });
  }
  const multiline = logs.multiline;
  if (multiline !== undefined && typeof multiline === 'object') {
    const pattern = multiline.startPattern;
    const problem = patternProblem(pattern);
    if (!pattern.startsWith('^')) {
      sink.add(
        file,
        'logs.multiline.startPattern',
        pattern,
        'is not anchored: a record starts at the beginning of a line',
        `start it with '^', e.g. '^${pattern}'`,
      );
    } else if (problem) {
      sink.add(
        file,
        'logs.multiline.startPattern',
        pattern,
        problem,
        String.raw`use plain regular expression syntax, e.g. '^\d{4}-\d{2}-\d{2}'`,
      );
    } else if (new RegExp(pattern).test('')) {
      sink.add(
        file,
        'logs.multiline.startPattern',
        pattern,
        'matches an empty line, so every line would start a record',
        String.raw`match what only a record's first line has, e.g. '^\d{4}-\d{2}-\d{2}'`,
      );
    }
  }
  if (logs.sizeLimit !== undefined) {
    if (!MEMORY.test(logs.sizeLimit)) {
      sink.add(file, 'logs.sizeLimit', logs.sizeLimit, 'not a size', "write it as '512Mi' or '2Gi'");
    } else {
      const bytes = memoryBytes(logs.sizeLimit);
      if (bytes < MIN_SIZE || bytes > MAX_SIZE)
        sink.add(file, 'logs.sizeLimit', logs.sizeLimit, 'out of range', 'use 16Mi to 100Gi');
    }
  }
}

/**
 * Constructs whose meaning differs between Onigmo (Ruby syntax, used by Fluent
 * Bit) and JavaScript, or that JavaScript reads silently differently.
 */
const UNPORTABLE: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /\\[AzZG]/, what: String.raw`the anchors \A, \z, \Z and \G` },
  { re: /\\[hHKRXQE]/, what: String.raw`the escapes \h, \H, \K, \R, \X, \Q and \E` },
  { re: /\\[pP]\{/, what: String.raw`Unicode properties (\p{...})` },
  { re: /\[:[a-z]+:\]/, what: 'POSIX bracket classes ([[:alpha:]])' },
  { re: /\(\?#/, what: 'comment groups ((?#...))' },
];

/** Why `pattern` cannot be used in a multiline rule, or `undefined` when it can. */
export function patternProblem(pattern: string): string | undefined {
  for (const u of UNPORTABLE) {
    if (u.re.test(pattern)) return `uses ${u.what}, which Fluent Bit and the platform's checks read differently`;
  }
  try {
    new RegExp(pattern);
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  return undefined;
}
