/**
 * Reads the AppSpec of a Lambda deployment: which function, alias and versions CodeDeploy is
 * shifting. CodeDeploy keeps the content as the caller gave it (JSON or YAML).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 */
import * as yaml from "js-yaml";
import * as z from "zod/mini";
import { validate, ValidationError } from "../common/schema-kit";

/** The one function a Lambda deployment shifts. */
export interface LambdaDeploymentTarget {
  /** Function name or ARN, as written in the AppSpec. */
  name: string;
  alias: string;
  currentVersion: string;
  /** The version the hook must test before any traffic reaches it. */
  targetVersion: string;
}

/** A published version: digits only (YAML may give it as a number). `$LATEST` cannot be deployed. */
const version = z.pipe(
  z.union([z.string().check(z.regex(/^[1-9]\d*$/, { error: "must be a published version number" })), z.int().check(z.positive())], {
    error: (issue) => (issue.input === undefined ? "is required" : "must be a published version number"),
  }),
  z.transform(String),
);

const required = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).check(z.minLength(1, { error: "must not be empty" }));

const LambdaResourceSchema = z.object({
  Type: z.literal("AWS::Lambda::Function", { error: 'must be "AWS::Lambda::Function"' }),
  Properties: z.object(
    { Name: required, Alias: required, CurrentVersion: version, TargetVersion: version },
    { error: (issue) => (issue.input === undefined ? "is required" : "must be an object") },
  ),
});

const AppSpecSchema = z.object(
  {
    Resources: z
      .array(z.record(z.string(), LambdaResourceSchema, { error: "must be an object of resource names to resources" }), {
        error: (issue) => (issue.input === undefined ? "is required" : "must be a list"),
      })
      .check(z.minLength(1, { error: "must name the Lambda function to deploy" })),
  },
  { error: "must be an object" },
);

/** Parses AppSpec content (JSON or YAML); throws a ValidationError naming the bad field. */
export function parseAppSpec(content: string): LambdaDeploymentTarget {
  let document: unknown;
  try {
    // JSON is YAML, so one parser reads both forms CodeDeploy accepts.
    document = yaml.load(content, { schema: yaml.JSON_SCHEMA });
  } catch (error) {
    throw new ValidationError([`appspec: is not valid JSON or YAML (${(error as Error).message.split("\n")[0]})`]);
  }
  const appSpec = validate(AppSpecSchema, document, "appspec");
  const functions = appSpec.Resources.flatMap((entry) => Object.values(entry));
  // A Lambda deployment shifts exactly one function's alias.
  if (functions.length !== 1) {
    throw new ValidationError([`appspec.Resources: must name exactly one Lambda function, got ${functions.length}`]);
  }
  const { Name, Alias, CurrentVersion, TargetVersion } = functions[0].Properties;
  return { name: Name, alias: Alias, currentVersion: CurrentVersion, targetVersion: TargetVersion };
}
