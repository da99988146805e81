/**
 * A `deno lint` plugin (see deno.json) that holds the size rules of the
 * README for lib/, workers/ and mod.ts: no function over 80 lines, no file
 * over 300. Tests and test helpers are left out.
 *
 * @module
 */

const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 300;

/** Whether the size rules apply to this file. */
function governed(filename: string): boolean {
  return /\/(lib|workers)\/.*\.ts$|\/mod\.ts$/.test(filename) && !/(_test|_test_utils)\.ts$/.test(filename);
}

const plugin: Deno.lint.Plugin = {
  name: "weft",
  rules: {
    "max-function-lines": {
      create(context) {
        if (!governed(context.filename)) return {};
        const check = (node: Deno.lint.Node) => {
          const [start, end] = node.range;
          const lines = context.sourceCode.text.slice(start, end).split("\n").length;
          if (lines > MAX_FUNCTION_LINES) {
            context.report({ node, message: `${lines} lines: a function has at most ${MAX_FUNCTION_LINES}` });
          }
        };
        return { FunctionDeclaration: check, FunctionExpression: check, ArrowFunctionExpression: check };
      },
    },
    "max-file-lines": {
      create(context) {
        if (!governed(context.filename)) return {};
        return {
          Program(node) {
            const lines = context.sourceCode.text.trimEnd().split("\n").length;
            if (lines > MAX_FILE_LINES) {
              context.report({
                node,
                message: `${lines} lines: a source file has at most ${MAX_FILE_LINES}`,
              });
            }
          },
        };
      },
    },
  },
};

export default plugin;
