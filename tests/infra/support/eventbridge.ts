/**
 * EventBridge's input transformer as documented, for tests: each `<name>` of the template whose
 * name is a variable is replaced by the variable's value, a string value quoted as JSON (the
 * form a JSON template gets). https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
export function renderInputTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, name: string) => (name in values ? JSON.stringify(values[name]) : whole));
}

/** The event an EventBridge target's inputs deliver: its constant input, or its input template rendered with the scheduled event's time. */
export function deliveredEvent(inputs: Record<string, unknown>, time = "2026-12-01T10:03:00Z"): Record<string, unknown> {
  if (typeof inputs.input === "string") return JSON.parse(inputs.input) as Record<string, unknown>;
  const transformer = inputs.inputTransformer as { inputTemplate?: string } | undefined;
  if (!transformer?.inputTemplate) throw new Error("the target has neither an input nor an input template");
  return JSON.parse(renderInputTemplate(transformer.inputTemplate, { time })) as Record<string, unknown>;
}
