// Loaded by .mocharc.json for test files run directly with `npx mocha` (test/run-tests.mjs sets the
// same itself): tests never let the AWS SDK probe the instance metadata address beyond this machine.
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
