/**
 * Who may sign: `pipelines/signers.json` maps each approver's GitHub login to
 * the SSH public keys they sign with. `npm run pipelines` turns it into
 * `.github/allowed_signers` (OpenSSH's allowed signers format, reviewed like
 * CODEOWNERS), which git reads to verify signed merges
 * (`gpg.format=ssh`, `gpg.ssh.allowedSignersFile`) and `ssh-keygen -Y verify`
 * reads to verify evidence packs. Each key is limited to the two namespaces
 * it is trusted for: `git` (commits) and `EVIDENCE_NAMESPACE`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fieldPath } from '../spec/schema.ts';

/** The approver data the allowed signers are generated from. */
export const SIGNERS_FILE = 'pipelines/signers.json';
/** The generated allowed signers file, read by git and `ssh-keygen -Y verify`. */
export const ALLOWED_SIGNERS_FILE = '.github/allowed_signers';
/** The `ssh-keygen -Y sign -n` namespace of evidence pack signatures. */
export const EVIDENCE_NAMESPACE = 'release-evidence@insure';
/** The namespace git signs commits in. */
export const GIT_NAMESPACE = 'git';

const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
const TYPE = KEY_TYPES.map((t) => t.replace(/[.]/g, '\\.')).join('|');
const KEY = new RegExp(`^(${TYPE}) [A-Za-z0-9+/]+={0,2}( [^\\n"]*)?$`);
const signersSchema = z.record(
  z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'not a GitHub login'),
  z
    .array(
      z.string().regex(KEY, 'not an SSH public key line (`ssh-ed25519 AAAA… comment`, as in ~/.ssh/id_ed25519.pub)'),
    )
    .min(1),
);

/** Logins → SSH public key lines. */
export type Signers = Readonly<Record<string, readonly string[]>>;

/** Parses signers JSON text; `source` names it in errors. */
export function parseSigners(text: string, source: string): Signers {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source}: not JSON (${(error as Error).message}); write { "<login>": ["ssh-ed25519 AAAA… comment"] }`,
    );
  }
  const result = signersSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${source}: '${fieldPath(i.path)}': ${i.message}`);
    throw new Error(`${source} is not a map of GitHub logins to SSH public keys:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The signers of the repository at `root`: `{}` when it has no signers file. */
export function loadSigners(root: string): Signers {
  const file = join(root, SIGNERS_FILE);
  return existsSync(file) ? parseSigners(readFileSync(file, 'utf8'), SIGNERS_FILE) : {};
}

/** The allowed signers file: a comment header (with `marker`), then one line per key, sorted by login. */
export function allowedSigners(signers: Signers, marker: string): string {
  const lines = [
    `# ${marker}; edit ${SIGNERS_FILE} instead.`,
    '# principal namespaces key (OpenSSH allowed signers, see ssh-keygen(1)).',
  ];
  for (const login of Object.keys(signers).sort()) {
    for (const key of signers[login]!) {
      const [type, blob] = key.split(' ');
      lines.push(`${login} namespaces="${GIT_NAMESPACE},${EVIDENCE_NAMESPACE}" ${type} ${blob}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
