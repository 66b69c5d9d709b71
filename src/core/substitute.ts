/**
 * Docker's variable substitution in WORKDIR, COPY, ADD, ENV, EXPOSE, FROM and ARG:
 * `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}`, and `\$` for a literal dollar.
 * RUN, CMD and ENTRYPOINT are left alone: their shell expands them from the environment.
 */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, op, word, bare) => {
    if (whole === '\\$') return '$';
    const name = braced ?? bare;
    const value = vars.get(name);
    if (op === ':-') return value === undefined || value === '' ? word : value;
    if (op === ':+') return value === undefined || value === '' ? '' : word;
    return value ?? '';
  });
}
