/**
 * EventBridge's input transformer as documented, for tests: each `<name>` of the template whose
 * name is a variable is replaced by the variable's value, a string value quoted as JSON (the
 * form a JSON template gets). https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
export function renderInputTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/<([A-Za-z0-9_.-]+)>/g, (whole, name: string) => (name in values ? JSON.stringify(values[name]) : whole));
}
