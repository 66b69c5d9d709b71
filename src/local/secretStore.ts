import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StagecraftError } from '../core/errors';
import { makeFolder, stateDirError } from '../core/workspace';

/**
 * Where the local provider keeps secret text (stage secrets, database passwords): the OS credential
 * store (macOS Keychain, Windows Credential Manager, the Secret Service on Linux) through
 * `@napi-rs/keyring`, loaded on first use; when none is reachable (headless Linux, CI, containers)
 * a file readable by its owner only (0600, in a 0700 folder) in Stagecraft's state folder, with one
 * notice. Never in the repository. Each secret is named by its fallback file's path, which is also
 * its account name in the credential store, so the two places never disagree on what is what.
 *
 * `STAGECRAFT_KEYRING=off` skips the credential store (tests, or a machine whose store prompts).
 */
export const KEYRING_SERVICE = 'stagecraft';
export const KEYRING_VARIABLE = 'STAGECRAFT_KEYRING';

/** The part of a credential store Stagecraft uses; the real one wraps @napi-rs/keyring. */
export interface Keyring {
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<void>;
}

export interface SecretStoreOptions {
  /** Overrides the OS credential store (undefined: none). Default: @napi-rs/keyring unless STAGECRAFT_KEYRING=off. */
  keyring?: () => Promise<Keyring | undefined>;
  /** Where the one fallback notice goes; default a process warning (the CLI prints it on stderr). */
  notice?: (message: string) => void;
}

export class SecretStore {
  private keyring: Promise<Keyring | undefined> | undefined;
  private noticed = false;

  constructor(private readonly opts: SecretStoreOptions = {}) {}

  async read(file: string): Promise<string | undefined> {
    const ring = await this.usableKeyring(file);
    if (ring) {
      try {
        const value = await ring.get(file);
        if (value !== undefined) return value;
      } catch (err) {
        this.fellBack(file, err);
      }
    }
    try {
      return await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StagecraftError(`Cannot read the secret file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Stored in the credential store when it takes it (and any older file copy removed), else in the 0600 file. */
  async write(file: string, value: string): Promise<void> {
    const ring = await this.usableKeyring(file);
    if (ring) {
      try {
        await ring.set(file, value);
        await fs.rm(file, { force: true });
        return;
      } catch (err) {
        this.fellBack(file, err);
      }
    }
    await writePrivateFile(file, value);
  }

  async delete(file: string): Promise<void> {
    const ring = await this.usableKeyring(file);
    if (ring) await ring.delete(file).catch(err => this.fellBack(file, err));
    await fs.rm(file, { force: true });
  }

  /**
   * A state folder is about to move: copies the credential-store entries of `pairs` (account under the
   * old folder → account under the new one; accounts are file paths there). Files travel with the
   * folder itself. Returns the new accounts written, so a failed move can forget them again.
   */
  async copyEntries(pairs: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
    if (pairs.length === 0) return [];
    const ring = await this.usableKeyring(pairs[0][0]);
    if (!ring) return [];
    const written: string[] = [];
    for (const [from, to] of pairs) {
      const value = await ring.get(from);
      if (value === undefined) continue;
      await ring.set(to, value);
      written.push(to);
    }
    return written;
  }

  /** Deletes credential-store entries only (files under those paths, if any, are left alone). */
  async forgetEntries(accounts: readonly string[]): Promise<void> {
    if (accounts.length === 0) return;
    const ring = await this.usableKeyring(accounts[0]);
    if (!ring) return;
    for (const account of accounts) await ring.delete(account).catch(() => undefined);
  }

  async has(file: string): Promise<boolean> {
    return (await this.read(file)) !== undefined;
  }

  private usableKeyring(file: string): Promise<Keyring | undefined> {
    this.keyring ??= (this.opts.keyring ?? osKeyring)().catch(err => {
      this.fellBack(file, err);
      return undefined;
    });
    return this.keyring;
  }

  /** The store refused or is absent: from now on this process uses the files, and says so once. */
  private fellBack(file: string, err: unknown): void {
    this.keyring = Promise.resolve(undefined);
    if (this.noticed) return;
    this.noticed = true;
    const message = `The OS credential store is not available (${(err as Error)?.message ?? String(err)}); Stagecraft keeps secrets in ${path.dirname(file)} (files readable only by you, outside the repository).`;
    (this.opts.notice ?? (m => process.emitWarning(m, { type: 'Stagecraft' })))(message);
  }
}

/** @napi-rs/keyring, loaded only when a secret is first needed (activation stays cheap). */
async function osKeyring(): Promise<Keyring | undefined> {
  if (process.env[KEYRING_VARIABLE] === 'off') return undefined;
  const { AsyncEntry } = await import('@napi-rs/keyring');
  const entry = (account: string) => new AsyncEntry(KEYRING_SERVICE, account);
  const ring: Keyring = {
    get: async account => (await entry(account).getPassword()) ?? undefined,
    set: async (account, value) => {
      await entry(account).setPassword(value);
    },
    delete: async account => {
      await entry(account).deleteCredential();
    },
  };
  // One probe read: a store that refuses (no Secret Service, locked, access denied) fails here.
  await ring.get('probe');
  return ring;
}

/** 0600 file in a 0700 folder, written atomically (temp file + rename): never half a secret. */
export async function writePrivateFile(file: string, value: string): Promise<void> {
  const dir = path.dirname(file);
  try {
    // Only the secrets folder is private; a recursive mkdir would make every new parent 0700 too.
    await makeFolder(path.dirname(dir), 0o777);
    await fs.mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    throw stateDirError(dir, err);
  }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(tmp, value, { mode: 0o600 });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw stateDirError(dir, err);
  }
}

/** One store per process, so the fallback notice is given once. */
export const secretStore = new SecretStore();
