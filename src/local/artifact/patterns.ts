/**
 * Path patterns as Docker reads them in .dockerignore and COPY sources: `*` and `?` stay within
 * one path segment, `[a-z]` classes, `\` escapes, and `**` spans any number of folders.
 * Paths are relative to the build context, with forward slashes.
 */
export function compilePattern(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegex(pattern[++i]);
    } else {
      re += escapeRegex(c);
    }
  }
  return new RegExp(re + '$');
}

export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function escapeRegex(c: string): string {
  return /[.*?+^${}()|[\]\\/-]/.test(c) ? '\\' + c : c;
}

/** Docker's cleaning of a pattern or path: no leading "/" or "./", no trailing "/", "." and ".." folded. */
export function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else parts.push('..');
    } else {
      parts.push(seg);
    }
  }
  return parts.join('/');
}
