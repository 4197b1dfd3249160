/** The per-target assertions on the final response: status, headers, body. */
import type { IncomingHttpHeaders } from "node:http";
import type { TargetExpectations } from "../common/targets";
import type { ProbeError } from "./result";

export interface FinalResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  bodyTruncated: boolean;
}

/** Any 2xx, unless the target lists its accepted codes. */
export function isAcceptedStatus(status: number, expect: TargetExpectations | undefined): boolean {
  return expect?.status ? expect.status.includes(status) : status >= 200 && status <= 299;
}

/** The first failed assertion (status, then headers, then body), or null when all hold. */
export function checkResponse(response: FinalResponse, expect: TargetExpectations | undefined): ProbeError | null {
  if (!isAcceptedStatus(response.status, expect)) {
    const accepted = expect?.status ? `one of ${expect.status.join(", ")}` : "2xx";
    return { code: "STATUS", message: `status ${response.status} is not accepted (expected ${accepted})` };
  }
  for (const [name, wanted] of Object.entries(expect?.headers ?? {})) {
    const value = response.headers[name.toLowerCase()];
    if (value === undefined) return { code: "HEADER", message: `header ${name} is missing` };
    const actual = Array.isArray(value) ? value.join(", ") : value;
    if (!actual.toLowerCase().includes(wanted.toLowerCase())) {
      return { code: "HEADER", message: `header ${name} is ${JSON.stringify(actual)}, expected it to contain ${JSON.stringify(wanted)}` };
    }
  }
  if (expect?.bodyContains === undefined && expect?.bodyMatches === undefined) return null;
  const body = response.body.toString("utf8");
  const where = response.bodyTruncated ? ` (in the first ${response.body.length} bytes)` : "";
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return { code: "BODY", message: `body does not contain ${JSON.stringify(expect.bodyContains)}${where}` };
  }
  if (expect.bodyMatches !== undefined && !new RegExp(expect.bodyMatches).test(body)) {
    return { code: "BODY", message: `body does not match /${expect.bodyMatches}/${where}` };
  }
  return null;
}
