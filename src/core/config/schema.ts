import { z, type ZodRawShape } from 'zod';
import { notificationSchema } from '../notifications/schema';

/**
 * The schema of `stagecraft.yaml`. Objects are strict so that a misspelt key is an error, not a
 * silent default. The stage's `provider` and the keys only one provider reads come from the
 * registered provider modules (stackSchemaFor); the rest is here.
 */

export const BRANCH_MODELS = ['gitflow', 'trunk'] as const;

/** A value kept out of the file: the provider stores it as a stage secret. */
export const secretRefSchema = z.object({ secret: z.string().min(1) }).strict();

export const envValueSchema = z.union([
  z.string(),
  z.number().transform(String),
  z.boolean().transform(String),
  secretRefSchema,
]);

/** How long an approval waits, e.g. "7d", "12h", "30m" ("ms" and "s" too, for tests). */
export const DURATION_PATTERN = /^[1-9]\d*(ms|s|m|h|d)$/;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** A synthetic check: one HTTP request against a freshly deployed stage. */
export const checkSchema = z
  .object({
    path: z.string().startsWith('/', { message: 'must be a path starting with "/"' }),
    method: z.enum(HTTP_METHODS).default('GET'),
    expectStatus: z.number().int().min(100).max(599).default(200),
    contains: z.string().min(1).optional(),
  })
  .strict();

export const serviceSchema = z
  .object({
    dockerfile: z.string().min(1).default('Dockerfile'),
    port: z.number().int().min(1).max(65535).default(8080),
    healthCheck: z.string().startsWith('/', { message: 'must be a path starting with "/"' }).default('/health'),
    build: z.string().min(1).optional(),
    start: z.string().min(1).optional(),
    migrate: z.string().min(1).optional(),
    /** Synthetic checks after each deploy; when absent, a GET of `healthCheck` expecting 200. */
    checks: z.array(checkSchema).optional(),
  })
  .strict();

/** The stage keys every provider shares. */
export const stageSchema = z
  .object({
    name: z.string(),
    provider: z.string(),
    database: z.enum(['postgres', 'none']).default('none'),
    requireApproval: z.boolean().default(false),
    env: z.record(z.string(), envValueSchema).default({}),
    origins: z.array(z.string()).default([]),
    branches: z.array(z.string().min(1)).optional(),
    protected: z.boolean().optional(),
    /** How long the approval gate waits before the run fails; 7 days when absent (as CodePipeline). */
    approvalTimeout: z.string().regex(DURATION_PATTERN, { message: 'expected a duration such as "7d", "12h" or "30m"' }).optional(),
  });

/** How long a personal stage lives after its last deploy: "7d", "36h" (days, hours or minutes). */
export const TTL_PATTERN = /^[1-9]\d*(m|h|d)$/;

/**
 * The template of the developers' own stages (feature/* → a stage named after the git user).
 * Absent fields come from the `dev` stage, without its secret references. `provider` and the
 * providers' own keys come from the registered modules, as on a stage (personalSchemaOf).
 */
export const personalSchema = z.object({
  /** false: feature branches deploy nowhere (no personal stages). */
  enabled: z.boolean().default(true),
  provider: z.string().optional(),
  database: z.enum(['postgres', 'none']).optional(),
  env: z.record(z.string(), envValueSchema).optional(),
  origins: z.array(z.string()).optional(),
  /** Destroyed this long after its last deploy unless extended; 7 days when absent. */
  ttl: z.string().regex(TTL_PATTERN, { message: 'expected a time to live such as "7d", "36h" or "90m"' }).optional(),
});

function stackFileSchemaOf(stage: z.ZodTypeAny, personal: z.ZodTypeAny) {
  return z
    .object({
      stack: z.string(),
      branchModel: z.enum(BRANCH_MODELS).default('gitflow'),
      service: serviceSchema.default({}),
      stages: z.array(stage).default([]),
      personal: personal.optional(),
      /** Webhooks told of runs, approvals and rollbacks (core/notifications). */
      notifications: z.array(notificationSchema).optional(),
    })
    .strict();
}

const baseStackFileSchema = stackFileSchemaOf(stageSchema.strict(), personalSchema.strict());

