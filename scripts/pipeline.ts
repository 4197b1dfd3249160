/**
 * The pipeline's helpers (see automation/pipeline.ts):
 *   node -r ts-node/register/transpile-only scripts/pipeline.ts preview-matrix
 *     prints `matrix=<JSON>` for $GITHUB_OUTPUT: every stage with its preview role secret;
 *   node -r ts-node/register/transpile-only scripts/pipeline.ts require-reviewers <environment>
 *     exits 1 unless the environment has required reviewers (GITHUB_API_URL, GITHUB_REPOSITORY,
 *     GITHUB_TOKEN as GitHub Actions sets them).
 */
import { checkRequiredReviewers, previewMatrix } from "../automation/pipeline";

async function main(argv: string[]): Promise<number> {
  const [command, environment] = argv;
  if (command === "preview-matrix" && argv.length === 1) {
    process.stdout.write(`matrix=${JSON.stringify(previewMatrix(process.env.WEBHEALTH_STAGE_DIR || undefined))}\n`);
    return 0;
  }
  if (command === "require-reviewers" && environment && argv.length === 2) {
    const repository = process.env.GITHUB_REPOSITORY;
    if (!repository) {
      process.stderr.write("error: GITHUB_REPOSITORY is not set (owner/name)\n");
      return 2;
    }
    const result = await checkRequiredReviewers({ apiUrl: process.env.GITHUB_API_URL || "https://api.github.com", repository, environment, token: process.env.GITHUB_TOKEN });
    if (!result.ok) process.stderr.write(`error: ${result.lines.join("\n")}\n`);
    else for (const line of result.lines) (line.startsWith("warning:") ? process.stderr : process.stdout).write(`${line}\n`);
    return result.ok ? 0 : 1;
  }
  process.stderr.write("usage: scripts/pipeline.ts preview-matrix | require-reviewers <environment>\n");
  return 2;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
