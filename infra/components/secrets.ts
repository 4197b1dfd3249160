/**
 * The stage's secrets (`webhealth:secrets`) in SSM Parameter Store: one `SecureString` parameter per
 * secret, encrypted with the stage's customer-managed KMS key, in the home region. Every value goes
 * in as a Pulumi secret, so the state, `pulumi preview` and `npm run synth` never show it. Who may
 * read a parameter is decided by IAM (the probe role names exactly its parameters) and by the key
 * (decrypting needs kms:Decrypt on it, through SSM only).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REDACTED, secretConfigPath, type SecretText } from "../../functions/common/secrets";
import type { SecretsPlan } from "../plan/stage";

export interface StageSecretsArgs {
  plan: SecretsPlan;
  /** `webhealth:secrets`: name -> value. */
  values: Readonly<Record<string, SecretText>>;
  /** The stage's KMS key (the one that encrypts the alarm topic). */
  keyArn: pulumi.Input<string>;
  stage: string;
}

/**
 * The value a parameter is created with. The Pulumi CLI always hands the program decrypted values
 * (it fails before the program runs when it cannot); only `npm run synth`, which reads the stack
 * file without the CLI, sees an encrypted one, and shows it redacted anyway.
 */
function parameterValue(secret: SecretText): pulumi.Output<string> {
  return pulumi.secret(secret.reveal() ?? REDACTED);
}

export class StageSecrets extends pulumi.ComponentResource {
  public readonly parameters: aws.ssm.Parameter[];

  constructor(name: string, args: StageSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:StageSecrets", name, {}, opts);
    this.parameters = args.plan.parameters.map(
      (parameter) =>
        new aws.ssm.Parameter(
          parameter.logicalName,
          {
            name: parameter.parameterName,
            type: "SecureString",
            keyId: args.keyArn,
            value: parameterValue(args.values[parameter.secret]),
            tier: "Standard",
            description: `webhealth ${args.stage} secret ${parameter.secret} (set with pulumi config set --secret --path '${secretConfigPath(parameter.secret)}')`,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ parameterNames: args.plan.parameters.map((parameter) => parameter.parameterName) });
  }
}
