// Loaded by mocha before any test file (see .mocharc.json).
// Tests never reach AWS: no real credentials, a region that is only used for signing,
// and the SDK's Node 20 support warning silenced so test output stays readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_ACCESS_KEY_ID ??= "test-access-key";
process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret-key";
process.env.AWS_REGION ??= "us-east-1";
delete process.env.AWS_PROFILE;
