// Checking a script's parameters in the browser, as the agent's manifest
// declares them (the server checks again): a required parameter must be
// given, and a pattern must match the whole value (an implicit ^...$).

export interface ParamRule {
  required?: boolean;
  pattern?: string;
}

// The problem with `value`, or null when it is acceptable. An empty optional
// value is acceptable (it is left out of the request).
export function paramProblem(name: string, rule: ParamRule, value: string): string | null {
  if (value === "") return rule.required ? `${name} is required` : null;
  if (rule.pattern) {
    let re: RegExp;
    try {
      re = new RegExp("^(?:" + rule.pattern + ")$", "u");
    } catch {
      try {
        re = new RegExp("^(?:" + rule.pattern + ")$");
      } catch {
        return null; // the server's engine decides
      }
    }
    if (!re.test(value)) return `${name} must match ${rule.pattern}`;
  }
  return null;
}

// The parameters to send: the non-empty values, by name.
export function paramsToSend(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== "") out[k] = v;
  return out;
}
