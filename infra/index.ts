/**
 * The Pulumi program (`main: infra/` in Pulumi.yaml). Pulumi's Node.js language host loads this
 * file through ts-node with the project's tsconfig.json; its exported object becomes the stack
 * outputs (the StackOutputs contract of infra/outputs.ts).
 */
import { runProgram } from "./program";

export = runProgram();
