import { z } from 'zod';

/** What a notification can be sent for; the names users write in `events:`. */
export const NOTIFICATION_EVENTS = ['run-started', 'run-succeeded', 'run-failed', 'approval-needed', 'rolled-back'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_FORMATS = ['slack', 'teams', 'generic'] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One entry of the top-level `notifications:` list. The webhook's URL is a stage secret (it
 * carries its own credential: anyone holding a Slack webhook URL can post to the channel), so
 * the file names the secret, never the URL.
 */
export const notificationSchema = z
  .object({
    webhook: z
      .object({
        secret: z.string().regex(SECRET_NAME, { message: 'expected the name of a stage secret (letters, digits and underscores), e.g. SLACK_WEBHOOK' }),
      })
      .strict(),
    format: z.enum(NOTIFICATION_FORMATS).default('generic'),
    /** All five when absent. */
    events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1, { message: 'lists no event: leave `events:` out for all of them' }).optional(),
    /** Only runs through (and approvals and rollbacks of) these stages; every stage when absent. */
    stages: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type NotificationParsed = z.output<typeof notificationSchema>;

export const NOTIFICATION_KEYS = Object.keys(notificationSchema.shape);
