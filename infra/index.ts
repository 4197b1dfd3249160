/**
 * The Pulumi program (`main: infra/` in Pulumi.yaml). Pulumi's Node.js language host runs in
 * infra/ and loads this file through ts-node with infra/tsconfig.json (the project's options); its
 * exported object becomes the stack outputs (the StackOutputs contract of infra/outputs.ts).
 */
import { runProgram } from "./program";

export = runProgram();
