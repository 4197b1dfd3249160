/**
 * The policy pack users run with `pulumi preview --policy-pack policy` (and `pulumi up`).
 * Only wiring lives here: constructing a PolicyPack starts the analyzer server, so tests import
 * `./rules` and never this file.
 */
import { PolicyPack, PolicyResource as EngineResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { PolicyResource } from "./rule-kit";
import { RESOURCE_RULES, STACK_RULES } from "./rules";

/** The engine's view of a resource, reduced to what the rules read. */
function asRuleResource(resource: ResourceValidationArgs | EngineResource): PolicyResource {
  return { type: resource.type, name: resource.name, props: resource.props, opts: resource.opts, urn: resource.urn };
}

new PolicyPack("webhealth", {
  // Every rule guards something a stage cannot work without; a finding blocks the update.
  enforcementLevel: "mandatory",
  policies: [
    ...RESOURCE_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!rule.resourceTypes.includes(args.type)) return;
        rule.validate(asRuleResource(args), (message) => reportViolation(message));
      },
    })),
    ...STACK_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        rule.validateStack(args.resources.map(asRuleResource), (message, resource) => reportViolation(message, resource.urn));
      },
    })),
  ],
});
