import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The panels' own small stack (kept here so that changes to shared fixtures do not move these tests). */
export const STACK_TEXT = `# A shop API released dev → test → prod.
stack: shop-api

service:
  dockerfile: Dockerfile
  port: 3000   # EXPOSE in the Dockerfile

# Promotion order: the same artifact moves dev → test → prod.
stages:
  - name: dev
    provider: local   # runs on this machine
    env:
      LOG_LEVEL: debug

  - name: test
    provider: local
    database: postgres   # a PostgreSQL database of its own
    env:
      DATABASE_POOL: 5

  # Production: a person approves each promotion.
  - name: prod
    provider: local
    requireApproval: true
    origins:
      - https://shop.example.com
`;

export const DOCKERFILE_TEXT = `FROM node:20-slim
ENV NODE_ENV=production LOG_LEVEL=info
EXPOSE 3000
`;

/** Writes the stack and its Dockerfile into `dir`; returns the stack file's path. */
export function writeStack(dir: string): string {
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE_TEXT);
  const file = join(dir, 'stagecraft.yaml');
  writeFileSync(file, STACK_TEXT);
  return file;
}
