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

export const serviceSchema = z
  .object({
    dockerfile: z.string().min(1).default('Dockerfile'),
    port: z.number().int().min(1).max(65535).default(8080),
    healthCheck: z.string().startsWith('/', { message: 'must be a path starting with "/"' }).default('/health'),
    build: z.string().min(1).optional(),
    start: z.string().min(1).optional(),
    migrate: z.string().min(1).optional(),
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
  })
  .strict();

export const stackFileSchema = z
  .object({
    stack: z.string(),
    branchModel: z.enum(BRANCH_MODELS).default('gitflow'),
    service: serviceSchema.default({}),
    stages: z.array(stageSchema).default([]),
  })
  .strict();

export type StackFileInput = z.input<typeof stackFileSchema>;
export type StackFileParsed = z.output<typeof stackFileSchema>;
export type StageParsed = z.output<typeof stageSchema>;

/** The keys each object accepts, for "did you mean" suggestions. */
export const KNOWN_KEYS = {
  top: Object.keys(stackFileSchema.shape),
  service: Object.keys(serviceSchema.shape),
  stage: Object.keys(stageSchema.shape),
  secretRef: Object.keys(secretRefSchema.shape),
} as const;
