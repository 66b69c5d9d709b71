import type { ApprovalEvidence } from '../../core/approval';
import { sbomNews } from '../../core/approval';
import { contentSecurityPolicy, escapeHtml } from '../../protocol/shell';

export interface ReviewPage {
  evidence: ApprovalEvidence;
  digest: string;
  scriptUri: string;
  styleUri: string;
  cspSource: string;
  nonce: string;
  /** Which button has the focus at first: the one of the command the reviewer chose. */
  focus: 'approve' | 'reject';
}

const KIND_WORDS: Record<string, string> = { add: 'add', modify: 'modify', replace: 'REPLACE', 'may-replace': 'may replace', remove: 'REMOVE' };
const STATUS_WORDS: Record<string, string> = { succeeded: 'passed', warning: 'warning', failed: 'failed', skipped: 'skipped' };

/**
 * The review panel's page: every fact is rendered here as escaped text (the page's script only
 * sends the decision), under the panels' CSP (scripts by nonce, styles from the extension's files).
 */
export function reviewHtml(page: ReviewPage): string {
  const e = page.evidence;
  const t = escapeHtml;
  const short = (c: string) => t(c.slice(0, 8));
  const section = (id: string, title: string, body: string) => `<section aria-labelledby="${id}-title"><h2 id="${id}-title">${title}</h2>${body}</section>`;
  const list = (items: string[], empty: string) => (items.length ? `<ul>${items.map(i => `<li>${i}</li>`).join('')}</ul>` : `<p class="muted">${empty}</p>`);

  const commits = section(
    'commits',
    `Commits (${e.commits.list.length}${e.commits.truncated ? '+' : ''})`,
    (e.commits.note ? `<p class="muted">${t(e.commits.note)}</p>` : '') +
      list(
        e.commits.list.map(c => `<code>${short(c.hash)}</code> ${t(c.subject)} <span class="muted">— ${t(c.author)}, ${t(c.date.slice(0, 10))}</span>`),
        `None: ${t(e.stage)} already runs this code.`,
      ) +
      (e.commits.behind > 0 ? `<p class="warning">${t(e.stage)} runs ${e.commits.behind} commit(s) this version does not contain.</p>` : ''),
  );
  const config = section(
    'config',
    e.config.from ? `Configuration ${t(e.config.from)} → ${t(e.stage)}` : 'Configuration',
    e.config.from ? list(e.config.changes.map(t), `stagecraft.yaml configures ${t(e.config.from)} and ${t(e.stage)} the same way.`) : `<p class="muted">${t(e.stage)} is the first stage: nothing to compare with.</p>`,
  );
  const changeSet = e.changeSet
    ? section(
        'changes',
        'Change set',
        `<p${e.changeSet.unavailable ? ' class="muted"' : ''}>${t(e.changeSet.summary)}</p>` +
          (e.changeSet.unavailable ? '' : list(
            e.changeSet.changes.map(c => {
              const risky = c.kind === 'replace' || c.kind === 'may-replace' || c.kind === 'remove';
              return `<span class="kind${risky ? ' risky' : ''}">${t(KIND_WORDS[c.kind] ?? c.kind)}</span> ${t(c.resource)} <span class="muted">(${t(c.type)})${c.scope.length ? `: ${t(c.scope.join(', '))}` : ''}</span>`;
            }),
            'No resource changes.',
          )),
      )
    : '';
  const checks = section(
    'checks',
    'Checks of this run',
    list(
      e.checks.map(c => `<span class="status ${t(c.status)}">${t(STATUS_WORDS[c.status] ?? c.status)}</span> ${t(c.label)}${c.summary ? `: <span class="muted">${t(c.summary)}</span>` : ''}`),
      'No checks recorded.',
    ) + (e.sbom ? `<p>SBOM: ${e.sbom.components} components${t(sbomNews(e.sbom))}</p>` : ''),
  );
  const approvals = section(
    'approvals',
    'Approved before',
    list(
      e.approvals.map(a => `${t(a.stage)}: ${t(a.decision)}${a.by ? ` by ${t(a.by)}` : ''}${a.comment ? ` — “${t(a.comment)}”` : ''}${a.at ? ` <span class="muted">${t(a.at)}</span>` : ''}`),
      'No earlier stage needed an approval.',
    ),
  );
  const running = e.running.commit ? `${t(e.stage)} runs <code>${short(e.running.commit)}</code> now` : `${t(e.stage)} has not run any version yet`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${t(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${t(page.styleUri)}">
<title>Review promotion</title>
</head>
<body data-panel="review" data-focus="${t(page.focus)}">
<main id="evidence">
<header>
<h1>Promote <code>${short(e.candidate.commit)}</code> to ${t(e.stage)}</h1>
<p class="muted">${t(e.stack)} · run ${t(e.runId)}${e.candidate.branch ? ` · ${t(e.candidate.branch)}` : ''} · ${running}</p>
</header>
${commits}
${config}
${changeSet}
${checks}
${approvals}
<section aria-labelledby="decide-title" id="decide">
<h2 id="decide-title">Decision</h2>
<label for="comment">Comment (optional), recorded with your name</label>
<textarea id="comment" rows="3"></textarea>
<div class="buttons">
<button id="approve" type="button">Approve</button>
<button id="reject" type="button" class="secondary">Reject</button>
</div>
<p id="status" role="status" aria-live="polite"></p>
<p class="muted digest">Evidence digest <code id="digest">${t(page.digest)}</code>, recorded with the decision.</p>
</section>
</main>
<script nonce="${t(page.nonce)}" src="${t(page.scriptUri)}"></script>
</body>
</html>
`;
}
