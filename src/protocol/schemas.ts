import { z } from 'zod';
import type { PageMessage, PanelRequest, RequestKind } from './messages';

/**
 * zod schemas for everything a page may send. The host parses each message with these before it
 * looks at it: a page is untrusted input (it renders text from files and runs in a browser), so
 * shapes are strict, strings are bounded and lists are capped.
 */

const MAX_NAME = 256;
const MAX_VALUE = 32 * 1024;
const MAX_ROWS = 1000;

const name = z.string().max(MAX_NAME);
const empty = z.object({}).strict();

const envValue = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string().max(MAX_VALUE) }).strict(),
  z.object({ kind: z.literal('secret'), secret: name }).strict(),
]);

const envRow = z.object({ name, value: envValue }).strict();

const addStageForm = z
  .object({
    name,
    provider: name,
    options: z.record(name, z.union([z.string().max(MAX_NAME), z.boolean()])).refine(o => Object.keys(o).length <= 32, 'too many options'),
    database: z.boolean(),
    requireApproval: z.boolean(),
    after: name.optional(),
    branches: z.string().max(4096),
  })
  .strict();

const origins = z.array(z.string().max(2048)).max(MAX_ROWS);

export const REQUEST_SCHEMAS: { [K in RequestKind]: z.ZodTypeAny } = {
  'addStage.validate': z.object({ form: addStageForm }).strict(),
  'addStage.create': z.object({ form: addStageForm }).strict(),
  'addStage.useQuickPick': empty,
  'environment.check': z.object({ rows: z.array(envRow).max(MAX_ROWS) }).strict(),
  'environment.save': z.object({ rows: z.array(envRow).max(MAX_ROWS) }).strict(),
  'environment.keepSecret': z.object({ name, value: z.string().min(1).max(MAX_VALUE) }).strict(),
  'environment.apply': empty,
  'origins.check': z.object({ origins }).strict(),
  'origins.save': z.object({ origins }).strict(),
  'origins.apply': empty,
  'database.connection': empty,
  'database.reveal': empty,
  'database.copy': empty,
  'database.rotate': empty,
  'database.create': empty,
  'stack.open': empty,
};

/** A page's unsaved edits ('edits' messages): the same bounds as the requests that would save them. */
export const draftSchema = z.discriminatedUnion('panel', [
  z.object({ panel: z.literal('addStage'), form: addStageForm }).strict(),
  z.object({ panel: z.literal('environment'), rows: z.array(envRow).max(MAX_ROWS) }).strict(),
  z.object({ panel: z.literal('origins'), origins, adding: z.string().max(2048) }).strict(),
]);

const REQUEST_KINDS = Object.keys(REQUEST_SCHEMAS) as [RequestKind, ...RequestKind[]];

/** The envelope; the request's params are checked against REQUEST_SCHEMAS[kind] afterwards. */
export const pageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('interactive') }).strict(),
  z.object({ type: z.literal('edits'), dirty: z.boolean(), draft: draftSchema.optional() }).strict(),
  z
    .object({
      type: z.literal('request'),
      id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      request: z.object({ kind: z.enum(REQUEST_KINDS), params: z.unknown() }).strict(),
    })
    .strict(),
]);

export type ParsedPageMessage = { ok: true; message: PageMessage } | { ok: false; id: number | null; problem: string };

/** Parses one message from a page: the envelope, then the params of its request kind. */
export function parsePageMessage(raw: unknown): ParsedPageMessage {
  const envelope = pageMessageSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, id: requestIdOf(raw), problem: describe(envelope.error) };
  const message = envelope.data;
  if (message.type !== 'request') return { ok: true, message };
  const params = REQUEST_SCHEMAS[message.request.kind].safeParse(message.request.params);
  if (!params.success) return { ok: false, id: message.id, problem: `${message.request.kind}: ${describe(params.error)}` };
  return { ok: true, message: { type: 'request', id: message.id, request: { kind: message.request.kind, params: params.data } as PanelRequest } };
}

/** The id of something that looks like a request, so that even a malformed one gets its error reply. */
function requestIdOf(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

function describe(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'malformed message';
  const at = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return `malformed message (${at}${first.message})`;
}
