import { registerProvider } from '../core/providers';

/** Makes the local provider available; its modules load on first use. */
export function registerLocalProvider(): void {
  registerProvider('local', async () => new (await import('./provider.js')).LocalProvider());
}
