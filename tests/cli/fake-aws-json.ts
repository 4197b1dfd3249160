/**
 * The wire layer the local CloudWatch and Logs Insights stand-ins share: an HTTP server on
 * 127.0.0.1 that reads an AWS JSON protocol request (the operation from `X-Amz-Target`, the region
 * from the SigV4 credential scope, the JSON body) and lets the fake answer it.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface AwsJsonRequest {
  operation: string;
  region: string;
  body: Record<string, unknown>;
}

export type AwsJsonReply = (status: number, payload: unknown, headers?: Record<string, string>) => void;

/** The message IAM gives a caller whose policies do not allow `action`. */
export function accessDeniedMessage(action: string): string {
  return `User: arn:aws:iam::123456789012:user/reader is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
}

/** `contentType` is the protocol's: `application/x-amz-json-1.0` or `-1.1`. */
export async function startAwsJsonServer(
  contentType: string,
  answer: (request: AwsJsonRequest, reply: AwsJsonReply) => void,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const operation = String(request.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
      const region = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(request.headers.authorization ?? ""))?.[1] ?? "";
      const body = JSON.parse(text || "{}") as Record<string, unknown>;
      answer({ operation, region, body }, (status, payload, headers = {}) => {
        response.writeHead(status, { "content-type": contentType, ...headers });
        response.end(JSON.stringify(payload));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
