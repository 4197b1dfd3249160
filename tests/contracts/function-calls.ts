/**
 * The AWS SDK commands each function's code sends, read from the code itself: every project
 * source file esbuild puts in the function's bundle (scripts/bundle.ts), parsed with the
 * TypeScript compiler, for `new <X>Command(...)` of a class imported from `@aws-sdk/client-*` or
 * `@aws-sdk/lib-dynamodb`. A call added to a function shows up here without anyone listing it,
 * and the IAM simulation then requires a grant for it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { bundleFunction } from "../../scripts/bundle";
import { PROJECT_ROOT } from "../../infra/stack-files";

export interface SdkCall {
  /** The SDK package, e.g. `@aws-sdk/client-cloudwatch`. */
  client: string;
  /** The command class, e.g. `PutMetricDataCommand`. */
  command: string;
  /** The IAM action the call needs, e.g. `cloudwatch:PutMetricData`. */
  action: string;
  /** Repository-relative source file of the call. */
  file: string;
}

/** The IAM service prefix of each SDK client package used (a new client must be added here). */
const CLIENT_SERVICES: Record<string, string> = {
  "@aws-sdk/client-cloudwatch": "cloudwatch",
  "@aws-sdk/client-cloudwatch-logs": "logs",
  "@aws-sdk/client-codedeploy": "codedeploy",
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/client-eventbridge": "events",
  "@aws-sdk/client-kms": "kms",
  "@aws-sdk/client-lambda": "lambda",
  "@aws-sdk/client-s3": "s3",
  "@aws-sdk/client-sns": "sns",
  "@aws-sdk/client-sqs": "sqs",
  "@aws-sdk/client-ssm": "ssm",
  "@aws-sdk/client-sts": "sts",
  "@aws-sdk/lib-dynamodb": "dynamodb",
};

/** Commands whose IAM action is not `<service>:<command without "Command">`. */
const ACTION_OF_COMMAND: Record<string, string> = {
  // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html ("lambda:InvokeFunction")
  "@aws-sdk/client-lambda:InvokeCommand": "lambda:InvokeFunction",
  "@aws-sdk/client-lambda:InvokeWithResponseStreamCommand": "lambda:InvokeFunction",
  // The document client's commands send the DynamoDB operation of the same meaning.
  "@aws-sdk/lib-dynamodb:PutCommand": "dynamodb:PutItem",
  "@aws-sdk/lib-dynamodb:GetCommand": "dynamodb:GetItem",
  "@aws-sdk/lib-dynamodb:UpdateCommand": "dynamodb:UpdateItem",
  "@aws-sdk/lib-dynamodb:DeleteCommand": "dynamodb:DeleteItem",
  "@aws-sdk/lib-dynamodb:QueryCommand": "dynamodb:Query",
  "@aws-sdk/lib-dynamodb:ScanCommand": "dynamodb:Scan",
  "@aws-sdk/lib-dynamodb:BatchGetCommand": "dynamodb:BatchGetItem",
  "@aws-sdk/lib-dynamodb:BatchWriteCommand": "dynamodb:BatchWriteItem",
  // A read transaction needs GetItem on each table it reads (there is no TransactGetItems action).
  "@aws-sdk/lib-dynamodb:TransactGetCommand": "dynamodb:GetItem",
  "@aws-sdk/client-dynamodb:TransactGetItemsCommand": "dynamodb:GetItem",
};

/**
 * A write transaction needs the action of each of its items (PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem), which no command name tells:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 */
const ACTIONS_BY_ITEM = new Set(["@aws-sdk/lib-dynamodb:TransactWriteCommand", "@aws-sdk/client-dynamodb:TransactWriteItemsCommand"]);

