/**
 * What the GitHub workflows ask of the driver beyond deploying: the pull-request preview matrix
 * (one entry per stage, with the secret holding that stage's read-only role) and the check that
 * the prod environment really has required reviewers before the pipeline deploys prod.
 */
import { readStageGraph } from "./stages";

/** The preview role secret of a stage: `AWS_PREVIEW_ROLE_ARN_<STAGE>` (secret names allow letters, digits and `_`). */
export function previewRoleSecret(stage: string): string {
  return `AWS_PREVIEW_ROLE_ARN_${stage.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The shared read-only role, used by a stage whose own secret is not set (all stages in one account). */
export const SHARED_PREVIEW_ROLE_SECRET = "AWS_PREVIEW_ROLE_ARN";

/** `{"include":[{"stage":"beta","role-secret":"AWS_PREVIEW_ROLE_ARN_BETA"},...]}`: every stage file, in promotion order. */
export function previewMatrix(root?: string): { include: Array<{ stage: string; "role-secret": string }> } {
  return { include: readStageGraph(root).order.map((stage) => ({ stage, "role-secret": previewRoleSecret(stage) })) };
}

/** One rule of an environment, as GET /repos/{owner}/{repo}/environments/{name} returns it. */
interface ProtectionRule {
  type?: string;
  reviewers?: Array<{ type?: string; reviewer?: { login?: string; slug?: string; name?: string } }>;
  prevent_self_review?: boolean;
}

export interface ApprovalCheck {
  ok: boolean;
  /** What to print: the reason it fails, or the reviewers it found. */
  lines: string[];
}

/**
 * Whether `environment` of the repository has required reviewers, read with the REST API's "Get an
 * environment" (GET /repos/{owner}/{repo}/environments/{environment_name}; the GITHUB_TOKEN needs
 * `actions: read`, the "Actions" repository permission:
 * https://docs.github.com/en/rest/deployments/environments#get-an-environment). Anything but a
 * `required_reviewers` rule with at least one reviewer fails: a missing environment (GitHub creates
 * one without protection when a job first names it), or a plan where required reviewers are not
 * available (private repositories on Free, Pro and Team), where the rule simply does not exist.
 */
export async function checkRequiredReviewers(options: { apiUrl: string; repository: string; environment: string; token?: string; fetch?: typeof fetch }): Promise<ApprovalCheck> {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.apiUrl.replace(/\/$/, "")}/repos/${options.repository}/environments/${encodeURIComponent(options.environment)}`;
  const refuse = (reason: string): ApprovalCheck => ({
    ok: false,
    lines: [
      `refusing to deploy ${options.environment}: ${reason}.`,
      `Add required reviewers to the "${options.environment}" environment (Settings -> Environments), or, where the plan has none, keep the repository public, move to GitHub Enterprise, or remove the ${options.environment} job and promote it by hand (see "Environments and reviewers" in the README).`,
    ],
  });
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: {
        Accept: "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
    });
  } catch (error) {
    return refuse(`could not reach the GitHub API at ${url} (${(error as Error).message})`);
  }
  if (response.status === 404) return refuse(`the environment "${options.environment}" does not exist in ${options.repository} (GitHub would create it without protection)`);
  if (response.status === 401 || response.status === 403) {
    return refuse(`the token may not read the environment (HTTP ${response.status}): the job needs \`permissions: actions: read\``);
  }
  if (!response.ok) return refuse(`GET ${url} answered HTTP ${response.status}`);
  let body: { protection_rules?: ProtectionRule[]; can_admins_bypass?: boolean };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    return refuse(`GET ${url} did not answer JSON`);
  }
  const rule = (body.protection_rules ?? []).find((candidate) => candidate.type === "required_reviewers");
  const reviewers = (rule?.reviewers ?? []).map((entry) => entry.reviewer?.login ?? entry.reviewer?.slug ?? entry.reviewer?.name ?? "?");
  if (!rule || reviewers.length === 0) {
    return refuse(`the environment "${options.environment}" has no required reviewers (its protection rules: ${(body.protection_rules ?? []).map((r) => r.type).join(", ") || "none"}), so nothing would hold the deployment for approval`);
  }
  const lines = [`${options.environment}: required reviewers ${reviewers.join(", ")}: the deployment waits for one of them to approve`];
  if (!rule.prevent_self_review) lines.push(`warning: ${options.environment}: "Prevent self-review" is off: whoever pushed may approve their own deployment`);
  if (body.can_admins_bypass) lines.push(`warning: ${options.environment}: administrators may bypass the protection rules ("Allow administrators to bypass configured protection rules")`);
  return { ok: true, lines };
}
