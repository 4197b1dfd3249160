// Loaded by mocha before any test file (see .mocharc.json).
// Tests never reach AWS: no real credentials, and a region that is only used for signing.
process.env.AWS_ACCESS_KEY_ID ??= "test-access-key";
process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret-key";
process.env.AWS_REGION ??= "us-east-1";
delete process.env.AWS_PROFILE;
