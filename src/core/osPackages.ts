/**
 * OS package installs inside a RUN (`apt-get update && apt-get install -y curl`, `apk add`, `yum`,
 * `dnf`, `microdnf`). Process mode never runs them: they would change the host, as root. A RUN is
 * split at `&&` and `;`; the package-manager parts (and their clean-ups) are taken out and the rest,
 * if any, still runs.
 */
export interface OsPackageInstall {
  manager: string;
  packages: string[];
}

export interface OsPackageSplit {
  installs: OsPackageInstall[];
  /** The command without its OS package parts; '' when nothing is left to run. */
  rest: string;
  /** The shell around the install was too involved to split (if/for/||): the whole RUN is left out. */
  whole: boolean;
}

const MANAGER = /^(?:sudo\s+)?(?:(?:DEBIAN_FRONTEND|TZ)=\S+\s+)*(apt-get|apt|apk|yum|dnf|microdnf|zypper)\s+(.*)$/s;
/** Clean-ups that only make sense after a package install. */
const CLEANUP = /^(?:rm\s+-[rf]+\s+(?:\/var\/lib\/apt\/lists|\/var\/cache\/(?:apk|yum|dnf|apt))\S*(?:\s+\S+)*|(?:apt-get|apt|yum|dnf)\s+(?:clean|autoclean|autoremove)\b.*|apk\s+cache\s+clean.*)$/s;
const INSTALL_VERBS = new Set(['install', 'add', 'reinstall']);

/** Undefined when the command has no OS package part. Shell constructs other than && and ; are left whole. */
export function splitOsPackages(command: string): OsPackageSplit | undefined {
  const parts = command.split(/\s*(?:&&|;)\s*/).map(p => p.trim()).filter(Boolean);
  const installs: OsPackageInstall[] = [];
  const kept: string[] = [];
  let found = false;
  for (const part of parts) {
    const m = MANAGER.exec(part);
    if (m) {
      found = true;
      const words = m[2].split(/\s+/).filter(Boolean);
      const verb = words.find(w => !w.startsWith('-'));
      if (verb && INSTALL_VERBS.has(verb)) {
        const names = words.slice(words.indexOf(verb) + 1).filter(w => !w.startsWith('-') && !/^[<>|&]/.test(w));
        if (names.length) installs.push({ manager: m[1], packages: names.map(n => n.replace(/[=<>].*$/, '')) });
      }
      continue;
    }
    if (found && CLEANUP.test(part)) continue;
    kept.push(part);
  }
  if (!found) return undefined;
  const whole = kept.some(p => /(^|\s)(if|then|fi|for|do|done|case|esac|while)(\s|$)|\|\||[(){}]/.test(p));
  return { installs, rest: whole ? '' : kept.join(' && '), whole };
}
