/** Tests find the tools of `npm run setup` only through here; the lookup itself lives in playground/tools.ts (the demo uses it too). */
export { requireTool, TOOLS_BIN, type Tool } from "../../playground/tools";
