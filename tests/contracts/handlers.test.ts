/**
 * Every function's handler against what the nodejs24.x runtime removed: Node.js 24 Lambda
 * runtimes no longer take callback-style handlers `(event, context, callback)`; a handler must be
 * an async function (or return a promise) of at most `(event, context)`.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
 */
import { expect } from "chai";
import * as vm from "node:vm";
import { LAMBDA_RUNTIME } from "../../functions/common/contract";
import { LAMBDA_HANDLER } from "../../infra/components/canary-function";
import { bundleFunction } from "../../scripts/bundle";
import { FUNCTION_NAMES } from "./access";

/** Loads a bundle the way Lambda does (CommonJS, `index.js`), with the runtime's modules. */
function loadBundle(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  vm.runInThisContext(`(function (exports, require, module) {${code}\n})`)(module.exports, require, module);
  return module.exports;
}

describe(`contracts: handlers on ${LAMBDA_RUNTIME}`, function () {
  this.timeout(60_000);

  it("finds the functions", () => {
    expect(FUNCTION_NAMES).to.include.members(["canary-hook", "probe", "recorder"]);
  });

  for (const name of FUNCTION_NAMES) {
    it(`${name}: the bundle exports ${LAMBDA_HANDLER} as an async function of at most (event, context)`, () => {
      const exported = loadBundle(bundleFunction(name).code)[LAMBDA_HANDLER.split(".")[1]];
      expect(exported, "handler").to.be.a("function");
      const handler = exported as (...args: unknown[]) => unknown;
      expect(handler.constructor.name, "an async function").to.equal("AsyncFunction");
      expect(handler.length, "no callback parameter").to.be.at.most(2);
    });
  }
});