/** The IAM action a command of a client package needs. Throws for a client package not mapped. */
export function actionOfCommand(client: string, command: string): string {
  if (ACTIONS_BY_ITEM.has(`${client}:${command}`)) {
    throw new Error(`${client}:${command}: its IAM actions are those of its items (PutItem, UpdateItem, DeleteItem, ConditionCheckItem): prove its grants by hand in tests/contracts/access.ts`);
  }
  const mapped = ACTION_OF_COMMAND[`${client}:${command}`];
  if (mapped) return mapped;
  const service = CLIENT_SERVICES[client];
  if (!service) throw new Error(`${client}: unknown AWS SDK client package: add its IAM service prefix to CLIENT_SERVICES in tests/contracts/function-calls.ts`);
  return `${service}:${command.replace(/Command$/, "")}`;
}

/** The SDK calls in one TypeScript source text. */
export function sdkCallsInSource(file: string, text: string): SdkCall[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const named = new Map<string, { client: string; command: string }>();
  const namespaces = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const client = statement.moduleSpecifier.text;
    if (!client.startsWith("@aws-sdk/")) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) namespaces.set(bindings.name.text, client);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        const imported = (element.propertyName ?? element.name).text;
        if (imported.endsWith("Command")) named.set(element.name.text, { client, command: imported });
      }
    }
  }
  const calls: SdkCall[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node)) {
      const callee = node.expression;
      let found: { client: string; command: string } | undefined;
      if (ts.isIdentifier(callee)) found = named.get(callee.text);
      else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.name.text.endsWith("Command")) {
        const client = namespaces.get(callee.expression.text);
        if (client) found = { client, command: callee.name.text };
      }
      if (found) calls.push({ ...found, action: actionOfCommand(found.client, found.command), file });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

/**
 * Libraries that send AWS requests themselves, so no `new <X>Command` of ours shows their calls,
 * with the functions whose use of them the access cases prove by hand (access.ts: the probe reads
 * its secrets through Powertools' SSMProvider, GetParameters and GetParameter).
 */
export const REQUEST_SENDING_LIBRARIES: Record<string, readonly string[]> = {
  "@aws-lambda-powertools/parameters": ["probe"],
};

/**
 * What in one source sends AWS requests that `sdkCallsInSource` cannot see: a value import from a
 * request-sending library, or an SDK's aggregated client (`SSM`, `DynamoDBDocument`: a class whose
 * methods send requests, found as an export `<X>` of a package that also exports `<X>Client`).
 */
export function unseenRequestSenders(file: string, text: string): Array<{ library: string; name: string; file: string }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Array<{ library: string; name: string; file: string }> = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || statement.importClause?.isTypeOnly) continue;
    const module = statement.moduleSpecifier.text;
    const library = Object.keys(REQUEST_SENDING_LIBRARIES).find((name) => module === name || module.startsWith(`${name}/`));
    const bindings = statement.importClause?.namedBindings;
    const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.filter((element) => !element.isTypeOnly).map((element) => (element.propertyName ?? element.name).text) : ["*"];
    if (library) {
      for (const name of names) found.push({ library, name, file });
    } else if (module.startsWith("@aws-sdk/")) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exports = require(module) as Record<string, unknown>;
      for (const name of names) if (name !== "*" && typeof exports[`${name}Client`] === "function") found.push({ library: module, name, file });
    }
  }
  return found;
}

/** Every AWS request sender of a function's bundle that `sdkCallsOf` does not see. */
export function unseenRequestSendersOf(functionName: string): Array<{ library: string; name: string; file: string }> {
  return bundleFunction(functionName).sources.flatMap((file) => unseenRequestSenders(file, fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")));
}

/** Every SDK call of a function's bundle, one entry per distinct command. */
export function sdkCallsOf(functionName: string): SdkCall[] {
  const calls = new Map<string, SdkCall>();
  for (const file of bundleFunction(functionName).sources) {
    for (const call of sdkCallsInSource(file, fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"))) {
      calls.set(`${call.client}:${call.command}`, calls.get(`${call.client}:${call.command}`) ?? call);
    }
  }
  return [...calls.values()].sort((a, b) => a.action.localeCompare(b.action));
}