export type StackFileInput = z.input<typeof baseStackFileSchema>;
/** The shared stage keys; the registered providers' own keys ride along (see StageOptions in model.ts). */
export type StageParsed = z.output<typeof stageSchema>;
export type StackFileParsed = Omit<z.output<typeof baseStackFileSchema>, 'stages' | 'personal'> & { stages: StageParsed[]; personal?: PersonalParsed };
export type CheckParsed = z.output<typeof checkSchema>;
/** The personal block; the registered providers' own keys ride along, as on a stage. */
export type PersonalParsed = z.output<typeof personalSchema> & Record<string, unknown>;

/** What a provider module contributes to the schema (see ProviderModule). */
export interface StageOptionsOf {
  name: string;
  /** How messages name the provider ("AWS"); its name when absent. */
  label?: string;
  stageOptions: ZodRawShape;
  stageNameProblem?(stack: string, stage: string): string | undefined;
}

/** The schema of `stagecraft.yaml` for one set of providers, with the keys each object accepts. */
export interface StackSchema {
  schema: z.ZodType<StackFileParsed, z.ZodTypeDef, unknown>;
  /** The provider names `provider:` accepts; the first is the default. */
  providers: string[];
  /** Which provider reads each provider-specific stage key (the first that declares it). */
  optionOwners: Map<string, string>;
  /** How messages name each provider ("AWS"). */
  labels: Map<string, string>;
  /** Keys more than one provider reads. */
  sharedOptions: Set<string>;
  /** The value a provider-specific key has when the file does not write it. */
  optionDefaults: Map<string, unknown>;
  /** The provider's own rule for `<stack>-<stage>` (a length limit), or undefined. */
  stageNameProblem(provider: string, stack: string, stage: string): string | undefined;
  knownKeys: { top: string[]; service: string[]; stage: string[]; secretRef: string[]; check: string[]; personal: string[] };
}

/**
 * Composes the stage schema from the providers' own stage keys, so that `provider:` accepts
 * exactly the registered names (the first is the default) and a misspelt key still errors.
 * Without providers (a caller that does not validate provider keys) any provider name and
 * extra stage keys pass through unvalidated.
 */
export function stackSchemaFor(modules: readonly StageOptionsOf[] | undefined): StackSchema {
  const optionOwners = new Map<string, string>();
  const sharedOptions = new Set<string>();
  const optionDefaults = new Map<string, unknown>();
  const options: ZodRawShape = {};
  for (const m of modules ?? []) {
    for (const [key, schema] of Object.entries(m.stageOptions)) {
      // Two providers may read the same key (a region); the first one registered defines it.
      if (key in options) sharedOptions.add(key);
      else {
        options[key] = schema;
        optionOwners.set(key, m.name);
        const empty = schema.safeParse(undefined);
        optionDefaults.set(key, empty.success ? empty.data : undefined);
      }
    }
  }
  const names = (modules ?? []).map(m => m.name);
  let stage: z.ZodTypeAny;
  let personal: z.ZodTypeAny;
  if (!modules) {
    stage = stageSchema.extend({ provider: z.string().default('') }).passthrough();
    personal = personalSchema.passthrough();
  } else {
    const provider = names.length > 0 ? z.enum(names as [string, ...string[]]) : z.string();
    stage = stageSchema.extend({ provider: provider.default(names[0] ?? ''), ...options }).strict();
    // Every provider key is optional in the template: what it leaves out comes from dev.
    const optional = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, (v as z.ZodTypeAny).optional()]));
    personal = personalSchema.extend({ provider: provider.optional(), ...optional }).strict();
  }
  const schema = stackFileSchemaOf(stage, personal) as unknown as StackSchema['schema'];
  return {
    schema,
    providers: names,
    optionOwners,
    labels: new Map((modules ?? []).map(m => [m.name, m.label ?? m.name])),
    sharedOptions,
    optionDefaults,
    stageNameProblem: (provider, stack, stageName) => modules?.find(m => m.name === provider)?.stageNameProblem?.(stack, stageName),
    knownKeys: {
      top: Object.keys(baseStackFileSchema.shape),
      service: Object.keys(serviceSchema.shape),
      stage: [...Object.keys(stageSchema.shape), ...Object.keys(options)],
      secretRef: Object.keys(secretRefSchema.shape),
      check: Object.keys(checkSchema.shape),
      personal: [...Object.keys(personalSchema.shape), ...Object.keys(options)],
    },
  };
}
