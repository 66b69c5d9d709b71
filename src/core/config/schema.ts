import { z } from 'zod';

/** The schema of `stagecraft.yaml`. Objects are strict so that a misspelt key is an error, not a silent default. */

export const PROVIDERS = ['local', 'aws'] as const;
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

export const stageSchema = z
  .object({
    name: z.string(),
    provider: z.enum(PROVIDERS).default('local'),
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    database: z.enum(['postgres', 'none']).default('none'),
    requireApproval: z.boolean().default(false),
    loadBalancer: z.boolean().default(false),
    env: z.record(z.string(), envValueSchema).default({}),
    origins: z.array(z.string()).default([]),
    branches: z.array(z.string().min(1)).optional(),
    protected: z.boolean().optional(),
    /** How long the approval gate waits before the run fails; 7 days when absent (as CodePipeline). */
    approvalTimeout: z.string().regex(DURATION_PATTERN, { message: 'expected a duration such as "7d", "12h" or "30m"' }).optional(),
  })
  .strict();

/** How long a personal stage lives after its last deploy: "7d", "36h" (days, hours or minutes). */
export const TTL_PATTERN = /^[1-9]\d*(m|h|d)$/;

/**
 * The template of the developers' own stages (feature/* → a stage named after the git user).
 * Absent fields come from the `dev` stage, without its secret references.
 */
export const personalSchema = z
  .object({
    /** false: feature branches deploy nowhere (no personal stages). */
    enabled: z.boolean().default(true),
    provider: z.enum(PROVIDERS).optional(),
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    database: z.enum(['postgres', 'none']).optional(),
    env: z.record(z.string(), envValueSchema).optional(),
    origins: z.array(z.string()).optional(),
    /** Destroyed this long after its last deploy unless extended; 7 days when absent. */
    ttl: z.string().regex(TTL_PATTERN, { message: 'expected a time to live such as "7d", "36h" or "90m"' }).optional(),
  })
  .strict();

export const stackFileSchema = z
  .object({
    stack: z.string(),
    branchModel: z.enum(BRANCH_MODELS).default('gitflow'),
    service: serviceSchema.default({}),
    stages: z.array(stageSchema).default([]),
    personal: personalSchema.optional(),
  })
  .strict();

export type StackFileInput = z.input<typeof stackFileSchema>;
export type StackFileParsed = z.output<typeof stackFileSchema>;
export type StageParsed = z.output<typeof stageSchema>;
export type CheckParsed = z.output<typeof checkSchema>;
export type PersonalParsed = z.output<typeof personalSchema>;

/** The keys each object accepts, for "did you mean" suggestions. */
export const KNOWN_KEYS = {
  top: Object.keys(stackFileSchema.shape),
  service: Object.keys(serviceSchema.shape),
  stage: Object.keys(stageSchema.shape),
  secretRef: Object.keys(secretRefSchema.shape),
  check: Object.keys(checkSchema.shape),
  personal: Object.keys(personalSchema.shape),
} as const;
