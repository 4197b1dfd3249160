/** The stage's CloudWatch dashboard in the home region; its body comes from infra/plan/dashboard.ts. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dashboardUrl } from "../plan/names";
import type { StageConfig } from "../config";
import { planDashboard } from "../plan/dashboard";
import type { StagePlan } from "../plan/stage";

export interface DashboardArgs {
  config: StageConfig;
  plan: StagePlan;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

export { dashboardUrl };

export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboard: aws.cloudwatch.Dashboard;
  public readonly url: string;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:Dashboard", name, {}, opts);
    const dashboardName = args.plan.prefix;
    const body = pulumi
      .all([args.accountId, args.partition])
      .apply(([accountId, partition]) => JSON.stringify(planDashboard(args.config, args.plan, { accountId, partition }).body));
    this.dashboard = new aws.cloudwatch.Dashboard("dashboard", { dashboardName, dashboardBody: body }, { parent: this });
    this.url = dashboardUrl(args.config.homeRegion, dashboardName);
    this.registerOutputs({ url: this.url });
  }
}
