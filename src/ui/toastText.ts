/**
 * What an error notification shows: the message's first line and the hint, on one line. A
 * notification puts every line of a table on one line, so what follows the first line (the
 * branch table of "deploys to no stage") is left to the output, which the toast's "Show Output"
 * opens. `more` says whether something was left out.
 */
export function errorToastText(message: string, hint?: string): { text: string; more: boolean } {
  const lines = message.split('\n');
  const first = lines[0].trim();
  const more = lines.slice(1).some(l => l.trim() !== '');
  return { text: hint ? `${first} ${hint}` : first, more };
}
