import { awsModule } from '../../../src/aws/module';
import { Providers } from '../../../src/core/providers';
import { localModule } from '../../../src/local/module';

/** The providers the `stagecraft` binary and the extension compose: local (the default) and aws. */
export function builtinProviders(): Providers {
  return new Providers([localModule, awsModule]);
}

/** The schema of stagecraft.yaml with the built-in providers' stage keys. */
export function builtinSchema() {
  return builtinProviders().stackSchema();
}
