import type { NotificationEvent, NotificationFormat } from './schema';

/** The facts of one notification, whatever the format. */
export interface NotificationFacts {
  event: NotificationEvent;
  stack: string;
  /** The stage it is about (the approval's, the rollback's, the run's last); absent for a run with no stages. */
  stage?: string;
  commit: string;
  run: string;
  /** The stage's URL when known. */
  url?: string;
  /** One line for a person: "Commit 1a2b3c4d waits for approval to go to prod". */
  message: string;
}

const TITLES: Record<NotificationEvent, string> = {
  'run-started': 'Run started',
  'run-succeeded': 'Run succeeded',
  'run-failed': 'Run failed',
  'approval-needed': 'Approval needed',
  'rolled-back': 'Rolled back',
};

/** Teams' MessageCard colour per event: blue, green, red, amber, amber. */
const COLOURS: Record<NotificationEvent, string> = {
  'run-started': '0078D7',
  'run-succeeded': '2EB886',
  'run-failed': 'D40E0D',
  'approval-needed': 'F2C744',
  'rolled-back': 'F2C744',
};

/** The JSON body a webhook of `format` expects. */
export function notificationBody(format: NotificationFormat, facts: NotificationFacts): unknown {
  switch (format) {
    case 'slack':
      return slackBody(facts);
    case 'teams':
      return teamsBody(facts);
    case 'generic':
      return genericBody(facts);
  }
}

/** Slack incoming webhooks (and Mattermost, Rocket.Chat, Discord's /slack endpoint): `text` is the fallback, `blocks` the layout. */
function slackBody(f: NotificationFacts): unknown {
  const context = [`stack *${f.stack}*`, f.stage ? `stage *${f.stage}*` : '', `commit \`${f.commit.slice(0, 8)}\``, `run ${f.run}`].filter(Boolean).join(' · ');
  return {
    text: `${TITLES[f.event]}: ${f.message}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${TITLES[f.event]}*: ${slackEscape(f.message)}${f.url ? `\n<${f.url}|${slackEscape(f.url)}>` : ''}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context }] },
    ],
  };
}

/** Teams incoming webhooks accept the MessageCard format (Workflows too, through their "post a card" template). */
function teamsBody(f: NotificationFacts): unknown {
  const facts = [
    { name: 'Stack', value: f.stack },
    ...(f.stage ? [{ name: 'Stage', value: f.stage }] : []),
    { name: 'Commit', value: f.commit.slice(0, 8) },
    { name: 'Run', value: f.run },
    ...(f.url ? [{ name: 'URL', value: f.url }] : []),
  ];
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: `${TITLES[f.event]}: ${f.message}`,
    themeColor: COLOURS[f.event],
    title: `Stagecraft: ${TITLES[f.event]}`,
    text: f.message,
    sections: [{ facts }],
  };
}

function genericBody(f: NotificationFacts): unknown {
  return { event: f.event, stack: f.stack, stage: f.stage ?? null, commit: f.commit, run: f.run, ...(f.url ? { url: f.url } : {}), message: f.message };
}

/** Slack's mrkdwn treats &, < and > as markup. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
