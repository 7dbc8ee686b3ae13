// Render every formula given on standard input (a JSON list of {"where", "tex", "display"}) with KaTeX,
// throwing on any error; print a JSON list of {"where", "tex", "error"} for those that fail.
// Usage: node katex_render.js KATEX_MODULE_DIR < formulas.json
const katex = require(process.argv[2]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  for (const item of JSON.parse(input)) {
    try {
      katex.renderToString(item.tex, { displayMode: item.display, throwOnError: true, strict: "ignore" });
    } catch (error) {
      failures.push({ where: item.where, tex: item.tex, error: String(error.message) });
    }
  }
  process.stdout.write(JSON.stringify({ version: katex.version, failures }));
});
