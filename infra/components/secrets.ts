/**
 * The stage's secrets (`webhealth:secrets`) as SSM Parameter Store `SecureString` parameters, one
 * per secret, named `/webhealth/<stage>/secrets/<name>` (functions/common/secrets.ts) and encrypted
 * with the stage's KMS key. The functions that use a secret are granted exactly its parameter.
 * Values reach Pulumi only as secrets: state and previews show them encrypted, synth as `[secret]`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REDACTED, secretParameterName, type SecretText } from "../../functions/common/secrets";

export interface SecretParametersArgs {
  stage: string;
  secrets: Readonly<Record<string, SecretText>>;
  /** The stage's KMS key (the alarm key), which SSM encrypts every value with. */
  keyArn: pulumi.Input<string>;
  region: string;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

/** The ARN of a parameter whose name starts with `/` (`parameter/webhealth/...`). */
export function parameterArn(partition: pulumi.Input<string>, region: string, accountId: pulumi.Input<string>, name: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:parameter${name}`;
}

export class SecretParameters extends pulumi.ComponentResource {
  /** Secret name -> its parameter's ARN. */
  public readonly arns: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: SecretParametersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:SecretParameters", name, {}, opts);
    for (const [secretName, value] of Object.entries(args.secrets)) {
      const parameterName = secretParameterName(args.stage, secretName);
      // Without the Pulumi CLI (npm run synth) an encrypted value cannot be read: the placeholder is
      // itself a secret, so nothing but `[secret]` is ever shown.
      const parameter = new aws.ssm.Parameter(
        `secret-${secretName}`,
        {
          name: parameterName,
          type: "SecureString",
          keyId: args.keyArn,
          value: pulumi.secret(value.reveal() ?? REDACTED),
          tier: "Standard",
          description: `webhealth:secrets.${secretName} of ${args.stage}`,
        },
        { parent: this },
      );
      this.arns[secretName] = pulumi.interpolate`${parameter.arn}`;
    }
    this.registerOutputs({ count: Object.keys(args.secrets).length });
  }
}
